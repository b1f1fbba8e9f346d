"""``ankipress.lock``: the GUID of every note, so that a note keeps its identity when edited.

A note whose source gives it no id gets a GUID derived from its deck and question
(:func:`ankipress.ids.note_guid`): fixing a typo in a question, renaming a deck or moving a
file would make it a new note in Anki, and its review history would stay with the old one.
A build therefore records each note's GUID, with what identified it in its source, in a lock
file beside the project file, meant to be committed; the next build gives an edited note the
GUID of the note it was.

The file is text, one note a line, by file and in each file in the order of its notes, so that
an edit changes one line and a note added changes none but its own (no numbers to shift)::

    # ankipress.lock: ...
    {"lock": 1, "guids": "ankipress/guid/v1"}
    ["decks/cells.md", "Biology", "kJTo(12V-D", "3f2a9c0d1e4b", "What is a cell?"]
    ["old.md", "Biology", "b@9#xY1!q", "", "{{c1::Mitochondria}} ...", "removed"]

Each line is a JSON array: the file (relative to the lock file, ``/`` separated), the deck,
the GUID, a digest of the answer (``""`` for an empty one) and the question (white space
folded); a note gone from the sources ends with ``"removed"``, and these come last.

How a note of a build finds its GUID from these records: :mod:`ankipress.building.lockmatch`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ankipress import ids, rules
from ankipress.errors import InputError
from ankipress.model import Diagnostic, Note, Severity, SourceLocation

__all__ = [
    "LOCK_FILE",
    "Lock",
    "NoteKey",
    "Record",
    "by_file",
    "damaged",
    "digest",
    "dump",
    "load",
    "lock_path",
    "note_key",
    "record_order",
    "save",
]

LOCK_FILE = "ankipress.lock"
FORMAT_VERSION = 1
REMOVED = "removed"

_HEADER = (
    "# ankipress.lock: the id (GUID) of each note, so that an edited note stays the same note"
    " in Anki.\n"
    "# Written by `ankipress build`; commit it. One note a line, in the order of the files:"
    " file, deck,\n"
    "# GUID, answer digest, question[, removed]. Delete a removed line to forget that note.\n"
)


@dataclass(frozen=True, slots=True)
class Record:
    """One note as the lock file remembers it."""

    file: str
    """The source file, relative to the lock file, ``/`` separated."""
    position: int | None
    """1-based place among the notes of the file; ``None``: removed from the sources."""
    deck: str
    guid: str
    answer: str
    """A digest of the answer in canonical form; ``""`` for an empty answer."""
    question: str
    """The question in canonical form (:func:`ankipress.ids.canonical_question`)."""
    line: int = field(default=0, compare=False)
    """The record's line in the lock file it was read from (0: not read from a file)."""

    @property
    def removed(self) -> bool:
        """Whether the note is gone from the sources."""
        return self.position is None


@dataclass(frozen=True, slots=True)
class Lock:
    """A lock file as read: its path and its records (none when there was no file)."""

    path: Path
    records: tuple[Record, ...] = ()

    def location(self, record: Record | None = None) -> SourceLocation:
        """Where a record is in the file (the file itself for ``None`` or a new record)."""
        line = record.line if record is not None and record.line else None
        return SourceLocation(str(self.path), line)


@dataclass(frozen=True, slots=True)
class NoteKey:
    """What identifies a note of a build in its source."""

    natural: str
    """The GUID it has without the lock: its own, or derived from deck and question."""
    given: bool
    """Whether the source gave the GUID (it then never changes)."""
    file: str
    deck: str
    question: str
    answer: str
    location: SourceLocation


def _answer_digest(answer: str) -> str:
    canonical = ids.canonical_question(answer)
    if not canonical:
        return ""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@functools.lru_cache(maxsize=4096)  # once per file, not once per note
def relative_file(path: str, root: Path) -> str:
    """``path`` relative to the lock file's folder ``root``, ``/`` separated."""
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive
        relative = os.path.abspath(path)
    return PurePath(relative).as_posix()


def lock_path(project_file: Path | None, source: Path) -> Path:
    """Where a project's lock file is: beside its project file, else beside its sources."""
    if project_file is not None:
        return project_file.parent / LOCK_FILE
    if source.name in ("", ".", ".."):  # the folder given as "." or "..": its real parent
        return source.resolve().parent / LOCK_FILE
    return source.parent / LOCK_FILE


def note_key(note: Note, guid: str, root: Path) -> NoteKey:
    """The key of a note that is written with ``guid`` (its own, or derived)."""
    return NoteKey(
        guid,
        note.guid is not None,
        relative_file(note.location.path, root),
        note.deck,
        ids.canonical_question(note.question),
        _answer_digest(note.answer),
        note.location,
    )


# Reading and writing ----------------------------------------------------------------------


def damaged(path: Path, line: int | None, message: str, hint: str | None = None) -> InputError:
    """The error of a lock file that cannot be used, at ``line`` of it."""
    location = SourceLocation(str(path), line)
    diagnostic = Diagnostic(location, Severity.ERROR, message, hint, rules.LOCK_FILE)
    return InputError(str(diagnostic), [diagnostic])


_FIX = "restore it from version control, or build with --no-lock"


def load(path: Path) -> Lock:
    """The lock file at ``path``; an empty lock when there is none.

    A file that cannot be read as a lock (damaged, a merge conflict left in it, written by a
    newer ankipress, two GUIDs for one note) is an :class:`InputError` naming its line:
    building on it would silently give notes new ids.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise damaged(path, None, f"cannot read the lock file: {reason or exc}", _FIX) from None
    records: list[Record] = []
    places: Counter[str] = Counter()  # a note's place in its file: the order of the lines
    header_seen = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
            raise damaged(
                path,
                number,
                "the lock file holds a merge conflict",
                "keep both sides' lines (each note is one line) and delete the markers",
            )
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
            raise damaged(path, number, "not a line of a lock file", _FIX) from None
        if not header_seen:
            _check_header(path, number, value)
            header_seen = True
            continue
        records.append(_record(path, number, value, places))
    if not header_seen and records:
        raise damaged(path, None, "the lock file has no header line", _FIX)
    _check_consistent(path, records)
    return Lock(path, tuple(records))


def _check_header(path: Path, number: int, value: object) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("lock"), int):
        raise damaged(path, number, 'the lock file\'s first line must be {"lock": 1, ...}', _FIX)
    if value["lock"] != FORMAT_VERSION:
        raise damaged(
            path,
            number,
            f"the lock file is of format {value['lock']}; this ankipress reads format "
            f"{FORMAT_VERSION}",
            "use the ankipress that wrote it",
        )
    if value.get("guids") != ids.GUID_SALT:
        raise damaged(
            path,
            number,
            f"the lock file's ids were made by the scheme {value.get('guids')!r}, not "
            f"{ids.GUID_SALT!r}",
            "use the ankipress that wrote it",
        )


def _record(path: Path, number: int, value: object, places: Counter[str]) -> Record:
    shape = '[file, deck, guid, answer digest, question] (and "removed")'
    if not isinstance(value, list) or len(value) not in (5, 6):
        raise damaged(path, number, f"a lock line must be a list {shape}", _FIX)
    if not all(isinstance(item, str) for item in value):
        raise damaged(path, number, f"a lock line must be a list {shape} of text", _FIX)
    file, deck, guid, answer, question = value[:5]
    if len(value) == 6 and value[5] != REMOVED:
        raise damaged(path, number, f'a sixth item can only be "{REMOVED}"', _FIX)
    if not guid or not file:
        raise damaged(path, number, "a lock line needs a file and a GUID", _FIX)
    if len(value) == 6:
        return Record(file, None, deck, guid, answer, question, number)
    places[file] += 1
    return Record(file, places[file], deck, guid, answer, question, number)


def _check_consistent(path: Path, records: Sequence[Record]) -> None:
    """One GUID twice in one file: two versions of a note (a merge that kept both lines)."""
    by_guid: dict[tuple[str, str], Record] = {}
    for record in records:
        earlier = by_guid.setdefault((record.file, record.guid), record)
        if earlier is not record:
            raise damaged(
                path,
                record.line,
                f"the GUID {record.guid!r} of {record.file} is also at line {earlier.line}",
                "keep one of the two lines",
            )


def record_order(record: Record) -> tuple[bool, str, int, str, str]:
    """The order of the file's lines: by file and place, removed records last."""
    return (record.removed, record.file, record.position or 0, record.question, record.guid)


def dump(records: Iterable[Record]) -> str:
    """The text of a lock file holding ``records``, in their stable order."""
    header = json.dumps({"lock": FORMAT_VERSION, "guids": ids.GUID_SALT})
    lines = [_HEADER + header]
    for record in sorted(records, key=record_order):
        row = [record.file, record.deck, record.guid, record.answer, record.question]
        if record.removed:
            row.append(REMOVED)
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def save(path: Path, records: Iterable[Record]) -> bool:
    """Write the lock file atomically if its text changes; whether it was written."""
    from ankipress.writers.common import write_text_atomically

    text = dump(records)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_text_atomically(path, text)
    return True


def by_file(records: Iterable[Record]) -> dict[str, list[Record]]:
    """The live records of each file (for :func:`digest`)."""
    found: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if not record.removed:
            found[record.file].append(record)
    return found


def digest(records: Mapping[str, Sequence[Record]], files: Iterable[str]) -> str:
    """A digest of the live records of ``files`` (:func:`by_file`): a package is rebuilt
    when it changes."""
    chosen = sorted((r for f in set(files) for r in records.get(f, ())), key=record_order)
    hashed = hashlib.sha256(f"{FORMAT_VERSION}\x1e{ids.GUID_SALT}".encode())
    for r in chosen:
        row = "\x1f".join((r.file, r.deck, r.guid, r.answer, r.question))
        hashed.update(f"\x1e{row}".encode("utf-8", "surrogateescape"))
    return hashed.hexdigest()
