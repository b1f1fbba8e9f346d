"""Markdown to HTML with the ``markdown`` package, one converter reused for every field.

Math is a token of its own (:mod:`ankipress.render.math`): ``$x_1$`` keeps its underscores
and comes out as ``\\(x_1\\)``, which Anki's MathJax renders; ``$`` in code stays a dollar.
"""

from __future__ import annotations

import re

import markdown as md
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

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


# An HTML comment, as HTML ends one: "<!-->" and "<!--->" are empty comments.
_COMMENT = r"<!--(?:-?>|[\s\S]*?-->)"
# A line where a comment starts a block: indented three spaces at most (four is code).
_BLOCK_COMMENT_START = re.compile(r" {0,3}<!--")
_COMMENT_END = re.compile(r"-->")


class _BlockComments(Preprocessor):
    """Comments that start a line are removed, up to the line where they end.

    Runs after fenced code is stashed, so comments in fences stay; text after the comment on
    its last line stays. The removed lines become blank, as CommonMark ends a paragraph at
    such a comment (an HTML block). A comment never closed is no comment: shown as text,
    rather than hiding the rest of the field.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        opened = -1  # where the comment being removed started, in lines and out
        for index, line in enumerate(lines):
            if opened < 0:
                start = _BLOCK_COMMENT_START.match(line)
                if start is None:
                    out.append(line)
                    continue
                # Search from "<!" + 2 on: "<!-->" ends where it starts.
                position = start.end() - 2
                opened = index
            else:
                position = 0
            end = _COMMENT_END.search(line, position)
            if end is not None:
                opened = -1
            out.append("" if end is None else line[end.end() :])
        if opened >= 0:
            out[opened:] = lines[opened:]
        return out


class _InlineComment(InlineProcessor):
    """A comment inside a paragraph is removed (code spans, matched first, keep theirs)."""

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        return "", m.start(0), m.end(0)


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
            # Raw HTML is shown as text, but a comment is a comment: never shown (as every
            # Markdown tool that lets HTML through leaves it unseen), not spelled out.
            converter = self._converter
            converter.preprocessors.deregister("html_block")
            converter.preprocessors.register(_BlockComments(converter), "comments", 20)
            converter.inlinePatterns.deregister("html")
            converter.inlinePatterns.register(_InlineComment(_COMMENT, converter), "comment", 90)

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
