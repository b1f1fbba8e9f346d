"""Input formats. Each reader is listed here explicitly, in the order detection tries them.

A reader has a ``name`` (the ``--from`` token), ``extensions``, a one-line ``description``,
``options`` (the command-line options it honours), ``sniff(source) -> float`` (0: not this
format, 1: certainly this format) and ``read(source, options) -> ReadResult``, which
reports problems as diagnostics instead of raising.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Protocol

from ankipress.errors import InputError, UsageError
from ankipress.model import Diagnostic, ReadOptions, ReadResult, Severity
from ankipress.readers.ankitext import AnkiTextReader
from ankipress.readers.apkg import ApkgReader
from ankipress.readers.brainscape import BrainscapeReader
from ankipress.readers.csv import CsvReader
from ankipress.readers.markdown import MarkdownReader
from ankipress.readers.quizlet import QuizletReader
from ankipress.sources import Source, open_regular_file

__all__ = [
    "BINARY_READERS",
    "READERS",
    "BinaryReader",
    "Reader",
    "binary_reader_for",
    "detect",
    "format_names",
    "get_reader",
]


class Reader(Protocol):
    """What every input format provides."""

    name: str
    extensions: tuple[str, ...]
    description: str
    options: tuple[str, ...]

    def sniff(self, source: Source) -> float:
        """How sure the reader is that ``source`` is in its format, from 0 to 1."""
        ...

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems are returned as diagnostics."""
        ...


class BinaryReader(Protocol):
    """An input format that is not text (packages): it reads the file itself."""

    name: str
    extensions: tuple[str, ...]
    description: str
    options: tuple[str, ...]

    def matches(self, path: Path, head: bytes) -> bool:
        """Whether the file (its first bytes given) is in this format."""
        ...

    def read_file(self, path: Path, display: str, options: ReadOptions) -> ReadResult:
        """Every note of the file; problems are returned as diagnostics."""
        ...


BINARY_READERS: tuple[BinaryReader, ...] = (ApkgReader(),)

READERS: tuple[Reader, ...] = (
    AnkiTextReader(),
    BrainscapeReader(),
    MarkdownReader(),
    QuizletReader(),
    CsvReader(),
)

# Below this a sniff is a guess we will not act on without --from.
_SURE_ENOUGH = 0.5
# A winner must lead the runner-up by this much, or the file is ambiguous.
_CLEAR_LEAD = 0.15
# A file whose extension a reader claims gets this much on top of its sniff.
_EXTENSION_BONUS = 0.1


def format_names() -> list[str]:
    """The ``--from`` tokens, in registry order."""
    return [reader.name for reader in READERS] + [reader.name for reader in BINARY_READERS]


def binary_reader_for(path: Path, input_format: str | None) -> BinaryReader | None:
    """The binary reader for ``path``: the one ``--from`` names, or one that recognizes it."""
    if input_format is not None:
        return next((r for r in BINARY_READERS if r.name == input_format.lower()), None)
    if not BINARY_READERS:
        return None
    try:
        # Never blocks: a FIFO or a device is left to the text path, which refuses it.
        with open_regular_file(path) as stream:
            head = stream.read(64)
    except OSError:
        return None  # the text path reports it, with the usual message
    return next((r for r in BINARY_READERS if r.matches(path, head)), None)


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a :class:`UsageError` listing the known ones otherwise."""
    for reader in READERS:
        if reader.name == name.lower():
            return reader
    known = ", ".join(format_names())
    raise UsageError(f"unknown input format {name!r}; known formats: {known}")


def _fail(source: Source, message: str, hint: str | None) -> InputError:
    diagnostic = Diagnostic(source.location(), Severity.ERROR, message, hint)
    return InputError(str(diagnostic), [diagnostic])


def detect(source: Source, given: tuple[str, ...] = ()) -> Reader:
    """The reader for ``source``: the clear winner of the sniffs, the extension breaking ties.

    ``given`` names the reader options the user gave (``--sep``): only readers that honour
    all of them are candidates.
    """
    if not source.text.strip():
        raise _fail(source, "the file is empty: no cards found", None)
    suffix = PurePath(source.path).suffix.lower()
    scored = sorted(
        (
            (
                reader.sniff(source) + (_EXTENSION_BONUS if suffix in reader.extensions else 0.0),
                index,
                reader,
            )
            for index, reader in enumerate(READERS)
            if set(given) <= set(reader.options)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    contenders = [(score, reader) for score, _, reader in scored if score >= _SURE_ENOUGH]
    if not contenders:
        raise _fail(
            source,
            "cannot tell the format of this file",
            f"name it with --from ({', '.join(format_names())})",
        )
    best_score, best = contenders[0]
    close = [reader.name for score, reader in contenders[1:] if best_score - score < _CLEAR_LEAD]
    if close:
        names = ", ".join([best.name, *close])
        raise _fail(
            source,
            f"the format of this file is ambiguous: it could be {names}",
            "name it with --from",
        )
    return best
