"""Reader for CSV or TSV table. (Being written.)"""

from __future__ import annotations

from ankipress.model import ReadOptions, ReadResult
from ankipress.sources import Source


class CsvReader:
    """CSV or TSV table (question, answer, tags, deck columns; header optional)."""

    name: str = "csv"
    extensions: tuple[str, ...] = (
        ".csv",
        ".tsv",
    )
    description: str = "CSV or TSV table (question, answer, tags, deck columns; header optional)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is in this format, from 0 to 1."""
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics."""
        return ReadResult((), (), 0)
