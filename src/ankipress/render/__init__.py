"""Turning a note's source text into the HTML that goes into an Anki field."""

from __future__ import annotations

from ankipress.model import TextFormat
from ankipress.render.markdown import MarkdownRenderer
from ankipress.render.plain import render_plain

__all__ = ["FieldRenderer", "render_plain"]


class FieldRenderer:
    """Renders fields by their text format; holds the reusable Markdown converter."""

    def __init__(self, markdown: bool = False, allow_html: bool = False) -> None:
        self.markdown = markdown
        self._markdown = MarkdownRenderer(allow_html=allow_html)

    def render(self, text: str, text_format: TextFormat) -> str:
        """HTML for one field. ``markdown=True`` treats plain text as Markdown."""
        if text_format is TextFormat.HTML:
            return text
        if text_format is TextFormat.MARKDOWN or self.markdown:
            return self._markdown.render(text)
        return render_plain(text)
