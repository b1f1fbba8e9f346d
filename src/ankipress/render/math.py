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

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import STX, AtomicString

__all__ = ["MATH_PRIORITY", "MathExtension"]

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


class _MathProcessor(InlineProcessor):
    """Turns one formula into atomic text in Anki's MathJax delimiters."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(_MATH_RE, md)
        # DOTALL: display math may run over the lines of its paragraph.
        self.compiled_re = re.compile(_MATH_RE, re.DOTALL)

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | str | None, int | None, int | None]:
        """The formula as ``\\(…\\)``/``\\[…\\]`` text, replacing the delimited span."""
        kind = next(name for name in ("dollars2", "brackets", "parens", "dollar") if m[name])
        body = m[kind]
        # A placeholder inside is a code span, matched before math: "$a `b` c$" is text
        # around code, not a formula holding code. A blank body is not a formula either.
        if STX in body or not body.strip():
            return None, None, None
        opening, closing = (r"\[", r"\]") if kind in _DISPLAY else (r"\(", r"\)")
        # Escaped here rather than by the serializer, which leaves text that looks like an
        # entity (``&lt;``) alone: the formula must come out exactly as it went in.
        text = AtomicString(opening + html.escape(body, quote=False) + closing)
        return text, m.start("math"), m.end("math")


class MathExtension(Extension):
    """Python-Markdown extension: ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` as MathJax math."""

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the math pattern, and make ``\\$`` an escape for a literal dollar."""
        md.inlinePatterns.register(_MathProcessor(md), "math", MATH_PRIORITY)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
