"""Reader for Quizlet export. (Being written.)"""

from __future__ import annotations

from ankipress.model import ReadOptions, ReadResult
from ankipress.sources import Source


class QuizletReader:
    """Quizlet export (term, definition; separators as chosen on export)."""

    name: str = "quizlet"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Quizlet export (term, definition; separators as chosen on export)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is in this format, from 0 to 1."""
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics."""
        return ReadResult((), (), 0)
