"""Writing ``.apkg`` packages: the notes and cards rows, and the package file.

genanki writes the collection itself: the schema, the ``col`` row, note types and decks
(:mod:`ankipress.writers.collection`, the one module that imports genanki). Notes and cards
are inserted here with ``executemany`` into genanki's own tables, because
genanki's per-note ``execute`` calls are half of its run time at deck sizes users have
(100k notes), and because each note carries its own modification time.

The database is written to a temporary file beside the target, zipped (deflated, fixed
entry times and order, so the same notes and times give the same bytes) into a second
temporary file, and renamed into place: a failed write never leaves a partial package.
"""

from __future__ import annotations

import array
import hashlib
import html
import itertools
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from ankipress import rules
from ankipress.errors import WriteError
from ankipress.model import Diagnostic, NoteKind, NoteType, RenderedNote, Severity, SourceLocation
from ankipress.notetypes import for_kind
from ankipress.notetypes.cards import card_ords
from ankipress.textscan import sub_before_last
from ankipress.writers.collection import deck_id, load_genanki, write_collection
from ankipress.writers.common import check_target, interrupts_deferred

# Zip entries carry this time instead of the clock (the earliest a zip can hold).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_TAGS = re.compile(r"<[^>]*>")


def _sort_field(field: str) -> str:
    """The sort field as Anki stores it: text without HTML."""
    if "<" in field:
        field = sub_before_last(_TAGS, "", field, ">")
    return html.unescape(field).strip() if "&" in field else field.strip()


def _checksum(sort_field: str) -> int:
    # Anki's field checksum: the first 8 hex digits of the SHA-1 of the stripped first field.
    # (The first 8 hex digits are the first 4 bytes.)
    return int.from_bytes(hashlib.sha1(sort_field.encode("utf-8")).digest()[:4], "big")


class _DeckIds:
    """Each deck name's id, as notes name them; names that differ only in case are one
    deck, as in Anki (a warning, the first time a spelling is seen)."""

    def __init__(self) -> None:
        self.by_key: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.said: list[Diagnostic] = []

    def add(self, deck: str, location: SourceLocation) -> int:
        found = self.ids.get(deck)
        if found is not None:
            return found
        first = self.by_key.setdefault(deck.casefold(), deck)
        if first != deck:
            message = f"decks {first!r} and {deck!r} are one deck to Anki: written as {first!r}"
            self.said.append(Diagnostic(location, Severity.WARNING, message, rule=rules.DECK_NAME))
        found = self.ids[deck] = deck_id(first)
        return found


def _decks(notes: Iterable[NoteHead]) -> tuple[dict[str, int], list[Diagnostic]]:
    """Each deck name's id; names that differ only in case are one deck, as in Anki."""
    decks = _DeckIds()
    for note in notes:
        decks.add(note.deck, note.location)
    return decks.ids, decks.said


_COPY = 1 << 20
"""Bytes of the database deflated at a time."""
_CHUNK = 4096
"""Rows handed to SQLite per ``executemany`` call: memory is bounded by this, not the deck."""


class NoteHead(Protocol):
    """What the package's note types and decks are made of: a note before its fields are
    rendered (:class:`~ankipress.model.Note`) or after (:class:`RenderedNote`)."""

    @property
    def kind(self) -> NoteKind: ...
    @property
    def notetype(self) -> NoteType | None: ...
    @property
    def deck(self) -> str: ...
    @property
    def location(self) -> SourceLocation: ...
    @property
    def deck_carried(self) -> tuple[str, ...] | None: ...


def _chunks(rows: Iterator[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    while chunk := list(itertools.islice(rows, _CHUNK)):
        yield chunk


class _Cards:
    """What the cards rows need of each note, kept small while the notes rows stream."""

    def __init__(self) -> None:
        self.decks = array.array("q")
        self.mods = array.array("q")
        self.ords: list[tuple[int, ...]] = []
        self.shared: dict[tuple[int, ...], tuple[int, ...]] = {}

    def add(self, deck: int, mod: int, ords: list[int]) -> int:
        self.decks.append(deck)
        self.mods.append(mod)
        key = tuple(ords)
        self.ords.append(self.shared.setdefault(key, key))  # one (0,) for most notes
        return len(key)

    def rows(self, timestamp: int) -> Iterator[tuple[object, ...]]:
        next_id = timestamp * 1000
        for position, (deck, mod, ords) in enumerate(
            zip(self.decks, self.mods, self.ords, strict=True)
        ):
            note_id = next_id
            for ord_ in ords:
                next_id += 1
                yield (next_id, note_id, deck, ord_, mod, -1, 0, 0, position,
                       0, 0, 0, 0, 0, 0, 0, 0, "")  # fmt: skip
            next_id += 1


def _note_rows(
    notes: Iterable[RenderedNote],
    mids: Callable[[RenderedNote], int],
    timestamp: int,
    deck_ids: dict[str, int],
    cards: _Cards,
) -> Iterator[tuple[object, ...]]:
    """The ``notes`` rows, made as SQLite takes them (no list of the deck's rows); what
    their cards need goes to ``cards``."""
    next_id = timestamp * 1000
    sha1 = hashlib.sha1
    add = cards.add
    basic = NoteKind.BASIC
    for note in notes:
        mod = note.mod if note.mod is not None else timestamp
        fields = note.fields
        notetype = note.notetype
        first = fields[notetype.sort_field if notetype else 0]
        # _sort_field and _checksum, inline: text without markup or references is stripped.
        sort_field = _sort_field(first) if "<" in first or "&" in first else first.strip()
        checksum = int.from_bytes(sha1(sort_field.encode("utf-8")).digest()[:4], "big")
        tags = f" {' '.join(note.tags)} " if note.tags else ""
        flags, data = note.columns or (0, "")
        yield (next_id, note.guid, mids(note), mod, -1, tags, "\x1f".join(fields), sort_field,
               checksum, flags, data)  # fmt: skip
        # Its cards take the ids after its own (a basic note of its own making has one).
        ords = [0] if note.kind is basic and not note.card_ords else card_ords(note)
        next_id += 1 + add(deck_ids[note.deck], mod, ords)


def _start(
    cursor: sqlite3.Cursor,
    heads: Iterable[NoteHead],
    note_types: Callable[[NoteKind], NoteType],
    notetype_time: int,
) -> tuple[Callable[[RenderedNote], int], dict[str, int], list[Diagnostic]]:
    """genanki's part: the schema, the collection, note types and decks.

    Returns each note's note type id, each deck name's id, and what was said.
    """
    heads = heads if isinstance(heads, Sequence) else list(heads)  # read twice
    by_kind: dict[NoteKind, NoteType] = {}
    # Each note type object's id, computed once (a hash of its name): not once a note.
    type_ids: dict[int, int] = {}
    unique: dict[int, tuple[NoteType, bool]] = {}
    kept: list[NoteType] = []  # alive while their id() keys are used
    for note in heads:
        if note.kind is NoteKind.CUSTOM and note.notetype is not None:
            note_type = note.notetype
        else:
            found = by_kind.get(note.kind)
            if found is None:
                found = by_kind[note.kind] = note_types(note.kind)
            note_type = found
        key = id(note_type)
        if key not in type_ids:
            kept.append(note_type)
            type_id = type_ids[key] = note_type.id
            unique.setdefault(type_id, (note_type, note.kind is not NoteKind.CUSTOM))
    kind_ids = {kind: note_type.id for kind, note_type in by_kind.items()}

    def mid(note: RenderedNote) -> int:
        if note.kind is NoteKind.CUSTOM and note.notetype is not None:
            found = type_ids.get(id(note.notetype))
            return found if found is not None else note.notetype.id
        return kind_ids[note.kind]

    deck_ids, said = _decks(heads)
    chains: dict[str, tuple[str, ...]] = {}
    for head in heads:
        if head.deck_carried:
            chains.setdefault(head.deck, head.deck_carried)
    said.extend(write_collection(cursor, unique, deck_ids, chains, notetype_time))
    return mid, deck_ids, said


def _fill(
    connection: sqlite3.Connection,
    heads: Iterable[NoteHead],
    notes: Iterable[RenderedNote],
    note_types: Callable[[NoteKind], NoteType],
    timestamp: int,
    notetype_time: int,
) -> tuple[list[Diagnostic], int]:
    """The collection of ``notes`` (``heads``: the same notes, read before them); the
    diagnostics, and how many cards were written."""
    cursor = connection.cursor()
    mid, deck_ids, said = _start(cursor, heads, note_types, notetype_time)
    cards = _Cards()
    # Every note, then every card: the order of inserts decides the file's bytes.
    for chunk in _chunks(_note_rows(notes, mid, timestamp, deck_ids, cards)):
        cursor.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", chunk)
    for chunk in _chunks(cards.rows(timestamp)):
        cursor.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", chunk)
    connection.commit()
    return said, sum(len(ords) for ords in cards.ords)


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, on every platform, so the bytes do not depend on it
    info.external_attr = 0o644 << 16
    return info


def _zipped(work: Path, database: Path, files: Sequence[tuple[str, bytes]]) -> Path:
    """The package of ``database`` and media ``files``, made in ``work``: deflated, with
    fixed entry times and order, so the same collection gives the same bytes."""
    package = work / "package.apkg"
    with zipfile.ZipFile(package, "w") as archive:
        big = database.stat().st_size >= zipfile.ZIP64_LIMIT
        with (
            database.open("rb") as source,
            archive.open(_zip_entry("collection.anki2"), "w", force_zip64=big) as target,
        ):
            shutil.copyfileobj(source, target, _COPY)
        archive.writestr(
            _zip_entry("media"), json.dumps({str(i): name for i, (name, _) in enumerate(files)})
        )
        for index, (_, content) in enumerate(files):
            archive.writestr(_zip_entry(str(index)), content)
    os.chmod(package, 0o644)
    return package


def _fail(path: Path, exc: OSError | sqlite3.Error) -> WriteError:
    hint = None
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:  # SQLite's words for a full disk ("disk I/O error"), and its code
        code = getattr(exc, "sqlite_errorname", None)
        reason, hint = (f"{exc} ({code})" if code else str(exc)), "is the disk full?"
    diagnostic = Diagnostic(
        SourceLocation(str(path)),
        Severity.ERROR,
        f"cannot write the package: {reason}",
        hint,
        rules.WRITE_FAILED,
    )
    return WriteError(str(diagnostic), [diagnostic])


def write_apkg(
    path: Path,
    notes: Sequence[RenderedNote],
    timestamp: int,
    note_types: Callable[[NoteKind], NoteType] = for_kind,
    media: Sequence[tuple[str, bytes]] = (),
    notetype_time: int | None = None,
) -> list[Diagnostic]:
    """Write ``notes`` and ``media`` (name, content) to the package at ``path``.

    Returns genanki's complaints, if any. Media are stored in the order given (sort them
    for reproducible bytes), as the numbered entries of a legacy package's media map.

    ``timestamp`` (seconds) is the time of the package: the modification time of notes that
    carry none of their own. Anki updates a note it already has only when the package's
    note is newer. ``notetype_time`` is the note types' time (default: ``timestamp``): Anki
    takes a changed note type only when it is newer.
    """
    diagnostics, _ = stream_apkg(
        path, notes, notes, timestamp, note_types, lambda: media, notetype_time
    )
    return diagnostics


def stream_apkg(
    path: Path,
    heads: Iterable[NoteHead],
    notes: Iterable[RenderedNote],
    timestamp: int,
    note_types: Callable[[NoteKind], NoteType] = for_kind,
    media: Callable[[], Sequence[tuple[str, bytes]]] = lambda: (),
    notetype_time: int | None = None,
) -> tuple[list[Diagnostic], int]:
    """:func:`write_apkg` for notes made while they are written: one pass, memory bounded
    by a chunk of rows, not by the deck.

    ``heads`` are the notes before rendering (their kinds, note types, decks), iterated
    first; ``notes`` are rendered as SQLite takes them. ``media`` is called once every note
    is in: it gives the media the notes named, or raises (any exception), and then nothing
    is written: the temporary files are removed and the target is left as it was.
    Returns genanki's complaints and the number of cards written.
    """
    # genanki is loaded here, on the first package written, before the temporary folder is
    # made: the write that follows is then the same however the import went.
    load_genanki()

    work: str | None = None
    try:
        # Ctrl-C or SIGTERM between making the folder and entering this ``try`` would
        # leave the folder behind: they wait for it (raised right after, inside the try).
        with interrupts_deferred():
            check_target(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            work = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        database = Path(work) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            diagnostics, cards = _fill(
                connection, heads, notes, note_types, timestamp, notetype_time or timestamp
            )
        finally:
            connection.close()
        files = media()
        package = _zipped(Path(work), database, files)
        os.replace(package, path)
    except (OSError, sqlite3.Error) as exc:  # SQLite says "disk I/O error" for a full disk
        raise _fail(path, exc) from None
    finally:
        if work is not None:
            with interrupts_deferred():  # a second Ctrl-C leaves no half-removed folder
                shutil.rmtree(work, ignore_errors=True)
    return diagnostics, cards


class StagedPackage:
    """A package written as its notes come, with nothing known of the deck beforehand.

    genanki's part (the schema, the collection's note types and decks) comes first in the
    package's database, and the notes' ids derive from the package's time: neither is known
    before the last note. So the rows go to a temporary database beside the target as the
    notes come (:meth:`add`), their decks and note types noted on the way, and
    :meth:`finish` has genanki write the collection, then copies the rows after it in their
    order (``INSERT … SELECT``, ids computed from the time): the same inserts in the same
    order as :func:`write_apkg`, so the same bytes. Memory holds a chunk of rows, not the
    deck. Use it as a context manager: leaving it without :meth:`finish` (an error, Ctrl-C)
    removes every temporary file, and the target is left as it was.
    """

    def __init__(self, path: Path, note_types: Callable[[NoteKind], NoteType] = for_kind) -> None:
        self.path = path
        self.note_types = note_types
        self.work: Path | None = None
        self.cards = 0
        self._staged: sqlite3.Connection | None = None
        self._kinds: dict[NoteKind, int] = {}
        self._unique: dict[int, tuple[NoteType, bool]] = {}
        self._decks = _DeckIds()
        self._chains: dict[str, tuple[str, ...]] = {}
        self._offset = 0
        self._count = 0
        self._notes: list[tuple[object, ...]] = []
        self._card_rows: list[tuple[object, ...]] = []

    def __enter__(self) -> StagedPackage:
        """Make the temporary folder and database: a :class:`WriteError` if they cannot be."""
        load_genanki()  # before the temporary folder is made

        try:
            # Ctrl-C or SIGTERM while the folder is made wait for it: then this ``try``
            # removes it (and ``with`` calls __exit__ once __enter__ has returned).
            with interrupts_deferred():
                check_target(self.path)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.work = Path(
                    tempfile.mkdtemp(
                        prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
                    )
                )
            self._staged = sqlite3.connect(self.work / "rows.db")
            self._staged.execute("PRAGMA journal_mode = OFF")
            self._staged.execute("PRAGMA synchronous = OFF")
            # Columns without a type keep values as given: the package's columns then apply
            # their own affinity on the copy, as they do on a direct insert.
            self._staged.execute(
                "CREATE TABLE n (off, guid, mid, mod, tags, flds, sfld, csum, flags, data,"
                " src, line)"
            )
            self._staged.execute("CREATE TABLE c (off, note, did, ord)")
            # One cursor for the chunks: a new one a call leaves garbage for the collector.
            self._cursor = self._staged.cursor()
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise _fail(self.path, exc) from None
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def scratch(self) -> Path:
        """The temporary folder beside the target, removed with the package's files."""
        assert self.work is not None
        return self.work

    def add(self, note: RenderedNote, src: int | None = None, line: int | None = None) -> int:
        """Stage ``note``'s row and its cards'; returns its row number (1, 2 …).

        ``src`` and ``line`` say where it was read, for :meth:`located`. A note without
        :attr:`RenderedNote.mod` takes the time :meth:`finish` gives.
        """
        if note.kind is NoteKind.CUSTOM and note.notetype is not None:
            raise ValueError("a note type of a note's own is written by write_apkg")
        mid = self._kinds.get(note.kind)
        if mid is None:
            note_type = self.note_types(note.kind)
            mid = self._kinds[note.kind] = note_type.id
            self._unique.setdefault(mid, (note_type, note.kind is not NoteKind.CUSTOM))
        deck = self._decks.add(note.deck, note.location)
        if note.deck_carried:
            self._chains.setdefault(note.deck, note.deck_carried)
        sort_field = _sort_field(note.fields[note.notetype.sort_field if note.notetype else 0])
        tags = f" {' '.join(note.tags)} " if note.tags else ""
        flags, data = note.columns or (0, "")
        offset = self._offset
        self._count += 1
        row = self._count
        self._notes.append((offset, note.guid, mid, note.mod, tags, "\x1f".join(note.fields),
                            sort_field, _checksum(sort_field), flags, data, src, line))  # fmt: skip
        ords = card_ords(note)
        for number, ord_ in enumerate(ords, 1):
            self._card_rows.append((offset + number, row, deck, ord_))
        self._offset = offset + 1 + len(ords)
        self.cards += len(ords)
        if len(self._notes) >= _CHUNK:
            self._flush()
        return row

    def _flush(self) -> None:
        assert self._staged is not None
        if self._notes:
            self._cursor.executemany("INSERT INTO n VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._notes)
            self._notes = []
        if self._card_rows:
            self._cursor.executemany("INSERT INTO c VALUES (?,?,?,?)", self._card_rows)
            self._card_rows = []

    def retag(self, row: int, tags: Sequence[str]) -> None:
        """Give the staged note of ``row`` these tags instead (a repeat's, merged)."""
        assert self._staged is not None
        self._flush()
        text = f" {' '.join(tags)} " if tags else ""
        self._staged.execute("UPDATE n SET tags = ? WHERE rowid = ?", (text, row))

    def located(self, src: int) -> Iterator[tuple[int, int]]:
        """(line, row) of the notes staged from ``src`` with a line, by line then row."""
        assert self._staged is not None
        self._flush()
        yield from self._staged.execute(
            "SELECT line, rowid FROM n WHERE src = ? AND line IS NOT NULL ORDER BY line, rowid",
            (src,),
        )

    def set_times(self, times: Iterable[tuple[int, int]]) -> None:
        """Give notes their own modification times: (time, row) pairs."""
        assert self._staged is not None
        self._flush()
        self._staged.executemany("UPDATE n SET mod = ? WHERE rowid = ?", times)

    def newest(self, default: int) -> int | None:
        """The newest note time staged (``default`` for notes without one); ``None`` if
        no note is staged."""
        assert self._staged is not None
        self._flush()
        (found,) = self._staged.execute(
            "SELECT max(coalesce(mod, ?)) FROM n", (default,)
        ).fetchone()
        return found if found is None else int(found)

    @property
    def count(self) -> int:
        """How many notes are staged."""
        return self._count

    def finish(
        self,
        timestamp: int,
        default_mod: int,
        notetype_time: int,
        media: Callable[[], Sequence[tuple[str, bytes]]] = lambda: (),
    ) -> list[Diagnostic]:
        """Write the package: ``timestamp`` fixes the ids, ``default_mod`` is the time of
        notes staged without one. ``media`` is called once the collection is written, as by
        :func:`stream_apkg` (it may raise, and then nothing is written). Returns what was
        said (decks that are one to Anki, genanki's complaints)."""
        assert self.work is not None and self._staged is not None
        try:
            self._flush()
            self._staged.commit()
            self._staged.close()
            self._staged = None
            database = self.work / "collection.anki2"
            connection = sqlite3.connect(database)
            try:
                connection.execute("PRAGMA journal_mode = OFF")
                connection.execute("PRAGMA synchronous = OFF")
                connection.execute("ATTACH DATABASE ? AS staged", (str(self.work / "rows.db"),))
                cursor = connection.cursor()
                said = write_collection(
                    cursor, self._unique, self._decks.ids, self._chains, notetype_time
                )
                # Every note, then every card: the order of inserts decides the file's bytes.
                base = timestamp * 1000
                cursor.execute(
                    "INSERT INTO notes SELECT ? + off, guid, mid, coalesce(mod, ?), -1, tags,"
                    " flds, sfld, csum, flags, data FROM staged.n ORDER BY rowid",
                    (base, default_mod),
                )
                cursor.execute(
                    "INSERT INTO cards SELECT ? + c.off, ? + n.off, c.did, c.ord,"
                    " coalesce(n.mod, ?), -1, 0, 0, c.note - 1, 0, 0, 0, 0, 0, 0, 0, 0, ''"
                    " FROM staged.c AS c JOIN staged.n AS n ON n.rowid = c.note"
                    " ORDER BY c.rowid",
                    (base, base, default_mod),
                )
                connection.commit()
                connection.execute("DETACH DATABASE staged")
            finally:
                connection.close()
            (self.work / "rows.db").unlink()
            package = _zipped(self.work, database, media())
            os.replace(package, self.path)
        except (OSError, sqlite3.Error) as exc:  # SQLite says "disk I/O error" for a full disk
            raise _fail(self.path, exc) from None
        finally:
            self.close()
        return [*self._decks.said, *said]

    def close(self) -> None:
        """Remove the temporary files (after :meth:`finish`, only those left)."""
        if self._staged is not None:
            self._staged.close()
            self._staged = None
        if self.work is not None:
            with interrupts_deferred():  # a second Ctrl-C leaves no half-removed folder
                shutil.rmtree(self.work, ignore_errors=True)
            self.work = None
