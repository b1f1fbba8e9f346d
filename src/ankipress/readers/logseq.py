"""Reader for Logseq pages: blocks tagged ``#card`` are flashcards, as Logseq reviews them.

A Logseq page is an outline of blocks (``- `` bullets, children indented under them)::

    - What is the powerhouse of the cell? #card      the front: a block tagged #card
      id:: 6571c0de-...                              block properties: not content (an id::
      card-next-schedule:: 2024-01-01T00:00:00.000Z    is the note's identity)
        - The mitochondrion                          the back: the block's children
        - ![diagram](../assets/cell.png)             assets from the graph's assets/ folder
    - The {{cloze nucleus}} holds the {{cloze DNA}}. #[[card]]
                                                     clozes: one card, every deletion hidden

A ``deck::`` page property (what Logseq's Anki sync plugin reads; ``[[a::b]]``, ``a/b``) is
the deck. Else the page's name is its deck, a namespace page's (``a/b``) a subdeck
(``a::b``), found as Logseq finds it: a ``title::`` page property, else the file name. The
file name is read by the graph's ``:file/name-format`` (``logseq/config.edn``):
``:triple-lowbar`` (the default of new graphs) reads ``a___b.md`` as ``a/b`` and
``%2F``-style escapes as their characters; the legacy format also reads ``a.b.md`` as
``a/b``. A page outside a graph with that setting is read the new way (a dot in a name
stays a dot).

A block is a card when ``#card`` or ``#[[card]]`` tags it (or ``tags:: card``); its other
``#tags`` become the note's tags. ``[[links]]`` show as their text. A block with clozes and no
children is a cloze card of its own; a block without clozes needs children for its back.
Assets are taken only from inside the graph (the nearest folder above the page that holds
``logseq/``, else the folder above ``pages/`` or ``journals/``, else the page's folder).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ankipress import ids, rules
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.obsidianmd import code_lines, outside_code, show_links
from ankipress.readers.reporting import Reporting
from ankipress.render.media import find_media_file
from ankipress.sources import Source

__all__ = ["LogseqReader", "page_deck", "title_from_file_name"]

_BULLET = re.compile(r"^([ \t]*)-(?:[ \t]+|$)(.*)$")
_PROPERTY = re.compile(r"^[ \t]*([A-Za-z][\w.-]*)::(?:[ \t]+(.*)|[ \t]*)$")
# What makes a block a card, as Logseq's parser (mldoc) reads tags: #card or #[[card]]
# anywhere in the text, even glued to a word ("git#card"), or a reference to the page [[card]].
# #flashcard is the same to Logseq's Anki sync plugin (it makes both into cards).
_CARD_TAG = re.compile(
    r"(?<![/#&\\])#(?:\[\[(?:flash)?card\]\]|(?:flash)?card(?![\w/-]))"
    r"|(?<!#)\[\[(?:flash)?card\]\]",
    re.IGNORECASE,
)
# The sync plugin's #card-group: each child block of the tagged block is a card.
_GROUP_TAG = re.compile(
    r"(?<![/#&\\])#(?:\[\[card-group\]\]|card-group(?![\w/-]))|(?<!#)\[\[card-group\]\]",
    re.IGNORECASE,
)
# The sync plugin's tags that choose how a card asks (not tags of the note in Anki).
_DIRECTIONS = frozenset({"forward", "reversed", "bidirectional"})
_PLUGIN_OPTIONS = frozenset({"incremental", "hide-all-test-one"})
_DEPTH = re.compile(r"depth-\d+", re.IGNORECASE)
# An address: a "#card" in it is its fragment, not a tag.
_URL = re.compile(r"(?<![\w.+-])[a-zA-Z][\w+.-]*://[^\s<>()]+")
# A reference to a block by its id (((uuid))), and the embed macros ({{embed ((uuid))}},
# {{embed [[page]]}}).
_BLOCK_REF = re.compile(r"\(\(([0-9a-fA-F-]{36})\)\)")
_EMBED = re.compile(r"\{\{embed[ \t]+(\(\([0-9a-fA-F-]{36}\)\)|\[\[[^\[\]\n]+\]\])[ \t]*\}\}", re.I)
# Logseq's colour markers ([[$red]]) are styling, not words.
_STYLE_REF = re.compile(r"\[\[\$[\w-]+\]\]")
_TAG = re.compile(r"(?<![^\s(])#(?:\[\[([^\[\]\n]+)\]\]|([^\s#,.;:!?()\[\]\"']+))")
# {{cloze x}}, Logseq's; {{c2 x}} and {{cloze2 x}}, the numbered ones of Logseq's Anki sync
# plugin (which makes a card of any block holding one, tagged #card or not).
_CLOZE = re.compile(r"\{\{(?:cloze|c(?=\d))([1-9]\d*)?[ \t]+(.*?)\}\}", re.IGNORECASE)
_NUMBERED_CLOZE = re.compile(r"\{\{(?:c|cloze)[1-9]\d*[ \t]+.*?\}\}", re.IGNORECASE)
_ASSET = re.compile(r"!\[([^\]\n]*)\]\(([^()\s]+|<[^<>\n]+>)\)(\{[^{}\n]*\})?")
# What ends a paragraph at the margin: a heading, a rule, a fence.
_INTERRUPTS = re.compile(r"#{1,6}(?:[ \t]|$)|(?:-[ \t]*){3,}$|(?:\*[ \t]*){3,}$|```|~~~")
_QUIET_PROPERTIES = ("id", "collapsed", "tags", "heading")
_PICTURES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".avif", ".tiff"})
_SOUNDS = frozenset({".mp3", ".wav", ".m4a", ".ogg", ".flac", ".aac", ".3gp"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RESERVED_DECK = "\x00logseq"
_URL_ESCAPE = re.compile(r"(?:%[0-9a-fA-F]{2})+")
_NAME_FORMAT = re.compile(r"^[^;\n]*:file/name-format\s+:([\w-]+)", re.M)
# Logseq's highlight (^^text^^), as Markdown's ==text==.
_HIGHLIGHT = re.compile(r"\^\^(?=\S)(.+?)(?<=\S)\^\^")


def _highlights(text: str) -> str:
    return outside_code(text, lambda prose: _HIGHLIGHT.sub(r"==\1==", _STYLE_REF.sub("", prose)))


def _width(indent: str) -> int:
    return len(indent.expandtabs(4))


def _cloze_parts(content: str, numbered: bool = False) -> tuple[str, str]:
    """A cloze's answer and cue: the cue is what follows the last ``\\\\``, as Logseq reads it
    (or the last ``\\\\`` or ``::`` in a numbered cloze, as Logseq's Anki sync plugin reads it).
    A ``::`` left in the answer is written ``:\u2060:`` (a word joiner between the colons): Anki
    would end the answer at it and show the rest as a hint."""
    cut = content.rfind("\\\\")
    width = 2
    if numbered and content.rfind("::") > cut:
        cut = content.rfind("::")
    if cut < 0:
        answer, cue = content.strip(), ""
    else:
        answer, cue = content[:cut].strip(), content[cut + width :].strip()
    return answer.replace("::", ":\u2060:"), cue


def sniff_text(lines: Sequence[str]) -> float:
    """How sure we are that ``lines`` are a Logseq page with ``#card`` blocks."""
    sample = [line.rstrip() for line in lines[:5000]]
    if sample and sample[0] == "---":  # YAML front matter: the page's properties
        end = next((i for i in range(1, len(sample)) if sample[i] == "---"), 0)
        sample = sample[end + 1 :]
    code = code_lines(sample)
    prose = [line for i, line in enumerate(sample) if i not in code and line.strip()]
    if not prose:
        return 0.0
    bullets = [line for line in prose if _BULLET.match(line)]
    if not any(
        _CARD_TAG.search(line := _URL.sub("", bullet))
        or _GROUP_TAG.search(line)
        or _NUMBERED_CLOZE.search(line)
        for bullet in bullets
    ) and not any(
        (m := _PROPERTY.match(line)) and m.group(1).lower() == "tags" and "card" in line.lower()
        for line in prose
    ):
        return 0.0
    # A Logseq page is all outline: bullets, their indented continuations, and properties.
    outline = sum(
        1 for line in prose if _BULLET.match(line) or line[:1] in " \t" or _PROPERTY.match(line)
    )
    if outline >= 0.9 * len(prose):
        return 0.9
    # A Markdown document (headings, prose) whose list items are tagged #card: Logseq reads
    # its lists as blocks and those as cards; a Markdown deck's reading would show "#card".
    tagged = sum(1 for line in bullets if _CARD_TAG.search(_URL.sub("", line)))
    return 0.97 if tagged >= 2 else 0.0


@dataclass
class _Block:
    line: int  # index of its bullet line
    width: int
    lines: list[tuple[int, str]] = field(default_factory=list)  # (index, text) without indent
    children: list[_Block] = field(default_factory=list)


class LogseqReader:
    """Logseq pages: ``#card`` blocks, their children the back, ``{{cloze x}}``."""

    name: str = "logseq"
    extensions: tuple[str, ...] = (".md",)
    description: str = "Logseq pages (blocks tagged #card, children the back, {{cloze x}})"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a Logseq page with cards, from 0 to 1."""
        return sniff_text(source.lines)

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every card of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck, options.root).run()


def graph_root(page: Path, given: str | None = None) -> Path:
    """The graph a page lies in: the nearest folder holding ``logseq/``, else the folder
    above ``pages/`` or ``journals/``, else the folder the user gave, else the page's own."""
    folder = page.parent
    for candidate in (folder, *folder.parents):
        if (candidate / "logseq").is_dir():
            return candidate
    if folder.name in ("pages", "journals"):
        return folder.parent
    if given is not None:
        try:
            if page.resolve().is_relative_to(Path(given).resolve()):
                return Path(given)
        except OSError:
            pass
    return folder


def _unescape(name: str) -> str:
    def decode(match: re.Match[str]) -> str:
        try:
            return urllib.parse.unquote(match.group(0), errors="strict")
        except UnicodeDecodeError:
            return match.group(0)

    return _URL_ESCAPE.sub(decode, name)


def title_from_file_name(body: str, legacy: bool) -> str:
    """The page name Logseq reads from a file name without its extension."""
    title = body.replace(".", "/") if legacy else body.replace("___", "/")
    return "/".join(part for part in _unescape(title).split("/") if part)


def _legacy_names(root: Path) -> bool:
    """Whether the graph names its files the legacy way (no ``:file/name-format``)."""
    try:
        config = (root / "logseq" / "config.edn").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # no graph settings: the way new graphs name files
    found = _NAME_FORMAT.search(config)
    return found is None or found.group(1) != "triple-lowbar"


def page_deck(lines: Sequence[str], page: Path, root: Path, default: str) -> str:
    """The deck of a page: its ``deck::`` (the page property Logseq's Anki sync plugin
    reads), else its ``title::``, else its file name, namespaces as subdecks."""
    title: str | None = None
    deck: str | None = None
    start = 0
    # YAML front matter (---, key: value lines, ---) holds page properties too, in Logseq.
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        for line in lines[1:end]:
            found = re.match(r"([A-Za-z][\w-]*):[ \t]+(.+)$", line)
            value = found.group(2).strip().strip("'\"").strip() if found else ""
            if found and value and found.group(1).lower() == "title":
                title = value
            elif found and value and found.group(1).lower() == "deck":
                deck = value
        start = end + 1 if end else 0
    for index, line in enumerate(lines[start:], start):
        bullet = _BULLET.match(line)
        text = bullet.group(2) if bullet else line
        if not text.strip():
            if bullet:
                break
            continue
        prop = _PROPERTY.match(text)
        if prop is None:
            break  # the page's first block is content: no page properties
        name, value = prop.group(1).lower(), (prop.group(2) or "").strip()
        if name == "title" and value and title is None:
            title = value
        if name == "deck" and value and deck is None:
            deck = value
        if bullet and index + 1 < len(lines) and _BULLET.match(lines[index + 1]):
            break
    if deck is not None:
        link = re.fullmatch(r"\[\[(.+?)\]\]", deck)
        parts = [part.strip() for part in re.split(r"::|/", link.group(1) if link else deck)]
        if any(parts):
            return "::".join(part for part in parts if part)
    if title is None:
        if page.suffix.lower() not in (".md", ".markdown", ".org"):
            return default
        title = title_from_file_name(page.stem, _legacy_names(root))
    parts = [part.strip() for part in title.split("/") if part.strip()]
    return "::".join(parts) or default


class _Parser(Reporting[Source]):
    def __init__(self, source: Source, default_deck: str, root: str | None = None) -> None:
        self.source = source
        self.lines = [line.rstrip("\r").rstrip() for line in source.lines]
        self.notes: list[Note] = []
        self.diagnostics: list[Diagnostic] = []
        self.seen = 0
        self.page = Path(source.path)
        self.root = graph_root(self.page, root)
        self.deck = page_deck(self.lines, self.page, self.root, default_deck)
        self.media: dict[str, Media] = {}
        self.blocks: dict[str, str] = {}  # id:: -> the block's text, for ((references))

    def _tree(self) -> list[_Block]:
        code = code_lines(self.lines)
        roots: list[_Block] = []
        stack: list[_Block] = []
        for index, line in enumerate(self.lines):
            match = None if index in code else _BULLET.match(line)
            if match:
                block = _Block(index, _width(match.group(1)))
                block.lines.append((index, match.group(2)))
                while stack and stack[-1].width >= block.width:
                    stack.pop()
                (stack[-1].children if stack else roots).append(block)
                stack.append(block)
            elif (
                stack
                and line.strip()
                and not line[0].isspace()
                and (not self.lines[index - 1].strip() or _INTERRUPTS.match(line))
            ):
                # At the margin, after a blank line or as a heading, rule or fence: a block
                # of its own (a Markdown document's), not the last bullet's; else a lazy
                # continuation of its paragraph, as Markdown reads one.
                stack.clear()
            elif stack and line.strip():
                # A continuation: the block's indent plus two spaces is Logseq's own.
                owner = stack[-1]
                text = line.expandtabs(4)
                cut = min(owner.width + 2, len(text) - len(text.lstrip()))
                owner.lines.append((index, text[cut:]))
            elif stack:
                stack[-1].lines.append((index, ""))
        return roots

    def run(self) -> ReadResult:
        tree = self._tree()
        self._index(tree)
        for block in tree:
            self._visit(block)
        if not self.notes and not any(d.severity is Severity.ERROR for d in self.diagnostics):
            self.report(
                None,
                Severity.ERROR,
                "no cards found",
                "a Logseq card is a block tagged #card, its child blocks the answer",
                rules.NO_CARDS,
            )
        return ReadResult(
            tuple(self.notes), tuple(self.diagnostics), self.seen, (), tuple(self.media.values())
        )

    def _index(self, blocks: list[_Block]) -> None:
        """The page's blocks by their id::, as a reference to one shows: its text."""
        for block in blocks:
            text, ident = self._content(block, [])
            if ident is not None:
                shown = _CARD_TAG.sub("", _TAG.sub("", text)).strip()
                self.blocks[ident] = " ".join(shown.split("\n")[0].split())
            self._index(block.children)

    def _references(self, text: str, line: int) -> str:
        """``text`` with references to blocks of the page shown as those blocks' text;
        a reference elsewhere (another page) is said and left as written."""
        if "((" not in text and "{{" not in text:
            return text

        def embed(match: re.Match[str]) -> str:
            return match.group(1)

        def reference(match: re.Match[str]) -> str:
            ident = match.group(1).lower()
            found = self.blocks.get(ident) or self._elsewhere(ident)
            if found is None:
                self.report(
                    line,
                    Severity.WARNING,
                    f"block reference (({match.group(1)})) names no block of the graph: "
                    "left as written",
                    "write the text into the card",
                )
                return match.group(0)
            return found

        def change(prose: str) -> str:
            return _BLOCK_REF.sub(reference, _EMBED.sub(embed, prose))

        return outside_code(text, change)

    def _elsewhere(self, ident: str) -> str | None:
        """The text of the block with this id in another page of the graph, if any."""
        for folder in ("pages", "journals"):
            try:
                pages = sorted((self.root / folder).glob("*.md"))
            except OSError:
                continue
            for page in pages:
                if page.resolve() == self.page.resolve():
                    continue
                try:
                    text = page.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if ident not in text.lower():
                    continue
                other = _Parser(Source.from_text(str(page), text), page.stem)
                other._index(other._tree())
                if ident in other.blocks:
                    return other.blocks[ident]
        return None

    def _visit(self, block: _Block, grouped: bool = False) -> None:
        # A child of a #card-group block is a card (Logseq's Anki sync plugin).
        if grouped or self._is_card(block):
            self._card(block)
        group = self._is_card(block, _GROUP_TAG)
        for child in block.children:
            self._visit(child, group)

    @staticmethod
    def _is_card(block: _Block, tag: re.Pattern[str] = _CARD_TAG) -> bool:
        prose: list[str] = []
        name = "card-group" if tag is _GROUP_TAG else "(?:flash)?card"
        for _, text in block.lines:
            prop = _PROPERTY.match(text)
            if prop:
                if prop.group(1).lower() == "tags" and re.search(
                    rf"(?:^|[,\s])(?:\[\[)?{name}(?:\]\])?(?:$|[,\s])", prop.group(2) or "", re.I
                ):
                    return True
                continue
            prose.append(text)
        found: list[bool] = []

        def look(part: str) -> str:
            part = _URL.sub("", part)
            # A numbered cloze ({{c1 x}}) is the sync plugin's: its block is a card, tagged
            # or not.
            card = tag is _CARD_TAG and _NUMBERED_CLOZE.search(part) is not None
            found.append(card or bool(tag.search(part)))
            return part

        outside_code("\n".join(prose), look)  # a #card inside code is not a tag
        return any(found)

    def _content(self, block: _Block, note: list[str]) -> tuple[str, str | None]:
        """The block's own text without its property lines, and its id:: if any."""
        kept: list[str] = []
        ident: str | None = None
        drawer = False
        for _, text in block.lines:
            # Logseq's drawers (:LOGBOOK: clock lines ... :END:) are its records, not content.
            if drawer or re.fullmatch(r"[ \t]*:LOGBOOK:[ \t]*", text):
                drawer = not re.fullmatch(r"[ \t]*:END:[ \t]*", text)
                continue
            prop = _PROPERTY.match(text)
            if prop:
                key = prop.group(1).lower()
                if key == "id" and _UUID.fullmatch((prop.group(2) or "").strip()):
                    ident = (prop.group(2) or "").strip().lower()
                elif key not in _QUIET_PROPERTIES and not key.startswith("card-"):
                    note.append(key)
                continue
            kept.append(text)
        while kept and not kept[-1].strip():
            kept.pop()
        return "\n".join(kept), ident

    def _outline(self, blocks: list[_Block], depth: int, note: list[str]) -> list[str]:
        out: list[str] = []
        for child in blocks:
            text, _ = self._content(child, note)
            text = _CARD_TAG.sub("", text).strip()
            pad = "  " * depth
            first, *rest = text.split("\n") if text else [""]
            out.append(f"{pad}- {first}".rstrip())
            out.extend(f"{pad}  {line}".rstrip() for line in rest)
            out.extend(self._outline(child.children, depth + 1, note))
        return out

    def _card(self, block: _Block) -> None:
        self.seen += 1
        line = block.line + 1
        others: list[str] = []
        front, ident = self._content(block, others)
        tags: list[str] = []

        directions: set[str] = set()
        unapplied: list[str] = []

        def take(match: re.Match[str]) -> str:
            name = (match.group(1) or match.group(2) or "").strip()
            lower = name.lower()
            if lower in _DIRECTIONS:
                directions.add(lower)  # the sync plugin's: how the card asks, not a tag
            elif lower in _PLUGIN_OPTIONS or _DEPTH.fullmatch(lower):
                unapplied.append(f"#{lower}")
            elif lower not in ("card", "flashcard", "card-group"):
                tags.append(re.sub(r"\s+", "_", name).replace("/", "::"))
            return ""

        front = outside_code(
            front, lambda prose: _TAG.sub(take, _CARD_TAG.sub(" ", _STYLE_REF.sub("", prose)))
        )
        front = "\n".join(part.rstrip() for part in front.split("\n")).strip()
        if len(block.children) == 1 and not block.children[0].children:
            back, _ = self._content(block.children[0], others)
            back = _CARD_TAG.sub("", back).strip()
        else:
            back = "\n".join(self._outline(block.children, 0, others)).strip()
        if unapplied:
            self.report(
                line,
                Severity.NOTE,
                f"the Anki sync plugin's {', '.join(dict.fromkeys(unapplied))} is not applied: "
                "the card shows the whole answer",
                None,
            )
        if others:
            names = ", ".join(f"{name}::" for name in dict.fromkeys(others))
            self.report(
                line,
                Severity.NOTE,
                f"block properties ({names}) are not card content: left out",
                None,
            )
        counter = 0

        def cloze(match: re.Match[str]) -> str:
            nonlocal counter
            counter += 1
            # Logseq hides every deletion of a block at once: one card, c1 (a numbered
            # {{c2 x}} keeps its number, as the sync plugin sends it). A cue follows
            # the last "\\\\" (Logseq's own separator) and shows in the gap.
            answer, cue = _cloze_parts(match.group(2), match.group(1) is not None)
            number = match.group(1) or "1"
            return "{{c" + number + "::" + answer + ("::" + cue if cue else "") + "}}"

        front = outside_code(front, lambda prose: _CLOZE.sub(cloze, prose))
        back = outside_code(
            back,
            lambda prose: _CLOZE.sub(
                lambda m: _cloze_parts(m.group(2), m.group(1) is not None)[0], prose
            ),
        )
        answer_line = block.children[0].line + 1 if block.children else line
        front = self._references(front, line)
        back = self._references(back, answer_line)
        front = self._assets(show_links(_highlights(front)), line)
        back = self._assets(show_links(_highlights(back)), answer_line)
        if not front:
            self.report(
                line,
                Severity.WARNING,
                "a #card block with no text: skipped",
                "write the question in the block tagged #card",
            )
            return
        kind = NoteKind.CLOZE if counter else NoteKind.BASIC
        if kind is NoteKind.BASIC and directions and back:
            if "bidirectional" in directions or directions == _DIRECTIONS - {"bidirectional"}:
                kind = NoteKind.REVERSED  # both ways, as the plugin asks them
            elif directions == {"reversed"}:
                # The plugin asks only from the answer to the question: swap them.
                front, back, line, answer_line = back, front, answer_line, line
        if kind is NoteKind.BASIC and not back:
            self.report(
                line,
                Severity.WARNING,
                "a #card block with no answer: skipped",
                "write the answer in child blocks (indented bullets) under the card, "
                "or hide part of it with {{cloze ...}}",
                rules.EMPTY_ANSWER,
            )
            return
        path = self.source.path
        self.notes.append(
            Note(
                question=front,
                answer=back,
                deck=self.deck,
                location=SourceLocation(path, line),
                tags=tuple(dict.fromkeys(tags)),
                guid=ids.note_guid(_RESERVED_DECK, ident) if ident else None,
                text_format=TextFormat.MARKDOWN,
                answer_location=SourceLocation(path, answer_line),
                kind=kind,
            )
        )

    def _assets(self, text: str, line: int) -> str:
        """``text`` with its pictures and sounds from the graph made packed media."""
        if "![" not in text:
            return text

        def asset(match: re.Match[str]) -> str:
            alt, target = match.group(1), match.group(2).strip("<>").strip()
            if re.match(r"[a-zA-Z][\w+.-]*:", target) or target.startswith("//"):
                return match.group(0)  # a web address, or Logseq's own scheme: as written
            suffix = PurePosixPath(target).suffix.lower()
            if suffix not in _PICTURES and suffix not in _SOUNDS:
                self.report(
                    line,
                    Severity.WARNING,
                    f"asset {target!r} is not a picture or sound: left as written",
                    "embed pictures and sounds only",
                )
                return match.group(0)
            here = self.page.parent.resolve().relative_to(self.root.resolve())
            relative = os.path.normpath((here / target).as_posix()).replace(os.sep, "/")
            problem: str | None
            if relative.startswith("../") or relative == ".." or os.path.isabs(target):
                data, problem = None, "it leads out of the graph"
            else:
                data, problem = find_media_file(self.root, relative)
            if data is None:
                self.report(
                    line,
                    Severity.ERROR,
                    f"asset {target!r} not found: {problem or 'no such file in the graph'}",
                    "assets are taken from inside the graph (its assets/ folder), "
                    "relative to the page",
                )
                return alt  # reported here: not again as a missing file
            name = PurePosixPath(relative).name
            self.media.setdefault(name, Media(name, data))
            if suffix in _SOUNDS:
                return f"[sound:{name}]"
            return f"![{alt}](<{name}>)"

        return outside_code(text, lambda prose: _ASSET.sub(asset, prose))
