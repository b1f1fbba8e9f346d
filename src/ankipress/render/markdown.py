"""Markdown to HTML by CommonMark, with GitHub's tables and strikethrough (``markdown-it-py``).

One parser is reused for every field. Lists, emphasis, code and links follow the CommonMark
spec (``tests/test_commonmark_spec.py`` measures how closely); a line break inside a
paragraph stays a line break, as card authors mean it. Math is a token of its own
(:mod:`ankipress.render.math`): ``$x_1$`` keeps its underscores and comes out as
``\\(x_1\\)``, which Anki's MathJax renders; ``$`` in code stays a dollar.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from ankipress.render.math import MathHandler, display_block, formula_at, math_plugin, mathjax

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer

# Text holding none of these, with no line that starts like a list, a quote or code, is
# paragraphs and line breaks to Markdown: it is rendered here without the parser, which
# costs far more per field.
_MARKUP = re.compile(r"[\\`*_{}\[\]<>#+!|~$&=\t]|^\s|\s$|^\s*(?:-|\d+[.)])", re.MULTILINE)
# The same test, quicker: one character class over the text, then each line's ends (the
# anchored alternatives above make the engine try them at every position).
_MARKUP_CHAR = re.compile(r"[\\`*_{}\[\]<>#+!|~$&=\t]")
_LIST_MARKER = re.compile(r"-|\d+[.)]")


def has_markup(text: str) -> bool:
    """Whether :data:`_MARKUP` finds anything in ``text``: a blank line or one that starts
    or ends with white space counts, as does a line starting like a list item."""
    if not text:
        return False
    if _MARKUP_CHAR.search(text):
        return True
    if "\n" not in text:  # one line, not empty
        return text[0].isspace() or text[-1].isspace() or _LIST_MARKER.match(text) is not None
    return any(
        not line or line[0].isspace() or line[-1].isspace() or _LIST_MARKER.match(line)
        for line in text.split("\n")
    )


def plain_paragraphs(text: str) -> str | None:
    """The HTML Markdown would make of ``text`` when it holds no markup; ``None`` otherwise."""
    text = text.strip("\n")
    if not text or has_markup(text):
        return None
    # A blank line is markup too (a line that is empty or starts with a space): this is
    # one paragraph, its lines.
    return "<p>" + text.replace("\n", "<br>\n") + "</p>"


# What a line of a field may start with for the field to be paragraphs to CommonMark's block
# rules: not indented, and nothing any block rule (ours included) starts with — headings,
# quotes, lists and breaks, setext underlines, fences, HTML and comments, link reference
# definitions, display math. Conservative: "*word*" at a line's start goes the long way.
_BLOCK_START = re.compile(r"[ \t#>*+\-=_<\[|:~]|\d+[.)]|\$\$|\\\[|```")

_md_trim: Callable[[str], str] | None
try:  # how the paragraph rule trims its text, in the markdown-it-py that is installed
    from markdown_it.common.utils import mdTrim as _md_trim
except ImportError:  # pragma: no cover - an older markdown-it-py: no shortcut
    _md_trim = None


class CodeBlock(NamedTuple):
    """A fenced block of code, as the fence rule reads it."""

    code: str
    language: str


class MathBlock(NamedTuple):
    """Display math on lines of its own, as the math block rule reads it."""

    tex: str
    original: str


Block = str | list[str] | CodeBlock | MathBlock
"""A block :func:`simple_blocks` finds: a paragraph's inline text, a tight list's items'
texts, fenced code, or display math."""

# A line that opens a block of its own at the margin: a fence, or display math.
_OPENER = re.compile(r"(`{3,}|~{3,})(.*)|\$\$|\\\[", re.DOTALL)
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ \t]*")


def _language(info: str) -> str:
    """The language a fence's info string names: its first word ("" for none)."""
    words = info.split(maxsplit=1)
    return words[0] if words else ""


def _fence(lines: list[str], start: int, fence: str, info: str) -> tuple[CodeBlock, int] | None:
    """The code block a fence at the margin opens, and the line after it; ``None`` when it
    is not one the shortcut reads (never closed, or a line of it starts indented with the
    fence's character)."""
    if fence[0] == "`" and "`" in info:
        return None  # no fence: code in a line
    marker = fence[0]
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line[:1] == marker:
            closing = _FENCE_CLOSE.fullmatch(line)
            if closing and closing.group(1)[0] == marker and len(closing.group(1)) >= len(fence):
                code = "".join(f"{code_line}\n" for code_line in lines[start + 1 : index])
                return CodeBlock(code, _language(info)), index + 1
        elif line.lstrip(" \t")[:1] == marker:
            return None  # an indented closing fence, or code: the parser decides
    return None


def _math_block(lines: list[str], start: int) -> tuple[MathBlock, int] | None:
    """The display math starting at the margin of line ``start``, and the line after it,
    read as the math block rule reads it (:func:`ankipress.render.math.math_plugin`)."""
    closer = "$$" if lines[start].startswith("$$") else "\\]"
    for index in range(start, len(lines)):
        text = lines[index].lstrip(" \t")
        if index > start and not text.strip():
            return None
        if closer in (text[2:] if index == start else text):
            formula = display_block("\n".join(lines[start : index + 1]))
            if formula is None:
                return None
            return MathBlock(*formula), index + 1
    return None


def _group_block(lines: list[str], blocks: list[Block]) -> bool:
    """Add the block that ``lines`` (no blank one among them) are: a paragraph, or a tight
    list of one-line ``- `` items; ``False`` when they may be something else."""
    if any("|" in line for line in lines):
        return False  # perhaps a table
    if all(_BLOCK_START.match(line) is None for line in lines):
        blocks.append(_md_trim("\n".join(lines)) if _md_trim else "")
        return True
    if all(line.startswith("- ") and not _BLOCK_START.match(line, 2) for line in lines):
        if blocks and isinstance(blocks[-1], list):
            return False  # two lists with only blank lines between are one loose list
        blocks.append([_md_trim(line[2:]) if _md_trim else "" for line in lines])
        return True
    return False


def simple_blocks(text: str, math: bool = True) -> list[Block] | None:
    """The blocks of ``text`` when they are paragraphs, tight ``- item`` lists of one line
    per item, fenced code and display math at the margin, and nothing else to CommonMark's
    block rules (``math``: the math rules are on). ``None`` when the text may be more (the
    parser then decides).

    Cut exactly as markdown-it cuts them: a paragraph is its lines up to a blank one or a
    fence or formula, joined and trimmed; an item is its line after "- "; a fence's code
    is its lines up to the closing fence. Two lists with only blank lines between are one
    loose list, and a table needs a ``|``: those go the long way.
    """
    if _md_trim is None or "\r" in text or "\0" in text:
        return None
    blocks: list[Block] = []
    lines = text.split("\n")
    group: list[str] = []
    index, count = 0, len(lines)
    while index <= count:
        line = lines[index] if index < count else ""
        opener = _OPENER.match(line) if line[:1] in "`~$\\" else None
        if opener is None and line.strip(" \t"):
            group.append(line)
            index += 1
            continue
        if group and not _group_block(group, blocks):
            return None
        group = []
        if opener is None:
            index += 1
            continue
        found: tuple[CodeBlock, int] | tuple[MathBlock, int] | None
        if opener.group(1):
            found = _fence(lines, index, opener.group(1), opener.group(2))
        else:
            found = _math_block(lines, index) if math else None
        if found is None:
            return None
        blocks.append(found[0])
        index = found[1]
    return blocks


# What starts an inline rule of ours, but for code spans, formulas and line breaks: text
# without these between its code spans and formulas is text to markdown-it's inline rules.
_INLINE_RULE = re.compile(r"[\\~=*_\[!<&]")
_SPAN = re.compile(r"[`$]")
_BACKTICK = re.compile("`")
_BACKTICKS = re.compile(r"`+")
_LINE_EDGE = re.compile(r"\s\n|\n\s")
# Past this many backticks the parser's own search (linear, with its cache) is used.
_MAX_QUICK_BACKTICKS = 64


def _escape(text: str) -> str:
    """Text as markdown-it writes it, ``&<>"`` escaped, when it holds no ``&`` nor ``<``."""
    return text.replace(">", "&gt;").replace('"', "&quot;")


def inline_pieces(text: str, math: bool = True) -> list[str | tuple[str, bool, str]] | None:
    """``text`` (a paragraph's or an item's) as markdown-it's inline rules read it when it
    holds nothing but text, code spans, formulas (``math``) and line breaks: HTML pieces,
    and formulas ``(tex, display, original)`` for the handler. ``None`` when it may hold
    more (emphasis, links, escapes, HTML...) or a line starts or ends with white space.

    Read as the rules read it, left to right: a ``$`` starts a formula if the math rule
    takes one there (none holding a backtick), otherwise it is text; a run of backticks
    starts a code span closed by the next run of the same length, otherwise it is text.
    """
    if not text or text[0].isspace() or text[-1].isspace() or _LINE_EDGE.search(text):
        return None
    if text.count("`") > _MAX_QUICK_BACKTICKS:
        return None
    pieces: list[str | tuple[str, bool, str]] = []
    spans = _SPAN if math else _BACKTICK
    position, end = 0, len(text)
    while position < end:
        found = spans.search(text, position)
        stop = end if found is None else found.start()
        if stop > position:
            chunk = text[position:stop]
            if _INLINE_RULE.search(chunk):
                return None
            pieces.append(_escape(chunk).replace("\n", "<br>\n"))
        if stop == end:
            break
        position = stop
        if text[position] == "$":
            formula = formula_at(text, position, end)
            if formula is None:
                pieces.append("$")
                position += 1
            else:
                pieces.append(formula[:3])
                position = formula[3]
            continue
        opening = _BACKTICKS.match(text, position)
        assert opening is not None
        length = len(opening.group())
        closing = next(
            (run for run in _BACKTICKS.finditer(text, opening.end()) if len(run.group()) == length),
            None,
        )
        if closing is None:
            pieces.append(opening.group())
            position = opening.end()
            continue
        code = text[opening.end() : closing.start()].replace("\n", " ")
        if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
            code = code[1:-1]
        code = code.replace("&", "&amp;").replace("<", "&lt;")
        pieces.append(f"<code>{_escape(code)}</code>")
        position = closing.end()
    return pieces


# Code is highlighted now, with Pygments, into spans the card's CSS colours: no script at
# review time. Only code whose language is named: guessing colours prose as code. Pygments
# is loaded by the first code block, and one formatter serves every block.
@cache
def _pygments() -> tuple[Callable[[str, Lexer, HtmlFormatter[str]], str], HtmlFormatter[str]]:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    return highlight, HtmlFormatter(cssclass="highlight", wrapcode=True)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    # stripnl off: blank lines that open or close a block are code too, as CommonMark keeps them.
    try:
        lexer: Lexer = get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    return lexer


# A block of code costs Pygments about a millisecond (its lexers are regular expressions
# tried in turn at each position): a deck showing one snippet on several cards (reversed
# cards, clozes of one listing) highlights it once.
@lru_cache(maxsize=256)
def highlight_code(code: str, language: str) -> str:
    """``code`` as Pygments' ``<div class="highlight"><pre><code>`` (plain for no language)."""
    if not code:  # Pygments would make a line of an empty block
        return '<div class="highlight"><pre><span></span><code></code></pre></div>'
    highlight, formatter = _pygments()
    highlighted: str = highlight(code, _lexer(language), formatter)
    return highlighted.removesuffix("\n")


def _render_code(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    return highlight_code(token.content, _language(token.info)) + "\n"


def _comment_end(env: EnvType, kind: str, text: str, start: int) -> int:
    """Where the first ``-->`` of ``text`` from ``start`` is, or -1.

    An HTML comment ends as HTML ends one (``<!-->`` and ``<!--->`` are empty comments:
    search from the ``<!`` + 2). Once a search finds none, none is found after it either:
    remembered for the field (``env``), so thousands of comments never closed cost one
    scan, not one each.
    """
    key = "ankipress-comment-" + kind
    known = env.get(key)
    if known is not None and known[0] is text and start >= known[1]:
        return -1
    found = text.find("-->", start)
    if found < 0:
        env[key] = (text, start)
    return found


def _block_comment(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A comment that starts a line is removed, up to where it ends.

    Text after the comment on its last line stays, as a line of its own; the comment ends
    a paragraph, as CommonMark's HTML block does. A comment never closed is no comment: it
    is shown as text, rather than hiding the rest of the field.
    """
    if state.is_code_block(start):
        return False
    opening = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("<!--", opening):
        return False
    # Searched from "<!" + 2 on: "<!-->" ends where it starts.
    closing = _comment_end(state.env, "block", state.src, opening + 2)
    if closing < 0:
        return False
    if silent:
        return True
    line = start
    closed = closing + 3
    while line < end and state.eMarks[line] < closed:
        line += 1
    if line >= end:
        state.line = end
        return True
    rest = state.src[closed : state.eMarks[line]]
    if not rest.strip():
        state.line = line + 1
        return True
    # The text after the comment becomes the start of its line, read as any line.
    spaces = len(rest) - len(rest.lstrip(" "))
    state.bMarks[line] = closed
    state.tShift[line] = spaces
    state.sCount[line] = spaces
    state.line = line
    return True


def _inline_comment(state: StateInline, silent: bool) -> bool:
    """A comment inside a paragraph is removed (code spans, read first, keep theirs)."""
    if not state.src.startswith("<!--", state.pos):
        return False
    closing = _comment_end(state.env, "inline", state.src, state.pos + 2)
    if closing < 0:
        return False
    state.pos = closing + 3
    return True


def _strikethrough(tag: str) -> Callable[..., str]:
    def render(
        self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return tag

    return render


@lru_cache(maxsize=8)
def _mark_closers(src: str) -> tuple[int, ...]:
    """Where ``==`` may close a highlight in ``src``: after a non-space, not followed by
    another ``=`` or a letter or digit. Found once per text, so that every ``==`` that
    opens looks its closer up instead of scanning on (linear, not quadratic, in ``==``s)."""
    closers = []
    found = src.find("==", 1)
    while found != -1:
        after = src[found + 2 : found + 3]
        if not src[found - 1].isspace() and after != "=" and not after.isalnum():
            closers.append(found)
        found = src.find("==", found + 1)
    return tuple(closers)


def _mark(state: StateInline, silent: bool) -> bool:
    """``==text==`` as ``<mark>``: text that neither starts nor ends with a space, on one
    inline run, not part of a longer run of ``=`` nor inside a word (``a == b``, ``===``,
    ``if a==b or a==c`` stay as written)."""
    src, start, limit = state.src, state.pos, state.posMax
    if not src.startswith("==", start) or src[start + 2 : start + 3] in ("", "="):
        return False
    if start > 0 and (src[start - 1] == "=" or src[start - 1].isalnum()):
        return False
    if src[start + 2].isspace():
        return False
    closers = _mark_closers(src)
    index = bisect.bisect_left(closers, start + 3)
    if index == len(closers) or closers[index] + 2 > limit:
        return False
    end = closers[index]
    if not silent:
        state.push("mark_open", "mark", 1).markup = "=="
        state.pos, state.posMax = start + 2, end
        state.md.inline.tokenize(state)
        state.push("mark_close", "mark", -1).markup = "=="
        state.posMax = limit
    state.pos = end + 2
    return True


class MarkdownRenderer:
    """CommonMark with GitHub tables and strikethrough, math, line breaks kept as written.

    Raw HTML in the text is escaped (shown as text) unless ``allow_html``: sources from
    strangers must not put scripts or frames on a card. ``math`` says what a formula
    becomes (a :data:`~ankipress.render.math.MathHandler`; ``True``: Anki's MathJax
    delimiters); ``False`` leaves dollar signs and ``\\(`` to plain Markdown.
    """

    def __init__(self, allow_html: bool = False, math: bool | MathHandler = True) -> None:
        # markdown-it stops reading blocks nested deeper than maxNesting and drops their
        # text without a word (the preset's 20 is a list ten levels deep). Lists and quotes
        # pass the reader only up to MAX_MARKDOWN_DEPTH (32 steps of four columns: 65
        # lists indented by two, each two levels here); 150 holds them all and keeps the
        # parser's recursion well inside Python's stack.
        options = {"breaks": True, "html": allow_html, "xhtmlOut": False, "maxNesting": 150}
        parser = MarkdownIt("commonmark", options)
        parser.enable(["table", "strikethrough"])
        # ==highlight== (Obsidian, Logseq, Typora, pandoc's +mark): <mark>, as they show it.
        parser.inline.ruler.before("emphasis", "mark", _mark)
        self._math: MathHandler | None = None
        if math is not False:
            self._math = mathjax if math is True else math
            parser.use(math_plugin, self._math)
        if not allow_html:
            # Raw HTML is shown as text, but a comment is a comment: never shown (as every
            # Markdown tool that lets HTML through leaves it unseen), not spelled out.
            parser.block.ruler.before(
                "table",
                "comment",
                _block_comment,
                {"alt": ["paragraph", "reference", "blockquote", "list"]},
            )
            parser.inline.ruler.before("html_inline", "comment", _inline_comment)
        parser.add_render_rule("fence", _render_code)
        parser.add_render_rule("code_block", _render_code)
        # GitHub's strikethrough is <del>, as its spec writes it.
        parser.add_render_rule("s_open", _strikethrough("<del>"))
        parser.add_render_rule("s_close", _strikethrough("</del>"))
        self._parser = parser

    def _inline(self, text: str, env: EnvType) -> str:
        # Text without markup (nor a '"', which the parser writes &quot;) is its lines:
        # often the first paragraph of a field whose formula or code comes after it.
        if '"' not in text and not has_markup(text):
            return "<br>\n".join(text.split("\n"))
        pieces = inline_pieces(text, self._math is not None)
        if pieces is not None:
            # Formulas reach the handler in order, as the parser's rule would call it.
            handler = self._math
            return "".join(
                piece if isinstance(piece, str) else handler(*piece) if handler else ""
                for piece in pieces
            )
        html: str = self._parser.renderInline(text, env)
        return html

    def _paragraph(self, text: str, env: EnvType) -> str:
        return f"<p>{self._inline(text, env)}</p>"

    def _list(self, items: list[str], env: EnvType) -> str:
        # A tight list: its items' paragraphs are not written, only their text.
        shown = "".join(f"<li>{self._inline(item, env)}</li>\n" for item in items)
        return f"<ul>\n{shown}</ul>"

    def render(self, text: str) -> str:
        """HTML for one field's Markdown."""
        quick = plain_paragraphs(text)
        if quick is not None:
            return quick
        blocks = simple_blocks(text, self._math is not None)
        if blocks is not None:
            # Only the inline rules run: the block rules would find these blocks, at several
            # times the cost (the same HTML: tests/test_markdown.py compares them).
            return self._blocks(blocks)
        html: str = self._parser.render(text)
        return html.removesuffix("\n")

    def _blocks(self, blocks: list[Block]) -> str:
        # The parser reads every block before any inline text: display formulas reach the
        # handler first, in order, then the inline ones (an SVG handler numbers them so).
        formulas = iter(
            [
                self._math(block.tex, True, block.original)
                for block in blocks
                if isinstance(block, MathBlock) and self._math is not None
            ]
        )
        env: EnvType = {}
        shown: list[str] = []
        for block in blocks:
            if isinstance(block, str):
                shown.append(self._paragraph(block, env))
            elif isinstance(block, list):
                shown.append(self._list(block, env))
            elif isinstance(block, CodeBlock):
                shown.append(highlight_code(block.code, block.language))
            else:
                shown.append(f"<p>{next(formulas)}</p>")
        return "\n".join(shown)
