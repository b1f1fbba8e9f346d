"""Turning a note's source text into the HTML that goes into an Anki field."""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ankipress import rules
from ankipress.model import Diagnostic, Severity, SourceLocation, TextFormat
from ankipress.render.math import cloze_safe, mathjax
from ankipress.render.plain import escape_line, render_plain

if TYPE_CHECKING:
    from ankipress.render.markdown import MarkdownRenderer

__all__ = ["FieldRenderer", "MathMode", "render_plain"]

_SVG_TOKEN = re.compile("\ue002(\\d+)\ue003")
# A field holding a cloze deletion as Anki finds one (``rslib/src/cloze.rs``).
_CLOZE_OPENING = re.compile(r"\{\{c\d+(?:,\d+)*::")


class MathMode(enum.Enum):
    """What formulas become."""

    MATHJAX = "mathjax"
    """``\\(…\\)`` and ``\\[…\\]``, rendered by Anki's MathJax at review time."""
    SVG = "svg"
    """SVG rendered at build time with MathJax, offline."""
    NONE = "none"
    """Left exactly as written."""


def _as_written(tex: str, display: bool, original: str) -> str:
    return html.escape(original, quote=False)


class FieldRenderer:
    """Renders fields by their text format; holds the reusable Markdown converter.

    In SVG mode formulas are collected while fields are rendered and stand as tokens in the
    HTML; :meth:`finish_svg` renders them all in one batch and puts them in.
    """

    def __init__(
        self, markdown: bool = False, allow_html: bool = False, math: MathMode = MathMode.MATHJAX
    ) -> None:
        self.markdown = markdown
        self.math = math
        self._handler = {
            MathMode.MATHJAX: self._mathjax,
            MathMode.NONE: _as_written,
            MathMode.SVG: self._collect,
        }[math]
        self._allow_html = allow_html
        # Made on the first Markdown field: plain-text decks never load markdown-it.
        self._markdown: MarkdownRenderer | None = None
        self.formulas: list[tuple[str, bool, SourceLocation | None]] = []
        self.media: dict[str, bytes] = {}
        """Media files the rendered fields refer to, by name."""
        self._location: SourceLocation | None = None
        self._cloze = False

    def _mathjax(self, tex: str, display: bool, original: str) -> str:
        # In a field with deletions, "}}" in a formula would end one early: "} }" reads the
        # same to MathJax (the SVG's alt text escapes its braces instead).
        return mathjax(cloze_safe(tex) if self._cloze else tex, display, original)

    def _collect(self, tex: str, display: bool, original: str) -> str:
        self.formulas.append((tex, display, self._location))
        return f"\ue002{len(self.formulas) - 1}\ue003"

    def render(
        self, text: str, text_format: TextFormat, location: SourceLocation | None = None
    ) -> str:
        """HTML for one field. ``markdown=True`` treats plain text as Markdown."""
        self._location = location
        self._cloze = "{{c" in text and _CLOZE_OPENING.search(text) is not None
        if text_format is TextFormat.HTML:
            return text
        if text_format is TextFormat.MARKDOWN or self.markdown:
            if self._markdown is None:
                from ankipress.render.markdown import MarkdownRenderer

                self._markdown = MarkdownRenderer(allow_html=self._allow_html, math=self._handler)
            return self._markdown.render(text)
        if "\n" not in text and "$" not in text and "\\" not in text:
            return escape_line(text)  # one line, no formula (most fields): escaped
        return render_plain(text, self._handler)

    def finish_svg(self, fields: Sequence[str]) -> tuple[list[str], list[Diagnostic]]:
        """The fields with every collected formula rendered to SVG, and the TeX errors.

        Each SVG is a media file (:attr:`media`) shown with an ``<img>``, named by its content.
        """
        from ankipress.render.mathsvg import Formula, SvgMathRenderer, img_html, media_name

        if not self.formulas:
            return list(fields), []
        wanted = [Formula(tex, display) for tex, display, _ in self.formulas]
        with SvgMathRenderer() as renderer:
            results = renderer.render(wanted)
        diagnostics: list[Diagnostic] = []
        pieces: list[str] = []
        for (tex, _, location), result in zip(self.formulas, results, strict=True):
            if result.error is not None:
                where = location or SourceLocation("<math>")
                shown = tex if len(tex) <= 60 else tex[:57] + "..."
                diagnostics.append(
                    Diagnostic(
                        where,
                        Severity.ERROR,
                        f"TeX error in {shown!r}: {result.error}",
                        rule=rules.TEX_ERROR,
                    )
                )
                pieces.append(html.escape(tex, quote=False))
            else:
                assert result.svg is not None
                name = media_name(result.svg)
                self.media[name] = result.svg.encode("utf-8")
                pieces.append(img_html(result, name))
        rendered = [_SVG_TOKEN.sub(lambda m: pieces[int(m.group(1))], field) for field in fields]
        return rendered, diagnostics
