"""What every reader's parser shares: recording a problem at a line of its source."""

from __future__ import annotations

from ankipress import rules
from ankipress.model import Diagnostic, Severity, SourceLocation
from ankipress.sources import Source

__all__ = ["Reporting"]


class Reporting:
    """A parser's diagnostics, each at a 1-based line of its source (``None``: the whole file).

    The parser sets ``source`` and ``diagnostics``; :meth:`report` adds one problem, so a
    reader goes on past a bad record and the user sees every problem at once.
    """

    source: Source
    diagnostics: list[Diagnostic]

    def report(
        self,
        line: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """Record ``message`` at ``line``, with the fix ``hint`` where one is known."""
        location = SourceLocation(self.source.path, line)
        self.diagnostics.append(Diagnostic(location, severity, message, hint or None, rule))
