"""Markdown to HTML with the ``markdown`` package, one converter reused for every field."""

from __future__ import annotations

import markdown as md

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br"]


class MarkdownRenderer:
    """Markdown with tables, fenced code, sane lists, and line breaks kept as written.

    Raw HTML in the text is escaped (shown as text) unless ``allow_html``: sources from
    strangers must not put scripts or frames on a card.
    """

    def __init__(self, allow_html: bool = False) -> None:
        self._converter = md.Markdown(extensions=_EXTENSIONS, output_format="html")
        if not allow_html:
            self._converter.preprocessors.deregister("html_block")
            self._converter.inlinePatterns.deregister("html")

    def render(self, text: str) -> str:
        """HTML for one field's Markdown."""
        self._converter.reset()
        html: str = self._converter.convert(text)
        return html
