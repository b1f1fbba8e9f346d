"""Notes that would share a GUID in one package: kept under GUIDs of their own, dropped, or
errors (``--on-duplicate``).

One set of rules, over the notes kept so far: in a list (:func:`drop_duplicates`, for a
build that holds its notes), or with their keys on disk (:class:`DuplicateKeys`, for the
one-pass convert, a chunk of notes at a time).
"""

from __future__ import annotations

import dataclasses
import enum
import marshal
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ankipress import ids, rules
from ankipress.model import Diagnostic, Note, Severity, SourceLocation


class OnDuplicate(enum.Enum):
    """What to do with a second note for the same question in the same deck."""

    AUTO = "auto"
    """Keep a note whose answer differs as a note of its own (a warning): homonyms and
    alternative answers are normal in real decks. Drop an exact repeat (a note)."""
    FIRST = "first"
    """Keep the first note, drop later ones with a warning."""
    LAST = "last"
    """Keep the last note, drop earlier ones with a warning."""
    ERROR = "error"
    """Every repeat is an error."""


def note_key(note: Note) -> str:
    """The GUID a note is written with: its own, or one derived from deck and question."""
    return note.guid if note.guid is not None else ids.note_guid(note.deck, note.question)


def _content(note: Note) -> tuple[str, ...]:
    """What makes two notes of one question the same card: answer and fields, canonical."""
    return (
        ids.canonical_question(note.answer),
        *(ids.canonical_question(value) for value in note.fields),
    )


def _same_question(one: Note, other: Note) -> bool:
    return one.deck == other.deck and ids.canonical_question(
        one.question
    ) == ids.canonical_question(other.question)


def drop_duplicates(
    notes: Sequence[Note], policy: OnDuplicate = OnDuplicate.AUTO
) -> tuple[list[tuple[Note, str]], list[Diagnostic]]:
    """Sort out notes that would share a GUID: kept under GUIDs of their own, dropped, or errors.

    By default (``AUTO``) the same question in the same deck with another answer is a note
    of its own, under :func:`ankipress.ids.duplicate_guid` (a warning names both lines);
    the same question with the same answer is a harmless repeat, dropped with a note (its
    tags, if it has others, go to the note kept). ``FIRST``/``LAST`` keep one note of a
    question, ``ERROR`` refuses every repeat. Notes whose GUIDs collide for any other reason
    (an id given twice in the source) are an error unless they are exact repeats.
    """
    kept = _Listed()
    diagnostics: list[Diagnostic] = []
    for note in notes:
        guid = note_key(note)
        index = kept.by_guid.get(guid)
        if index is None:
            kept.keep(note, guid, guid)
            continue
        earlier = kept.note(index)
        assert earlier is not None
        if policy is OnDuplicate.AUTO or not _same_question(earlier, note):
            _auto(note, guid, earlier, kept.groups.get(guid, [index]), kept, diagnostics)
        elif policy is OnDuplicate.LAST:
            kept.replace(index, note, guid)
            diagnostics.append(
                Diagnostic(
                    earlier.location,
                    Severity.WARNING,
                    f"duplicate card dropped: the question is asked again at {note.location}, "
                    "which is kept (--on-duplicate last)",
                    rule=rules.DUPLICATE_QUESTION,
                )
            )
        else:
            diagnostics.append(_refused_repeat(policy, note, earlier))
    return [entry for entry in kept.entries if entry is not None], diagnostics


class _KeptNotes(Protocol):
    """The notes kept so far, by position, as the rules for duplicates ask for them."""

    def note(self, index: int) -> Note | None:
        """The kept note at ``index``; ``None`` if a later repeat took its place."""
        ...

    def retag(self, index: int, note: Note) -> None:
        """``note`` (the same note with more tags) in place of the one at ``index``."""
        ...

    def taken(self, guid: str) -> bool:
        """Whether a kept note has ``guid``."""
        ...

    def keep(self, note: Note, guid: str, group: str) -> None:
        """Keep ``note`` under ``guid``, one of the notes of the question ``group`` names."""
        ...


class _Listed:
    """:class:`_KeptNotes` in a list (:func:`drop_duplicates`)."""

    def __init__(self) -> None:
        self.entries: list[tuple[Note, str] | None] = []
        self.by_guid: dict[str, int] = {}
        self.groups: dict[str, list[int]] = {}
        """The notes kept for each question (by the GUID of its first note), for AUTO."""

    def note(self, index: int) -> Note | None:
        entry = self.entries[index]
        return None if entry is None else entry[0]

    def retag(self, index: int, note: Note) -> None:
        entry = self.entries[index]
        assert entry is not None
        self.entries[index] = (note, entry[1])

    def taken(self, guid: str) -> bool:
        # Every GUID here is a kept note's: --on-duplicate last moves it to the new note.
        return guid in self.by_guid

    def keep(self, note: Note, guid: str, group: str) -> None:
        self.by_guid[guid] = len(self.entries)
        self.groups.setdefault(group, []).append(len(self.entries))
        self.entries.append((note, guid))

    def replace(self, index: int, note: Note, guid: str) -> None:
        """``note`` kept under ``guid`` at the end instead of the note at ``index``
        (--on-duplicate last)."""
        self.entries[index] = None
        self.by_guid[guid] = len(self.entries)
        self.entries.append((note, guid))


def _refused_repeat(policy: OnDuplicate, note: Note, earlier: Note) -> Diagnostic:
    """What ``ERROR`` or ``FIRST`` says of ``note``, a repeat of the question of ``earlier``."""
    if policy is OnDuplicate.ERROR:
        return Diagnostic(
            note.location,
            Severity.ERROR,
            f"the question is also asked at {earlier.location} (--on-duplicate error)",
            rule=rules.DUPLICATE_QUESTION,
        )
    same = _content(earlier) == _content(note)
    reason = "same question and answer as" if same else "same question as"
    return Diagnostic(
        note.location,
        Severity.WARNING,
        f"duplicate card dropped: {reason} {earlier.location} (--on-duplicate first)",
        rule=rules.DUPLICATE_QUESTION,
    )


def _auto(
    note: Note,
    guid: str,
    earlier: Note,
    group: list[int],
    kept: _KeptNotes,
    diagnostics: list[Diagnostic],
) -> None:
    """The ``AUTO`` policy for ``note``, whose GUID ``guid`` an earlier note has already;
    ``group``: the positions of the notes kept for its question."""
    content = _content(note)
    for index in group:
        same = kept.note(index)
        if same is None:  # dropped by --on-duplicate last
            continue
        if _same_question(same, note) and _content(same) == content:
            message = f"exact repeat dropped: same question and answer as {same.location}"
            extra = [tag for tag in note.tags if tag not in same.tags]
            if extra:
                kept.retag(index, dataclasses.replace(same, tags=(*same.tags, *extra)))
                message += f"; its tags {' '.join(extra)} are added there"
            diagnostics.append(
                Diagnostic(note.location, Severity.NOTE, message, rule=rules.DUPLICATE_QUESTION)
            )
            return
    if note.guid is not None or not _same_question(earlier, note):
        diagnostics.append(
            Diagnostic(
                note.location,
                Severity.ERROR,
                f"this note's id {guid!r} is also used at {earlier.location}",
                "give each note its own id",
                rules.DUPLICATE_ID,
            )
        )
        return
    answer = note.fields[1:] if note.fields else (note.answer,)
    own = ids.duplicate_guid(note.deck, note.question, *answer)
    # A source's own id equal to this hash: not in this universe, but not silent.
    if kept.taken(own):
        diagnostics.append(
            Diagnostic(
                note.location,
                Severity.ERROR,
                f"the GUID {own!r} is taken twice",
                rule=rules.DUPLICATE_ID,
            )
        )
        return
    kept.keep(note, own, guid)
    diagnostics.append(
        Diagnostic(
            note.location,
            Severity.WARNING,
            f"the question is also asked at {earlier.location} with a different answer; "
            "both are kept, as two notes",
            "if they are one card, merge them; --on-duplicate first|last keeps one",
            rules.DUPLICATE_QUESTION,
        )
    )


class DuplicateKeys:
    """:func:`drop_duplicates` for notes that come a chunk at a time: the same decisions and
    diagnostics, in the same order, holding the kept notes' keys in a SQLite database at
    ``database``, not the notes (memory holds a chunk).

    For each kept note the database keeps its GUID and what a later repeat is compared
    with or told (deck, question, answer, fields, tags, location). ``LAST`` is not taken:
    it moves a kept note to where its repeat is, which needs every note (use
    :func:`drop_duplicates`).
    """

    def __init__(self, database: Path, policy: OnDuplicate = OnDuplicate.AUTO) -> None:
        if policy is OnDuplicate.LAST:
            raise ValueError("--on-duplicate last needs every note: use drop_duplicates")
        self.policy = policy
        self.diagnostics: list[Diagnostic] = []
        self.kept = 0
        """How many notes were kept so far."""
        self.seen = 0
        """How many notes were sifted so far."""
        # Groups of more than the first note of a question (AUTO): its GUID → the other
        # notes kept for it. Few: each one is a warning.
        self._extras: dict[str, list[int]] = {}
        import sqlite3  # loaded for a one-pass build, not by every command

        self._db = sqlite3.connect(database)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        # Each kept note's GUID, and the rest in one value (marshal's: one parameter to bind,
        # not ten, for every note): group, deck, question, answer, fields, path, line,
        # column, tags, the GUID the source gave.
        self._db.execute("CREATE TABLE k (guid, detail)")
        self._db.execute("CREATE UNIQUE INDEX k_guid ON k (guid)")
        # One cursor for the chunks: a new one a call leaves garbage for the collector.
        self._cursor = self._db.cursor()
        # The chunk being sifted: its kept notes by position ([note, guid, group]), by GUID.
        self._pending: dict[int, list[Any]] = {}
        self._pending_guids: dict[str, int] = {}
        self._found: dict[str, int] = {}
        # Notes of earlier chunks that took a repeat's tags in the chunk being sifted.
        self._retagged: dict[int, Note] = {}

    def close(self) -> None:
        """Close the database (the caller removes its file)."""
        self._db.close()

    def sift(
        self, notes: Sequence[Note]
    ) -> tuple[list[tuple[Note, str]], list[tuple[int, tuple[str, ...]]]]:
        """The notes of ``notes`` kept, with their GUIDs, in order; and the new tags of
        notes of earlier chunks that took a repeat's, by position among the kept notes."""
        keys = [note_key(note) for note in notes]
        self.seen += len(notes)
        self._found = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT guid, rowid - 1 FROM k WHERE guid IN ({marks})"
            self._found.update(self._cursor.execute(query, part).fetchall())
        first = self.kept
        retagged: dict[int, Note] = {}
        self._retagged = retagged
        for note, guid in zip(notes, keys, strict=True):
            self._sift(note, guid)
        entries = [self._pending[position] for position in range(first, self.kept)]
        kept = [(entry[0], entry[1]) for entry in entries]
        self._cursor.executemany(
            "INSERT INTO k VALUES (?,?)", [self._record(entry) for entry in entries]
        )
        for position, note in retagged.items():
            _, detail = self._db.execute(
                "SELECT guid, detail FROM k WHERE rowid = ?", (position + 1,)
            ).fetchone()
            kept_detail = list(marshal.loads(detail))
            kept_detail[8] = note.tags
            self._db.execute(
                "UPDATE k SET detail = ? WHERE rowid = ?",
                (marshal.dumps(tuple(kept_detail)), position + 1),
            )
        self._pending = {}
        self._pending_guids = {}
        assert len(kept) == self.kept - first
        return kept, [(position, note.tags) for position, note in sorted(retagged.items())]

    @staticmethod
    def _record(entry: list[Any]) -> tuple[str, bytes]:
        note, guid, group = entry
        where = note.location
        return guid, marshal.dumps((group, note.deck, note.question, note.answer, note.fields,
                                    where.path, where.line, where.column, note.tags,
                                    note.guid))  # fmt: skip

    def _position(self, guid: str) -> int | None:
        found = self._pending_guids.get(guid)
        return found if found is not None else self._found.get(guid)

    def taken(self, guid: str) -> bool:
        """Whether a kept note has ``guid`` (:class:`_KeptNotes`)."""
        if guid in self._pending_guids or guid in self._found:
            return True
        row = self._db.execute("SELECT 1 FROM k WHERE guid = ?", (guid,)).fetchone()
        return row is not None

    def note(self, index: int) -> Note:
        """The kept note at ``index`` (:class:`_KeptNotes`)."""
        return self._entry(index)[0]

    def retag(self, index: int, note: Note) -> None:
        """``note`` in place of the kept note at ``index`` (:class:`_KeptNotes`): in the
        chunk being sifted, or staged already (its row then takes the new tags)."""
        pending = self._pending.get(index)
        if pending is not None:
            pending[0] = note
        else:
            self._retagged[index] = note

    def _entry(self, position: int) -> tuple[Note, str, str]:
        pending = self._pending.get(position)
        if pending is not None:
            return pending[0], pending[1], pending[2]
        guid, detail = self._db.execute(
            "SELECT guid, detail FROM k WHERE rowid = ?", (position + 1,)
        ).fetchone()
        group, deck, question, answer, fields, path, line, col, tags, given = marshal.loads(detail)
        note = Note(
            question, answer, deck, SourceLocation(path, line, col), tags, given, fields=fields
        )
        if position in self._retagged:
            note = self._retagged[position]
        return note, guid, group

    def keep(self, note: Note, guid: str, group: str) -> None:
        """Keep ``note`` under ``guid`` (:class:`_KeptNotes`)."""
        position = self.kept
        self.kept += 1
        self._pending[position] = [note, guid, group]
        self._pending_guids[guid] = position
        if group != guid:
            self._extras.setdefault(group, []).append(position)

    def _group(self, guid: str, index: int, group: str) -> list[int]:
        """The positions ``drop_duplicates`` keeps for the question of ``guid``."""
        extras = self._extras.get(guid, [])
        if group == guid:
            return [index, *extras]
        return extras or [index]

    def _sift(self, note: Note, guid: str) -> None:
        index = self._position(guid)
        if index is None:
            self.keep(note, guid, guid)
            return
        earlier, _, earlier_group = self._entry(index)
        if self.policy is OnDuplicate.AUTO or not _same_question(earlier, note):
            group = self._group(guid, index, earlier_group)
            _auto(note, guid, earlier, group, self, self.diagnostics)
        else:
            self.diagnostics.append(_refused_repeat(self.policy, note, earlier))
