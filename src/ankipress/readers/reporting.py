"""What every reader's parser shares: recording a problem at a line of its source."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from ankipress import rules
from ankipress.model import Diagnostic, Severity, SourceLocation

__all__ = ["Located", "Reporting"]


class Located(Protocol):
    """What a parser reports against: a source (whole or read a line at a time) by its path."""

    @property
    def path(self) -> str: ...


_Source = TypeVar("_Source", bound=Located)


class Reporting(Generic[_Source]):
    """A parser's diagnostics, each at a 1-based line of its source (``None``: the whole file).

    The parser sets ``source`` and ``diagnostics`` (a parser that files what it says in
    groups points ``diagnostics`` at the group of the moment); :meth:`report` adds one
    problem, so a reader goes on past a bad record and the user sees every problem at once.
    """

    source: _Source
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
