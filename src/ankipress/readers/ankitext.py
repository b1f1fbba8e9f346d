"""Reader for Anki's "Notes in Plain Text" export and its #header lines. (Being written.)"""

from __future__ import annotations

from ankipress.model import ReadOptions, ReadResult
from ankipress.sources import Source


class AnkiTextReader:
    """Anki's "Notes in Plain Text" export, or any text file with Anki's import headers."""

    name: str = "ankitext"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Anki's Notes in Plain Text export, or any file with Anki's #headers"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is in this format, from 0 to 1."""
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics."""
        return ReadResult((), (), 0)
