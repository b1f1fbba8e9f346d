"""Exceptions the library raises; the CLI turns them into messages and exit codes.

    AnkipressError            anything ankipress reports instead of crashing
    ├── InputError            a source cannot be read or holds errors (exit 1)
    ├── WriteError            an output could not be written (exit 1)
    └── UsageError            options that do not fit together (exit 2)

Each carries the diagnostics that explain it, so callers can show every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from ankipress.model import Diagnostic


class AnkipressError(Exception):
    """Base class: a failure that ankipress explains, with its diagnostics."""

    def __init__(self, message: str, diagnostics: Iterable[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)

    def __str__(self) -> str:
        return self.message


class InputError(AnkipressError):
    """A source could not be read, or it holds errors; nothing was written."""


class WriteError(AnkipressError):
    """An output file could not be written; nothing was left half-written."""


class UsageError(AnkipressError):
    """The request itself is wrong: an unknown format, a bad option value."""
