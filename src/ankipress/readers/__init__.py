"""Input formats. Each reader is listed here explicitly, in the order detection tries them.

A reader has a ``name`` (the ``--from`` token), ``extensions``, a one-line ``description``,
``sniff(source) -> float`` (0: not this format, 1: certainly this format) and
``read(source, default_deck) -> ReadResult``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Protocol

from ankipress.errors import InputError, UsageError
from ankipress.model import Diagnostic, ReadResult, Severity
from ankipress.readers.brainscape import BrainscapeReader
from ankipress.sources import Source

__all__ = ["READERS", "Reader", "detect", "get_reader"]


class Reader(Protocol):
    """What every input format provides."""

    name: str
    extensions: tuple[str, ...]
    description: str

    def sniff(self, source: Source) -> float:
        """How sure the reader is that ``source`` is in its format, from 0 to 1."""
        ...

    def read(self, source: Source, default_deck: str) -> ReadResult:
        """Every note of ``source``; problems are returned as diagnostics."""
        ...


READERS: tuple[Reader, ...] = (BrainscapeReader(),)

# Below this a sniff is a guess we will not act on without --from.
_SURE_ENOUGH = 0.5


def format_names() -> list[str]:
    """The ``--from`` tokens, in registry order."""
    return [reader.name for reader in READERS]


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a :class:`UsageError` listing the known ones otherwise."""
    for reader in READERS:
        if reader.name == name.lower():
            return reader
    known = ", ".join(format_names())
    raise UsageError(f"unknown input format {name!r}; known formats: {known}")


def detect(source: Source) -> Reader:
    """The reader for ``source``, by content first and by file extension to break ties."""
    suffix = PurePath(source.path).suffix.lower()
    scored = sorted(
        (
            (reader.sniff(source) + (0.05 if suffix in reader.extensions else 0.0), index, reader)
            for index, reader in enumerate(READERS)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    best_score, _, best = scored[0]
    if best_score >= _SURE_ENOUGH:
        return best
    if not source.text.strip():
        message = "the file is empty: no cards found"
        hint = None
    else:
        message = "cannot tell the format of this file"
        hint = f"name it with --from ({', '.join(format_names())})"
    diagnostic = Diagnostic(source.location(), Severity.ERROR, message, hint)
    raise InputError(str(diagnostic), [diagnostic])
