"""Reader for Markdown deck. (Being written.)"""

from __future__ import annotations

from ankipress.model import ReadOptions, ReadResult
from ankipress.sources import Source


class MarkdownReader:
    """Markdown deck (## question, answer below; front matter deck/tags)."""

    name: str = "markdown"
    extensions: tuple[str, ...] = (
        ".md",
        ".markdown",
    )
    description: str = "Markdown deck (## question, answer below; front matter deck/tags)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is in this format, from 0 to 1."""
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics."""
        return ReadResult((), (), 0)
