"""Markdown to HTML with the ``markdown`` package, one converter reused for every field.

Math is a token of its own (:mod:`ankipress.render.math`): ``$x_1$`` keeps its underscores
and comes out as ``\\(x_1\\)``, which Anki's MathJax renders; ``$`` in code stays a dollar.
"""

from __future__ import annotations

import re

import markdown as md
from markdown.extensions import Extension

from ankipress.render.math import MathExtension, MathHandler, mathjax

_EXTENSIONS = ["tables", "fenced_code", "codehilite", "sane_lists", "nl2br"]
# Code is highlighted now, with Pygments, into spans the card's CSS colours: no script at
# review time. Only code whose language is named: guessing colours prose as code.
_CONFIG = {"codehilite": {"css_class": "highlight", "guess_lang": False, "use_pygments": True}}


# Text holding none of these, with no line that starts like a list, a quote or code, is
# paragraphs and line breaks to Markdown: it is rendered here without the converter,
# which costs far more per field (python-markdown manages a few thousand fields a second).
_MARKUP = re.compile(r"[\\`*_{}\[\]<>#+!|~$&=\t]|^\s|\s$|^\s*(?:-|\d+[.)])", re.MULTILINE)
_BLANK_LINE = re.compile(r"\n[ ]*\n[\n ]*")


def plain_paragraphs(text: str) -> str | None:
    """The HTML Markdown would make of ``text`` when it holds no markup; ``None`` otherwise."""
    text = text.strip("\n")
    if not text or _MARKUP.search(text):
        return None
    paragraphs = _BLANK_LINE.split(text)
    return "\n".join("<p>" + "<br>\n".join(p.split("\n")) + "</p>" for p in paragraphs)


class MarkdownRenderer:
    """Markdown with tables, fenced code, sane lists, math, and line breaks kept as written.

    Raw HTML in the text is escaped (shown as text) unless ``allow_html``: sources from
    strangers must not put scripts or frames on a card. ``math`` says what a formula
    becomes (a :data:`~ankipress.render.math.MathHandler`; ``True``: Anki's MathJax
    delimiters); ``False`` leaves dollar signs and ``\\(`` to plain Markdown.
    """

    def __init__(self, allow_html: bool = False, math: bool | MathHandler = True) -> None:
        extensions: list[str | Extension] = [*_EXTENSIONS]
        if math is not False:
            extensions.append(MathExtension(mathjax if math is True else math))
        self._converter = md.Markdown(
            extensions=extensions, extension_configs=_CONFIG, output_format="html"
        )
        if not allow_html:
            self._converter.preprocessors.deregister("html_block")
            self._converter.inlinePatterns.deregister("html")

    def render(self, text: str) -> str:
        """HTML for one field's Markdown."""
        quick = plain_paragraphs(text)
        if quick is not None:
            return quick
        # One converter for every field (building one costs more than converting a short
        # field); reset() clears what the previous field left: stashed HTML, references.
        self._converter.reset()
        html: str = self._converter.convert(text)
        return html
