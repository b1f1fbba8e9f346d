"""Math as a token Markdown does not touch, written in the delimiters Anki's MathJax reads.

Anki renders ``\\(…\\)`` (inline) and ``\\[…\\]`` (display) with MathJax; ``$…$`` means
nothing to it. Authors write all four, so this markdown-it plugin recognizes

* display math: ``$$…$$`` and ``\\[…\\]``, which may span lines within a paragraph;
* inline math: ``\\(…\\)``, and ``$…$`` by pandoc's rule: the opening ``$`` is not followed
  by white space, the closing ``$`` is not preceded by white space nor followed by a digit
  (so "costs $5 and $10" stays text), and ``\\$`` is a literal dollar sign.

Each formula is kept exactly as written (only ``<``, ``>`` and ``&`` are escaped, as in
any HTML text, since MathJax reads the text content) and wrapped in ``\\(…\\)`` or
``\\[…\\]``. It becomes one token, so emphasis, escapes and line breaks never reach inside it.

Why an inline rule before ``escape``: markdown-it tries its inline rules in order at each
position. The backslash escape must come later, or it would turn ``\\(`` into ``(`` and
``\\{`` into ``{`` inside formulas; a code span starts at its backtick, before any ``$`` in
it is reached, so ``$`` inside code stays a dollar sign; emphasis is only ever matched
around the whole formula, so ``$x_1 + x_2$`` keeps its underscores. Fenced and indented
code never reach inline rules at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it is loaded by the Markdown renderer, not by plain text
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

__all__ = [
    "MATH_PATTERN",
    "MathHandler",
    "cloze_safe",
    "display_block",
    "formula_at",
    "math_plugin",
    "mathjax",
    "split_math",
]

# A formula's body is read token by token: a backslash always takes the next character with
# it, so ``\$`` or ``\)`` inside a formula never ends it (MathJax reads them the same way).
# A body never holds its own opening delimiter (meaningless in TeX): an opener with no
# closer then fails at the next opener instead of scanning to the end of the paragraph
# again and again, which keeps a paragraph of stray ``\(`` linear, not quadratic.
_BODY_PARENS = r"(?:[^\\]|\\[^(])"
_BODY_BRACKETS = r"(?:[^\\]|\\[^\[])"
_BODY_DOLLARS2 = r"(?:[^\\$]|\\.|\$(?!\$))"
_BODY_DOLLAR = r"(?:[^\\$]|\\.)"
_MATH_RE = (
    # An even run of backslashes before a delimiter escapes itself, not the delimiter: the
    # run stays outside the match (for the escape pattern), and an odd run cannot match.
    r"(?<!\\)(?:\\\\)*"
    r"(?P<math>"
    rf"\$\$(?P<dollars2>{_BODY_DOLLARS2}+?)\$\$"
    rf"|\\\[(?P<brackets>{_BODY_BRACKETS}+?)\\\]"
    rf"|\\\((?P<parens>{_BODY_PARENS}+?)\\\)"
    rf"|\$(?!\s)(?P<dollar>{_BODY_DOLLAR}+?)(?<!\s)\$(?!\d)"
    r")"
)
_DISPLAY = {"dollars2", "brackets"}
_KINDS = ("dollars2", "brackets", "parens", "dollar")

MATH_PATTERN = re.compile(_MATH_RE, re.DOTALL)
"""Any formula; group ``math`` is the whole delimited span (DOTALL: display may span lines)."""

MathHandler = Callable[[str, bool, str], str]
"""What a formula becomes: given its TeX, whether it is display math, and the delimited
original, the HTML to put in its place (already escaped: it is inserted as it is)."""


def mathjax(tex: str, display: bool, original: str) -> str:
    """A formula in the delimiters Anki's MathJax reads, the TeX kept byte for byte."""
    opening, closing = (r"\[", r"\]") if display else (r"\(", r"\)")
    # Escaped as any HTML text: MathJax reads the text content, so the TeX is unchanged.
    return opening + html.escape(tex, quote=False) + closing


_BRACE_PAIR = re.compile(r"\}(?=\})")


def cloze_safe(tex: str) -> str:
    """``tex`` with a space between closing braces (``}}`` → ``} }``), as Anki's manual asks
    of math inside a cloze deletion: Anki ends a deletion at the first ``}}``, even inside a
    formula. TeX ignores the space in math mode, so the formula reads the same."""
    return _BRACE_PAIR.sub("} ", tex) if "}}" in tex else tex


def _formula(match: re.Match[str]) -> tuple[str, bool] | None:
    kind = next(name for name in _KINDS if match[name] is not None)
    body = match[kind]
    if not body.strip():
        return None
    return body, kind in _DISPLAY


def split_math(text: str) -> list[str | tuple[str, bool, str]]:
    """Text cut into plain pieces and formulas ``(tex, display, original)``, in order.

    For plain-text sources, where nothing but backslashes can escape a delimiter.
    """
    pieces: list[str | tuple[str, bool, str]] = []
    position = 0
    for match in MATH_PATTERN.finditer(text):
        formula = _formula(match)
        if formula is None:
            continue
        start, end = match.span("math")
        if start > position:
            pieces.append(text[position:start])
        pieces.append((formula[0], formula[1], match["math"]))
        position = end
    if position < len(text):
        pieces.append(text[position:])
    return pieces


_ANCHORED = re.compile(_MATH_RE[_MATH_RE.index("(?P<math>") :], re.DOTALL)


def formula_at(text: str, position: int, end: int) -> tuple[str, bool, str, int] | None:
    """The formula the inline rule takes at ``position`` of ``text`` (read up to ``end``):
    ``(tex, display, original, where it ends)``; ``None`` for none there.

    A backtick inside is a code span, which wins: "$a `b` c$" is text around code, not a
    formula holding code. A blank body is not a formula either.
    """
    match = _ANCHORED.match(text, position, end)
    formula = None if match is None else _formula(match)
    if match is None or formula is None or "`" in formula[0]:
        return None
    return formula[0], formula[1], match["math"], match.end()


def display_block(lines: str) -> tuple[str, str] | None:
    """``(tex, original)`` when ``lines`` (a block's lines, joined) are one display formula
    and nothing else, as the Markdown block rule takes them; ``None`` otherwise."""
    match = _ANCHORED.fullmatch(lines.strip())
    formula = None if match is None else _formula(match)
    if match is None or formula is None or not formula[1]:
        return None
    return formula[0], match["math"]


def math_plugin(parser: MarkdownIt, handler: MathHandler = mathjax) -> None:
    """markdown-it plugin: ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` as formulas.

    ``handler`` decides what each becomes (by default Anki's MathJax delimiters).
    """
    from markdown_it.token import Token

    def rule(state: StateInline, silent: bool) -> bool:
        if state.src[state.pos] not in "$\\":
            return False
        # No look-behind: a backslash before this one was taken by the escape rule.
        formula = formula_at(state.src, state.pos, state.posMax)
        if formula is None:
            return False
        if not silent:  # silent: looking ahead (a link's text); the handler runs once
            token = state.push("math", "", 0)
            token.content = handler(formula[0], formula[1], formula[2])
        state.pos = formula[3]
        return True

    def block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        """Display math whose delimiters start and end lines: its lines are no Markdown, so
        a line of it starting ``- `` or ``+ `` is no list item."""
        if state.is_code_block(start):
            return False
        opening = state.bMarks[start] + state.tShift[start]
        if not state.src.startswith(("$$", "\\["), opening):
            return False
        closer = "$$" if state.src.startswith("$$", opening) else "\\]"
        line = start
        while line < end:
            text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
            if line > start and not text.strip():
                return False  # a blank line ends a paragraph, and any formula in it
            if closer in (text[2:] if line == start else text):
                break
            line += 1
        else:
            return False
        formula = display_block(state.getLines(start, line + 1, state.blkIndent, False))
        if formula is None:
            return False
        if not silent:
            state.push("paragraph_open", "p", 1).map = [start, line + 1]
            # An inline token with nothing to parse, holding the formula as its child.
            inline = state.push("inline", "", 0)
            inline.map = [start, line + 1]
            token = Token("math", "", 0, content=handler(formula[0], True, formula[1]))
            inline.children = [token]
            state.push("paragraph_close", "p", -1)
        state.line = line + 1
        return True

    parser.inline.ruler.before("escape", "math", rule)
    parser.block.ruler.before(
        "table", "math_block", block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    parser.add_render_rule("math", _render_math)


def _render_math(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The handler escapes, not the renderer: the formula comes out exactly as it went in.
    return tokens[idx].content
