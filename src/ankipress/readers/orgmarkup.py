"""Org markup as HTML, the way Org's HTML export (which anki-editor sends to Anki) shows it.

The common markup of a note's fields, not all of Org: paragraphs; ``*bold*``, ``/italic/``,
``_underline_``, ``=verbatim=``, ``~code~``, ``+strike+``; plain, numbered and description
lists (with check boxes); tables; ``#+BEGIN_SRC``, ``EXAMPLE``, ``QUOTE``, ``CENTER``,
``VERSE`` and ``COMMENT`` blocks, ``: `` fixed-width lines; ``#+BEGIN_EXPORT html`` blocks,
``#+HTML:`` lines and ``@@html:…@@`` snippets passed through raw; ``[[target][text]]`` links,
plain ``https://`` links, ``[[file:picture.png]]`` pictures (``#+ATTR_HTML:`` gives their
attributes) and ``[[file:sound.mp3]]`` sounds; ``\\(…\\)``, ``\\[…\\]``, ``$…$``, ``$$…$$`` and
``\\begin{…}`` environments as Anki's MathJax (anki-editor's ``mathjax`` LaTeX style: its
default ``[$]`` style needs LaTeX installed wherever the cards are studied); ``x_{i}``
and ``x^{2}`` (``#+OPTIONS: ^:{}`` or ``^:nil`` as in Org); ``\\\\`` line ends as breaks.
Org's rules for what counts as emphasis (the characters around the markers) are kept, so
``a*b*c`` stays text, as in Org.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.entities import html5
from pathlib import PurePosixPath

from ankipress.model import Severity
from ankipress.rules import MALFORMED_ROW, MEDIA_MISSING, MEDIA_NOT_PACKED, UNCLASSIFIED, Rule

__all__ = ["Line", "OrgHtml", "Reference"]

Line = tuple[int, str]
"""A line of the source: its 1-based number, its text."""

Report = Callable[[int, Severity, str, str, Rule], None]
"""Says a problem: line, severity, message, hint, rule."""

_BEGIN = re.compile(r"[ \t]*#\+begin_(\w+)(?:[ \t]+(.*?))?[ \t]*", re.IGNORECASE)
_KEYWORD = re.compile(r"[ \t]*#\+(\w+):[ \t]*(.*?)[ \t]*", re.IGNORECASE)
_COMMENT = re.compile(r"[ \t]*#(?:[ \t].*)?")
_FIXED = re.compile(r"[ \t]*:(?:[ \t](.*)|)")
_RULE = re.compile(r"[ \t]*-{5,}[ \t]*")
_ITEM = re.compile(r"([ \t]*)([-+]|(?<=[ \t])\*|\d+[.)]|[A-Za-z][.)])(?:[ \t]+(.*)|)")
_TABLE = re.compile(r"[ \t]*\|.*")
_TABLE_RULE = re.compile(r"[ \t]*\|[-+]*[ \t]*(?:\|[-+ \t]*)*")
_ENV = re.compile(r"[ \t]*\\begin\{([A-Za-z*]+)\}")
_DRAWER = re.compile(r"[ \t]*:([\w-]+):[ \t]*")
_DRAWER_END = re.compile(r"[ \t]*:END:[ \t]*", re.IGNORECASE)
_HEADING = re.compile(r"(\*+)[ \t]+(.*?)(?:[ \t]+(:[\w@#%:]+:))?[ \t]*")
_CHECKBOX = re.compile(r"\[([ Xx-])\][ \t]+")
_DESCRIPTION = re.compile(r"(.*?)[ \t]+::(?:[ \t]+|$)")
_ATTR = re.compile(r":([\w-]+)[ \t]+((?:(?![ \t]+:[\w-]+[ \t]).)*)")

# Everything inline that is not emphasis, in one pass, left to right.
_INLINE = re.compile(
    r"@@(?P<backend>[\w-]+):(?P<snippet>[^@]{0,2000}?)@@"
    r"|\\\((?P<inline>.{0,2000}?)\\\)"
    r"|\\\[(?P<display>.{0,8000}?)\\\]"
    r"|\$\$(?P<dollars>.{0,8000}?)\$\$"
    r"|(?<![\w$\\])\$(?P<dollar>[^\s$.,;](?:[^$\n]{0,1000}?[^\s$.,\\])?)\$(?![\w$])"
    r"|\[\[(?P<target>(?:[^\[\]\\]|\\.)+)\](?:\[(?P<text>[^\n]{0,2000}?)\])?\]"
    r"|(?:(?<=^)|(?<=[\s\-({'\"]))(?P<mark>[=~])(?P<code>\S(?:[^\n]|\n(?![ \t]*\n)){0,500}?(?<=\S))"
    r"(?P=mark)(?=[\s\-.,;:!?')}\[\"\\]|$)"
    r"|(?P<url>\b(?:https?|ftp|mailto):[^\s<>\[\]\"']*[^\s<>\[\]\"'.,;:!?)])"
    r"|(?P<break>\\\\[ \t]*$)",
    re.DOTALL | re.MULTILINE,
)
# Emphasis spans two lines at most in Org; its length is bounded here so that a run of
# markers that never close is read in linear time.
_EMPHASIS = re.compile(
    r"(?:(?<=^)|(?<=[\s\-({'\"\ue010>]))(?P<mark>[*/_+])"
    r"(?P<body>[^\s*/_+]|\S(?:[^\n]|\n(?![ \t]*\n)){0,500}?[^\s])(?P=mark)"
    r"(?=[\s\-.,;:!?')}\[\"\\<\ue010]|$)",
    re.MULTILINE,
)
_EMPHASIS_TAGS = {"*": "b", "/": "i", "_": "span", "+": "del"}
_SCRIPT = re.compile(r"(?<=[^\s\ue011>])([_^])(\{[^{}\n]*\}|\*|[+-]?[A-Za-z0-9.,\\]*[A-Za-z0-9])")
_ENTITY = re.compile(r"\\([A-Za-z]+)(?:\{\})?(?![A-Za-z])")
_PLACEHOLDER = re.compile("\ue010(\\d+)\ue011")
_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?)$", re.IGNORECASE)
_AUDIO = re.compile(r"\.(?:mp3|3gp|flac|m4a|oga|ogg|opus|spx|wav)$", re.IGNORECASE)
_VIDEO = re.compile(r"\.(?:mp4|webm|ogv|mov)$", re.IGNORECASE)
# Environments that are display math of their own: inside \[…\] they need their inner form.
_INNER_ENV = {
    "equation": None,
    "equation*": None,
    "displaymath": None,
    "align": "aligned",
    "align*": "aligned",
    "gather": "gathered",
    "gather*": "gathered",
    "multline": "gathered",
    "multline*": "gathered",
    "eqnarray": "aligned",
    "eqnarray*": "aligned",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """A file a field refers to: where, the path as written, and how (picture, sound, link)."""

    line: int
    path: str
    kind: str


@dataclass
class _Block:
    """What a run of lines became, and whether it is a paragraph (lists unwrap those)."""

    html: str
    paragraph: bool = False


@dataclass
class OrgHtml:
    """Converts the lines of one field; says what it could not show through ``report``."""

    report: Report
    scripts: str = "t"
    """Org's ``^:`` option: ``t`` (``x_i`` too), ``{}`` (only ``x_{i}``) or ``nil``."""
    attach_dir: str | None = None
    """Where ``attachment:`` links point (a heading's ``:DIR:``), relative to the file."""
    references: list[Reference] = field(default_factory=list)
    _pieces: list[str] = field(default_factory=list)
    _attributes: dict[str, str] = field(default_factory=dict)
    _image_attributes: dict[str, str] = field(default_factory=dict)
    _line: int = 0
    _ends: tuple[list[Line] | None, list[int]] = (None, [])

    # -- blocks ------------------------------------------------------------------------

    def convert(self, lines: list[Line]) -> str:
        """The HTML of a field's lines."""
        return "".join(block.html for block in self._blocks(_dedent(lines)))

    def _blocks(self, lines: list[Line]) -> list[_Block]:
        blocks: list[_Block] = []
        index = 0
        levels = [len(m.group(1)) for _, t in lines if (m := _HEADING.fullmatch(t))]
        top = min(levels) if levels else 1
        while index < len(lines):
            text = lines[index][1]
            if not text.strip():
                index += 1
                continue
            step = (
                self._heading(lines, index, top, blocks)
                or self._block(lines, index, blocks)
                or self._keyword(lines, index, blocks)
                or self._drawer(lines, index)
                or self._fixed(lines, index, blocks)
                or self._table(lines, index, blocks)
                or self._list(lines, index, blocks)
                or self._environment(lines, index, blocks)
            )
            if step:
                index = step
                continue
            if _RULE.fullmatch(text):
                blocks.append(_Block("<hr />\n"))
                index += 1
                continue
            index = self._paragraph(lines, index, blocks)
        return blocks

    def _heading(self, lines: list[Line], index: int, top: int, blocks: list[_Block]) -> int:
        match = _HEADING.fullmatch(lines[index][1])
        if match is None:
            return 0
        level = len(match.group(1))
        tags = (match.group(3) or "").strip(":").split(":")
        if "noexport" in tags or match.group(2).startswith("COMMENT"):
            # Its subtree is left out: up to the next heading of its level or above (a
            # subtree is skipped once, so the scans add up to the lines once).
            end = index + 1
            while end < len(lines):
                other = _HEADING.fullmatch(lines[end][1])
                if other and len(other.group(1)) <= level:
                    break
                end += 1
            what = "tagged noexport" if "noexport" in tags else "a COMMENT heading"
            message = (
                f"the heading {match.group(2)!r} is {what}: left out, as Org's export leaves it"
            )
            self.report(lines[index][0], Severity.NOTE, message, "", UNCLASSIFIED)
            return end
        tag = f"h{min(6, level - top + 2)}"
        blocks.append(_Block(f"<{tag}>{self.inline(match.group(2))}</{tag}>\n"))
        return index + 1

    def _block(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        number, text = lines[index]
        match = _BEGIN.fullmatch(text)
        if match is None:
            return 0
        name = match.group(1).lower()
        end_pattern = re.compile(rf"[ \t]*#\+end_{re.escape(name)}[ \t]*", re.IGNORECASE)
        end = next(
            (i for i in range(index + 1, len(lines)) if end_pattern.fullmatch(lines[i][1])), None
        )
        if end is None:
            self.report(
                number,
                Severity.ERROR,
                f"#+BEGIN_{name.upper()} without its #+END_{name.upper()}",
                f"end the block with a line #+END_{name.upper()} before the next heading",
                MALFORMED_ROW,
            )
            return len(lines)
        body = lines[index + 1 : end]
        parameters = (match.group(2) or "").split()
        if name == "src":
            language = parameters[0] if parameters else ""
            css = f"src src-{html.escape(language)}" if language else "src"
            code = html.escape(_code(body), quote=False)
            blocks.append(
                _Block(
                    f'<div class="org-src-container">\n<pre class="{css}">{code}</pre>\n</div>\n'
                )
            )
        elif name == "example":
            blocks.append(
                _Block(f'<pre class="example">\n{html.escape(_code(body), quote=False)}</pre>\n')
            )
        elif name == "export":
            backend = parameters[0].lower() if parameters else ""
            if backend == "html":
                blocks.append(_Block("\n".join(t for _, t in body) + "\n"))
            else:
                message = (
                    f"an export block for {backend or 'no backend'!r}: left out, "
                    "as Org's HTML export leaves it"
                )
                self.report(number, Severity.NOTE, message, "", UNCLASSIFIED)
        elif name == "quote":
            blocks.append(_Block("<blockquote>\n" + self._join(body) + "</blockquote>\n"))
        elif name == "center":
            blocks.append(_Block('<div class="org-center">\n' + self._join(body) + "</div>\n"))
        elif name == "verse":
            text = "<br />\n".join(self.inline(t.strip()) for _, t in _dedent(body))
            blocks.append(_Block(f'<p class="verse">\n{text}\n</p>\n'))
        elif name == "comment":
            pass
        else:
            blocks.append(
                _Block(f'<div class="{html.escape(name)}">\n' + self._join(body) + "</div>\n")
            )
        return end + 1

    def _join(self, lines: list[Line]) -> str:
        return "".join(block.html for block in self._blocks(_dedent(lines)))

    def _keyword(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        text = lines[index][1]
        match = _KEYWORD.fullmatch(text)
        if match is not None:
            name = match.group(1).lower()
            if name == "html":
                blocks.append(_Block(match.group(2) + "\n"))
            elif name == "attr_html":
                self._attributes = {k.lower(): v.strip() for k, v in _ATTR.findall(match.group(2))}
            return index + 1
        if _COMMENT.fullmatch(text) and not text.lstrip().startswith("#+"):
            return index + 1
        return 0

    def _drawer(self, lines: list[Line], index: int) -> int:
        match = _DRAWER.fullmatch(lines[index][1])
        if match is None or match.group(1).upper() == "END":
            return 0
        end = self._next_end(lines, index)
        if end is None:
            return 0  # not a drawer: a line of text, as Org reads it
        return end + 1  # Org's export leaves drawers out (LOGBOOK, PROPERTIES, notes)

    def _next_end(self, lines: list[Line], index: int) -> int | None:
        """The first ``:END:`` line after ``index``; the run's ends are found once (linear)."""
        if self._ends[0] is not lines:
            ends = [i for i, (_, text) in enumerate(lines) if _DRAWER_END.fullmatch(text)]
            self._ends = (lines, ends)
        ends = self._ends[1]
        position = bisect.bisect_right(ends, index)
        return ends[position] if position < len(ends) else None

    def _fixed(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        end = index
        body: list[str] = []
        while end < len(lines) and (match := _FIXED.fullmatch(lines[end][1])):
            body.append(match.group(1) or "")
            end += 1
        if not body:
            return 0
        code = html.escape("\n".join(body), quote=False)
        blocks.append(_Block(f'<pre class="example">\n{code}\n</pre>\n'))
        return end

    def _table(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        end = index
        while end < len(lines) and _TABLE.fullmatch(lines[end][1]):
            end += 1
        if end == index:
            return 0
        groups: list[list[list[str]]] = [[]]
        for _, text in lines[index:end]:
            if _TABLE_RULE.fullmatch(text):
                if groups[-1]:
                    groups.append([])
                continue
            cells = text.strip()[1:]
            if cells.endswith("|"):
                cells = cells[:-1]
            groups[-1].append([cell.strip() for cell in cells.split("|")])
        groups = [group for group in groups if group]
        parts = [
            '<table border="2" cellspacing="0" cellpadding="6" rules="groups" frame="hsides">\n'
        ]
        for number, group in enumerate(groups):
            head = number == 0 and len(groups) > 1
            tag, cell = ("thead", "th") if head else ("tbody", "td")
            rows = "".join(
                "<tr>" + "".join(f"<{cell}>{self.inline(c)}</{cell}>" for c in row) + "</tr>\n"
                for row in group
            )
            parts.append(f"<{tag}>\n{rows}</{tag}>\n")
        parts.append("</table>\n")
        blocks.append(_Block("".join(parts)))
        return end

    def _list(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        first = _ITEM.fullmatch(lines[index][1])
        if first is None or _RULE.fullmatch(lines[index][1]):
            return 0
        indent = len(first.group(1).expandtabs(8))
        ordered = first.group(2)[0].isalnum()
        items: list[tuple[str | None, str, list[Line]]] = []
        description = False
        end = index
        while end < len(lines):
            match = _ITEM.fullmatch(lines[end][1])
            if (
                match is None
                or len(match.group(1).expandtabs(8)) != indent
                or _RULE.fullmatch(lines[end][1])
            ):
                break
            rest = match.group(3) or ""
            box = ""
            checkbox = _CHECKBOX.match(rest)
            if checkbox:
                mark = {" ": "&#xa0;", "-": "-"}.get(checkbox.group(1), "X")
                box = f"<code>[{mark}]</code> "
                rest = rest[checkbox.end() :]
            term: str | None = None
            if not ordered:
                found = _DESCRIPTION.match(rest)
                if found and (not items or description):
                    term, rest, description = found.group(1), rest[found.end() :], True
            body: list[Line] = [(lines[end][0], rest)]
            step = end + 1
            blanks = 0
            while step < len(lines):
                text = lines[step][1]
                if not text.strip():
                    blanks += 1
                    if blanks >= 2:
                        break
                    step += 1
                    continue
                if len(text) - len(text.lstrip()) <= indent and not _HEADING.fullmatch(text):
                    break
                if _HEADING.fullmatch(text):
                    break
                blanks = 0
                body.append(lines[step])
                step += 1
            items.append((term, box, [body[0], *_dedent(body[1:])]))
            end = step
            while end < len(lines) and not lines[end][1].strip() and blanks < 2:
                end += 1
            if blanks >= 2:
                break
        kind = "dl" if description else ("ol" if ordered else "ul")
        parts = [f'<{kind} class="org-{kind}">\n']
        for term, box, body in items:
            inner = self._blocks(body)
            content = "".join(
                block.html[len("<p>\n") : -len("</p>\n")].strip() + "\n"
                if position == 0 and block.paragraph and all(not b.paragraph for b in inner[1:])
                else block.html
                for position, block in enumerate(inner)
            ).rstrip("\n")
            if kind == "dl":
                parts.append(f"<dt>{box}{self.inline(term or '')}</dt><dd>{content}</dd>\n")
            else:
                parts.append(f"<li>{box}{content}</li>\n")
        parts.append(f"</{kind}>\n")
        blocks.append(_Block("".join(parts)))
        return end

    def _environment(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        match = _ENV.match(lines[index][1])
        if match is None:
            return 0
        name = match.group(1)
        closing = f"\\end{{{name}}}"
        # An environment of more than 500 lines is text: the bound keeps the scan linear.
        stop = min(len(lines), index + 500)
        end = next((i for i in range(index, stop) if closing in lines[i][1]), None)
        if end is None:
            return 0  # not an environment: text, as Org reads it
        tex = "\n".join(t.strip() for _, t in lines[index : end + 1])
        if name in _INNER_ENV:
            inner = _INNER_ENV[name]
            opening = f"\\begin{{{name}}}"
            body = tex[len(opening) : -len(closing)] if tex.endswith(closing) else tex
            tex = body.strip() if inner is None else f"\\begin{{{inner}}}{body}\\end{{{inner}}}"
        blocks.append(_Block(f"<p>\n\\[{html.escape(tex, quote=False)}\\]\n</p>\n"))
        return end + 1

    def _paragraph(self, lines: list[Line], index: int, blocks: list[_Block]) -> int:
        end = index + 1
        while end < len(lines):
            text = lines[end][1]
            if not text.strip() or _starts_element(text):
                break
            end += 1
        attributes, self._attributes = self._attributes, {}
        text = "\n".join(t.strip() for _, t in lines[index:end])
        self._line = lines[index][0]
        self._image_attributes = attributes
        blocks.append(_Block(f"<p>\n{self.inline(text)}\n</p>\n", paragraph=True))
        return end

    # -- inline --------------------------------------------------------------------------

    def inline(self, text: str) -> str:
        """The HTML of a run of text (a paragraph, a heading, a table cell)."""
        saved = len(self._pieces)
        pieces = self._pieces

        def hold(markup: str) -> str:
            pieces.append(markup)
            return f"\ue010{len(pieces) - 1}\ue011"

        def one(match: re.Match[str]) -> str:
            return hold(self._token(match))

        held = _INLINE.sub(one, text)
        escaped = html.escape(_special(held), quote=False)
        shown = self._emphasis(escaped)
        if self.scripts != "nil":
            shown = _SCRIPT.sub(self._script, shown)

        def restore(match: re.Match[str]) -> str:
            return _PLACEHOLDER.sub(restore, pieces[int(match.group(1))])

        result = _PLACEHOLDER.sub(restore, shown)
        del pieces[saved:]
        return result

    def _script(self, match: re.Match[str]) -> str:
        mark, body = match.group(1), match.group(2)
        if body.startswith("{"):
            body = body[1:-1]
        elif self.scripts == "{}":
            return match.group(0)
        tag = "sub" if mark == "_" else "sup"
        return f"<{tag}>{body}</{tag}>"

    def _emphasis(self, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            mark = match.group("mark")
            tag = _EMPHASIS_TAGS[mark]
            body = self._emphasis(match.group("body"))
            if tag == "span":
                return f'<span class="underline">{body}</span>'
            return f"<{tag}>{body}</{tag}>"

        return _EMPHASIS.sub(one, text)

    def _token(self, match: re.Match[str]) -> str:
        kind = match.lastgroup
        groups = match.groupdict()
        if groups["backend"] is not None:
            return groups["snippet"] if groups["backend"].lower() == "html" else ""
        if groups["inline"] is not None:
            return f"\\({html.escape(groups['inline'], quote=False)}\\)"
        for name in ("display", "dollars"):
            if groups[name] is not None:
                return f"\\[{html.escape(groups[name], quote=False)}\\]"
        if groups["dollar"] is not None:
            return f"\\({html.escape(groups['dollar'], quote=False)}\\)"
        if groups["target"] is not None:
            return self._link(groups["target"], groups["text"])
        if groups["code"] is not None:
            return f"<code>{html.escape(groups['code'], quote=False)}</code>"
        if groups["url"] is not None:
            url = html.escape(groups["url"])
            return f'<a href="{url}">{url}</a>'
        assert kind == "break"
        return "<br />"

    def _link(self, target: str, text: str | None) -> str:
        target = target.replace("\\]", "]").replace("\\[", "[").replace("\\\\", "\\")
        shown = self.inline(text) if text else None
        scheme, _, rest = target.partition(":")
        local = None
        if scheme == "file":
            local = rest.split("::")[0]
        elif scheme == "attachment":
            name = rest.split("::")[0]
            if self.attach_dir is None:
                self.report(
                    self._line,
                    Severity.ERROR,
                    f"the attachment link {target!r} has no attachment folder",
                    "give the heading a :DIR: property, or write a [[file:...]] link",
                    MEDIA_MISSING,
                )
                return shown or html.escape(name)
            local = str(PurePosixPath(self.attach_dir) / name)
        elif target.startswith(("./", "../", "/", "~/")):
            local = target.split("::")[0]
        if local is not None:
            return self._file(local, shown)
        if scheme in ("http", "https", "ftp", "mailto", "news", "doi", "shell", "elisp"):
            if scheme in ("http", "https") and not text and _IMAGE.search(target):
                return f'<img src="{html.escape(target)}" alt="{html.escape(_name(target))}" />'
            href = "https://doi.org/" + rest if scheme == "doi" else target
            return f'<a href="{html.escape(href)}">{shown or html.escape(target)}</a>'
        # An internal link (a heading, #custom-id, id:, a fuzzy target): its text.
        return shown or html.escape(target.lstrip("*#"))

    def _file(self, path: str, shown: str | None) -> str:
        if not shown and _IMAGE.search(path):
            self.references.append(Reference(self._line, path, "picture"))
            attributes = {"src": path, "alt": _name(path), **self._image_attributes}
            pairs = " ".join(f'{k}="{html.escape(v)}"' for k, v in attributes.items())
            return f"<img {pairs} />"
        if _AUDIO.search(path):
            self.references.append(Reference(self._line, path, "sound"))
            return f"[sound:{path}]"
        if not shown and _VIDEO.search(path):
            self.references.append(Reference(self._line, path, "video"))
            return f'<video controls src="{html.escape(path)}"></video>'
        self.report(
            self._line,
            Severity.WARNING,
            f"a link to the file {path!r}: Anki cannot open files from a card, so it shows "
            "its text only",
            "write [[file:picture.png]] without a description to show a picture",
            MEDIA_NOT_PACKED,
        )
        return shown or html.escape(path)


def _entity(match: re.Match[str]) -> str:
    return html5.get(match.group(1) + ";", match.group(0))


def _special(text: str) -> str:
    """Org's entities (``\\alpha`` is the letter alpha, as its export shows it), special strings
    (``---``, ``--``, ``...``) and soft hyphens (``\\-``), outside code and math (held apart
    already)."""
    if "\\" in text:
        text = _ENTITY.sub(_entity, text).replace("\\-", "\u00ad")
    return text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")


def _name(path: str) -> str:
    return PurePosixPath(path).name


def _starts_element(text: str) -> bool:
    """Whether a line ends the paragraph before it: it starts a list, block, table..."""
    if _HEADING.fullmatch(text) or _BEGIN.fullmatch(text) or _TABLE.fullmatch(text):
        return True
    if _RULE.fullmatch(text) or _FIXED.fullmatch(text) or _ENV.match(text):
        return True
    if text.lstrip().startswith("#+") or _COMMENT.fullmatch(text):
        return True
    return _ITEM.fullmatch(text) is not None


def _dedent(lines: list[Line]) -> list[Line]:
    """The lines less the indentation they share (Org's ``org-remove-indentation``)."""
    widths = [len(t) - len(t.lstrip(" \t")) for _, t in lines if t.strip()]
    cut = min(widths) if widths else 0
    return [(n, t[cut:] if t.strip() else "") for n, t in lines]


def _code(lines: list[Line]) -> str:
    """A block's code: its common indentation removed, Org's ``,*`` and ``,#+`` escapes undone."""
    code = [re.sub(r"^([ \t]*),(\*|#\+)", r"\1\2", t) for _, t in _dedent(lines)]
    return "".join(line + "\n" for line in code)
