"""Math as a token Markdown does not touch, written in the delimiters Anki's MathJax reads.

Anki renders ``\\(…\\)`` (inline) and ``\\[…\\]`` (display) with MathJax; ``$…$`` means
nothing to it. Authors write all four, so this Python-Markdown extension recognizes

* display math: ``$$…$$`` and ``\\[…\\]``, which may span lines within a paragraph;
* inline math: ``\\(…\\)``, and ``$…$`` by pandoc's rule: the opening ``$`` is not followed
  by white space, the closing ``$`` is not preceded by white space nor followed by a digit
  (so "costs $5 and $10" stays text), and ``\\$`` is a literal dollar sign.

Each formula is kept exactly as written (only ``<``, ``>`` and ``&`` are escaped, as in
any HTML text, since MathJax reads the text content) and wrapped in ``\\(…\\)`` or
``\\[…\\]``. It becomes one atomic piece of text, so emphasis, escapes and line breaks
never reach inside it.

Why an inline pattern at priority 185: Python-Markdown runs inline patterns in priority
order over the whole paragraph. Code spans (``backtick``, 190) must win, so ``$`` inside
code stays a dollar sign; the backslash escape (``escape``, 180) must come later, or it
would turn ``\\(`` into ``(`` and ``\\{`` into ``{`` inside formulas; emphasis (60) far
later, so ``$x_1 + x_2$`` keeps its underscores. Fenced and indented code never reach
inline patterns at all.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import STX, AtomicString

__all__ = [
    "MATH_PATTERN",
    "MATH_PRIORITY",
    "MathExtension",
    "MathHandler",
    "cloze_safe",
    "mathjax",
    "split_math",
]

MATH_PRIORITY = 185
"""Below ``backtick`` (190), above ``escape`` (180) and everything else."""

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


class _MathProcessor(InlineProcessor):
    """Turns one formula into atomic text in Anki's MathJax delimiters."""

    def __init__(self, md: Markdown, handler: MathHandler) -> None:
        super().__init__(_MATH_RE, md)
        # DOTALL: display math may run over the lines of its paragraph.
        self.compiled_re = MATH_PATTERN
        self.handler = handler

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | str | None, int | None, int | None]:
        """The formula as ``\\(…\\)``/``\\[…\\]`` text, replacing the delimited span."""
        formula = _formula(m)
        # A placeholder inside is a code span, matched before math: "$a `b` c$" is text
        # around code, not a formula holding code. A blank body is not a formula either.
        if formula is None or STX in formula[0]:
            return None, None, None
        # The handler escapes, not the serializer, which leaves text that looks like an
        # entity (``&lt;``) alone: the formula must come out exactly as it went in.
        text = AtomicString(self.handler(formula[0], formula[1], m["math"]))
        return text, m.start("math"), m.end("math")


class MathExtension(Extension):
    """Python-Markdown extension: ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` as formulas.

    ``handler`` decides what each becomes (by default Anki's MathJax delimiters).
    """

    def __init__(self, handler: MathHandler = mathjax) -> None:
        super().__init__()
        self.handler = handler

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the math pattern, and make ``\\$`` an escape for a literal dollar."""
        md.inlinePatterns.register(_MathProcessor(md, self.handler), "math", MATH_PRIORITY)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
