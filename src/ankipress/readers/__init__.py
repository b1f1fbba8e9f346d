"""Input formats. Each reader is listed here explicitly, in the order detection tries them.

A reader has a ``name`` (the ``--from`` token), ``extensions``, a one-line ``description``,
``options`` (the command-line options it honours), ``sniff(source) -> float`` (0: not this
format, 1: certainly this format) and ``read(source, options) -> ReadResult``, which
reports problems as diagnostics instead of raising.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path, PurePath
from typing import Any, Protocol

from ankipress import rules
from ankipress.errors import InputError, UsageError
from ankipress.model import Diagnostic, Note, NoteStream, ReadOptions, ReadResult, Severity
from ankipress.sources import LineSource, Source, open_regular_file

__all__ = [
    "BINARY_READERS",
    "READERS",
    "BinaryReader",
    "Reader",
    "StreamingReader",
    "binary_reader_for",
    "detect",
    "format_names",
    "get_reader",
    "streaming",
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


class StreamingReader(Reader, Protocol):
    """A reader that can also read a line at a time, holding one note, not the file."""

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        """The notes of ``source`` as they are read; the same notes and diagnostics, in the
        same order, as :meth:`Reader.read` gives (``NoteStream.collect() == read()``)."""
        ...


def streaming(reader: Reader) -> StreamingReader | None:
    """``reader`` if it can read a line at a time, else ``None``."""
    return reader if callable(getattr(reader, "stream", None)) else None  # type: ignore[return-value]


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


# The readers in the order detection tries them: the ``--from`` token, the module and the
# class. A reader is imported when it is used (or when detection sniffs with it), not to
# list the formats: the command line starts without loading every reader.
_TEXT_READERS: tuple[tuple[str, str, str], ...] = (
    ("ankitext", "ankitext", "AnkiTextReader"),
    ("brainscape", "brainscape", "BrainscapeReader"),
    ("crowdanki", "crowdanki", "CrowdAnkiReader"),
    ("obsidian-to-anki", "obsidian_to_anki", "ObsidianToAnkiReader"),
    ("obsidian-sr", "obsidian_sr", "ObsidianSrReader"),
    ("org", "orgmode", "OrgModeReader"),
    ("anki-panky", "panky", "PankyReader"),
    ("logseq", "logseq", "LogseqReader"),
    ("md2anki", "md2anki", "Md2AnkiReader"),
    ("markdown", "markdown", "MarkdownReader"),
    ("quizlet", "quizlet", "QuizletReader"),
    ("csv", "csv", "CsvReader"),
)
_BINARY_READERS: tuple[tuple[str, str, str], ...] = (("apkg", "apkg", "ApkgReader"),)


@functools.cache
def _load(module: str, cls: str) -> Any:
    """The one instance of a reader class, its module imported on first use."""
    return getattr(importlib.import_module(f"ankipress.readers.{module}"), cls)()


def __getattr__(name: str) -> Any:
    # READERS and BINARY_READERS: every reader, loaded when first asked for.
    if name == "READERS":
        value: tuple[Any, ...] = tuple(_load(module, cls) for _, module, cls in _TEXT_READERS)
    elif name == "BINARY_READERS":
        value = tuple(_load(module, cls) for _, module, cls in _BINARY_READERS)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


# Declared for type checkers; set by __getattr__ on first use (or by a test's monkeypatch).
READERS: tuple[Reader, ...]
BINARY_READERS: tuple[BinaryReader, ...]


def _registered(name: str) -> Any:
    """``READERS`` or ``BINARY_READERS`` as the module holds it now, loaded if need be."""
    return globals()[name] if name in globals() else __getattr__(name)


# Below this a sniff is a guess we will not act on without --from.
_SURE_ENOUGH = 0.5
# A winner must lead the runner-up by this much, or the file is ambiguous.
_CLEAR_LEAD = 0.15
# A file whose extension a reader claims gets this much on top of its sniff.
_EXTENSION_BONUS = 0.1


def format_names() -> list[str]:
    """The ``--from`` tokens, in registry order."""
    return [name for name, _, _ in _TEXT_READERS + _BINARY_READERS]


def binary_reader_for(path: Path, input_format: str | None) -> BinaryReader | None:
    """The binary reader for ``path``: the one ``--from`` names, or one that recognizes it."""
    if input_format is not None:
        found = [(m, c) for name, m, c in _BINARY_READERS if name == input_format.lower()]
        return _load(*found[0]) if found else None
    if not _BINARY_READERS:
        return None
    try:
        # Never blocks: a FIFO or a device is left to the text path, which refuses it.
        with open_regular_file(path) as stream:
            head = stream.read(64)
    except OSError:
        return None  # the text path reports it, with the usual message
    loaded: tuple[BinaryReader, ...] = _registered("BINARY_READERS")
    return next((r for r in loaded if r.matches(path, head)), None)


def get_reader(name: str) -> Reader:
    """The reader called ``name``; a :class:`UsageError` listing the known ones otherwise."""
    for token, module, cls in _TEXT_READERS:
        if token == name.lower():
            reader: Reader = _load(module, cls)
            return reader
    known = ", ".join(format_names())
    raise UsageError(f"unknown input format {name!r}; known formats: {known}")


def _fail(
    source: Source,
    message: str,
    hint: str | None,
    line: int | None = None,
    rule: rules.Rule = rules.UNSUPPORTED_FORMAT,
) -> InputError:
    diagnostic = Diagnostic(source.location(line), Severity.ERROR, message, hint, rule)
    return InputError(str(diagnostic), [diagnostic])


def _given(options: ReadOptions | None) -> dict[str, str]:
    """The reader options the user gave, by flag, with their values."""
    if options is None:
        return {}
    given = {
        "--sep": options.separator,
        "--card-sep": options.card_separator,
        "--columns": ",".join(options.columns) if options.columns is not None else None,
    }
    return {flag: value for flag, value in given.items() if value}


def _takes(reader: Reader, given: dict[str, str]) -> bool:
    """Whether ``reader`` honours every option given, with its value: a table's delimiter is
    one character, so ``--sep ' - '`` is a Quizlet export's."""
    if not set(given) <= set(reader.options):
        return False
    separator = given.get("--sep")
    return reader.name != "csv" or separator is None or len(separator) == 1


def detect(source: Source, options: ReadOptions | None = None) -> Reader:
    """The reader for ``source``: the clear winner of the sniffs, the extension breaking ties.

    Only readers honouring every option given in ``options`` (``--sep``, ``--card-sep``,
    ``--columns``) are candidates, and the only one is chosen without sniffing: the option
    implies its format. Readers sniffing about as sure are told apart by reading the file
    with each: the same notes, or notes from one only, settle it; else the error shows a
    note of each reading.
    """
    if not source.text.strip():
        raise _fail(source, "the file is empty: no cards found", None, rule=rules.NO_CARDS)
    given = _given(options)
    if not given and _other_json(source.text):
        raise _fail(
            source,
            'this file is JSON, but not a CrowdAnki deck (an object whose "__type__" is '
            '"Deck"); no other JSON holds cards ankipress can read',
            "give CrowdAnki's deck.json, or export the cards as CSV; --from names a format to "
            "read it as anyway",
            rule=rules.UNSUPPORTED_FORMAT,
        )
    every: tuple[Reader, ...] = _registered("READERS")
    candidates = [reader for reader in every if _takes(reader, given)]
    if given and len(candidates) == 1:
        return candidates[0]
    if not candidates:
        flags = " and ".join(given)
        raise _fail(source, f"no input format takes {flags} together", "give one of them")
    suffix = PurePath(source.path).suffix.lower()
    scored = sorted(
        (
            (
                reader.sniff(source) + (_EXTENSION_BONUS if suffix in reader.extensions else 0.0),
                index,
                reader,
            )
            for index, reader in enumerate(candidates)
        ),
        key=lambda item: (-item[0], item[1]),
    )
    contenders = [(score, reader) for score, _, reader in scored if score >= _SURE_ENOUGH]
    if not contenders:
        names = ", ".join(format_names() if not given else [r.name for r in candidates])
        raise _fail(source, "cannot tell the format of this file", f"name it with --from ({names})")
    best_score, best = contenders[0]
    close = [reader for score, reader in contenders[1:] if best_score - score < _CLEAR_LEAD]
    for rival in close:
        best = _settle(source, options, best, rival)
    return best


def _other_json(text: str) -> bool:
    """Whether ``text`` is a JSON array or object other than a CrowdAnki deck.

    A table reader would take such a file line by line (``"a.png",`` is a row of two
    columns) and make a note of every line: JSON is refused here instead. Only text that
    starts and ends as JSON does is parsed.
    """
    body = text.strip("\ufeff \t\r\n")
    if not body or (body[0], body[-1]) not in (("[", "]"), ("{", "}")):
        return False
    import json

    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return not (isinstance(value, dict) and value.get("__type__") == "Deck")


def _settle(source: Source, options: ReadOptions | None, best: Reader, rival: Reader) -> Reader:
    """The one of two readers sniffing about as sure whose reading stands.

    Both reading the same notes: ``best``. Only one reading without errors: that one.
    Else the file is ambiguous, and the error shows the first note where they differ.
    """
    read_options = options or ReadOptions(default_deck=PurePath(source.path).stem)
    mine, theirs = best.read(source, read_options), rival.read(source, read_options)
    mine_fails, theirs_fails = _fails(mine), _fails(theirs)
    if not mine_fails and not theirs_fails and _cards(mine) == _cards(theirs):
        return best
    if mine_fails != theirs_fails:
        return rival if mine_fails else best
    line, shown = _first_difference(mine, theirs)
    message = (
        f"the format of this file is ambiguous: as {best.name}: {shown[0]}; "
        f"as {rival.name}: {shown[1]}"
    )
    raise _fail(source, message, f"name it with --from {best.name} or --from {rival.name}", line)


def _fails(result: ReadResult) -> bool:
    return not result.notes or any(d.severity is Severity.ERROR for d in result.diagnostics)


def _key(note: Note | None) -> tuple[str, str, tuple[str, ...], str] | None:
    return None if note is None else (note.question, note.answer, note.tags, note.deck)


def _cards(result: ReadResult) -> list[tuple[str, str, tuple[str, ...], str] | None]:
    return [_key(note) for note in result.notes]


def _first_difference(mine: ReadResult, theirs: ReadResult) -> tuple[int | None, tuple[str, str]]:
    """The line of the first note the two readings differ on, and that note as each reads it."""
    for index in range(max(len(mine.notes), len(theirs.notes))):
        a = mine.notes[index] if index < len(mine.notes) else None
        b = theirs.notes[index] if index < len(theirs.notes) else None
        either = a or b
        if either is not None and _key(a) != _key(b):
            return either.location.line, (_show(a), _show(b))
    return None, (_show(None), _show(None))


def _show(note: Note | None, limit: int = 30) -> str:
    """A note in one short line: ``"question" → "answer"`` (and its tags)."""
    if note is None:
        return "no card"

    def quoted(text: str) -> str:
        text = " ".join(text.split())
        return '"' + (text if len(text) <= limit else text[: limit - 3] + "...") + '"'

    shown = f"{quoted(note.question)} \u2192 {quoted(note.answer)}"
    return shown + (f" (tags {' '.join(note.tags)})" if note.tags else "")
