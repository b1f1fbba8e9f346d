"""How each note of a build finds its GUID in the lock file (:mod:`ankipress.building.lock`).

In order (:func:`assign`), each step only between notes and records that earlier steps left
unmatched, and only where the pairing is *mutually unique*
(the one record that fits the note, and the one note that fits the record: two notes that
could each be the same record match neither, and get new ids):

1. **An id of its own** (a package's, a Markdown ``<!-- guid: -->``): kept, always.
2. **Same deck and question** as a record (removed ones included: a note that comes back
   is the note Anki still has): that record's GUID. This is every unedited note, and every
   note whose answer was edited. A question asked by several notes of a deck (homonyms,
   whose GUIDs are told apart by their answers: :func:`ankipress.ids.duplicate_guid`) is
   matched by deck, question and answer first, then by the GUID the note has without the
   lock, then by deck and question where one note and one record are left.
3. **Moved**: same question *and* same answer as a record that vanished from its file and
   deck (a file moved or renamed, a deck renamed). Several candidates: those of the same file.
4. **Edited question**, in the same file and deck as the vanished record (or in the file and
   deck that the record's unedited neighbours moved to, all of them to the same one):

   a. the same answer, where that answer is given by no other note of the file and deck,
      before or after; or
   b. the same place, a similar question: between the same two matched neighbours, and a
      question at least 85% alike (:class:`difflib.SequenceMatcher`), clearly the closest
      for both (the next candidate 5 points behind at least); not where more than 20 notes
      vanished or came between the same neighbours (a rewrite, not edits).

5. Anything else is a new note: the GUID derived from its deck and question, or, when a
   record holds that GUID for another question, one derived with a counter.

A swapped pair of cards is matched by step 2; two edits at once in one place by 4b only where
each question is clearly the closest to its old self; a question and its answer both
rewritten, or a card replaced by another, becomes a new note. Every match is reported (an
``info`` line naming the record it took its GUID from), and ``ankipress check`` shows them
before a build. Records that no note matched stay in the file as ``removed``, so that a
release can list them (Anki never deletes notes on import) and their GUIDs are never given
to another note.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ankipress import ids, rules
from ankipress.building.lock import Lock, NoteKey, Record, damaged, record_order
from ankipress.model import Diagnostic, Severity

__all__ = ["Assignment", "assign"]

SIMILAR = 0.85
"""How alike an edited question must be to its old self (step 4b)."""
MARGIN = 0.05
"""How far ahead of the next candidate the closest one must be (step 4b)."""
CROWD = 20
"""More notes than this vanished, or new, between two neighbours: no step 4b there."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """What the lock decided for a build: GUIDs, the new records, and what it says."""

    guids: dict[str, str]
    """Natural GUID → the GUID to write, for every note whose GUID the lock changes."""
    records: tuple[Record, ...]
    """The lock file's records after this build."""
    diagnostics: dict[str, list[Diagnostic]]
    """Natural GUID → what is said about that note (matches)."""
    removed: tuple[Record, ...]
    """Records of notes that vanished from the sources in this build."""
    general: tuple[Diagnostic, ...]
    """What is said about the lock as a whole (notes removed, before and now)."""


@dataclass
class _Unit:
    key: NoteKey
    places: list[tuple[str, int]]
    guid: str | None = None
    record: Record | None = None


def _between(sequence: Sequence[tuple[str | None, int]]) -> dict[int, tuple[str, str]]:
    """For each item without a GUID: the GUIDs of the nearest items with one, before and after."""
    found: dict[int, tuple[str, str]] = {}
    before = "<start>"
    for guid, ident in sequence:
        if guid is None:
            found[ident] = (before, "")
        else:
            before = guid
    after = "<end>"
    for guid, ident in reversed(sequence):
        if guid is None:
            found[ident] = (found[ident][0], after)
        else:
            after = guid
    return found


def _excerpt(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold(), autojunk=False).ratio()


class _Matcher:
    def __init__(self, lock: Lock, keys: Sequence[NoteKey], carried_files: Iterable[str]) -> None:
        self.lock = lock
        carried = set(carried_files)
        self.carried = [r for r in lock.records if r.file in carried and not r.removed]
        self.pool = [r for r in lock.records if not (r.file in carried and not r.removed)]
        self.units: list[_Unit] = []
        by_natural: dict[str, _Unit] = {}
        counts: Counter[str] = Counter()
        for key in keys:
            counts[key.file] += 1
            unit = by_natural.get(key.natural)
            if unit is None:
                unit = by_natural[key.natural] = _Unit(key, [])
                self.units.append(unit)
            if key.file not in (file for file, _ in unit.places):
                unit.places.append((key.file, counts[key.file]))
        self.used: set[int] = set()  # ids of records matched
        self.taken: set[str] = set()  # GUIDs given to notes
        self.messages: dict[str, list[Diagnostic]] = defaultdict(list)

    # helpers

    def _take(self, unit: _Unit, record: Record) -> None:
        unit.guid = record.guid
        unit.record = record
        self.used.add(id(record))
        self.taken.add(record.guid)

    def _vanished(self) -> list[Record]:
        return [r for r in self.pool if not r.removed and self._free(r)]

    def _open_units(self) -> list[_Unit]:
        return [u for u in self.units if u.guid is None]

    def _mutual(
        self, units: Sequence[_Unit], fits: Mapping[int, list[Record]]
    ) -> list[tuple[_Unit, Record]]:
        """Pairs where the unit has one candidate and the record no other unit."""
        claims: Counter[int] = Counter(id(r) for u in units for r in fits.get(id(u), []))
        pairs = []
        for unit in units:
            candidates = fits.get(id(unit), [])
            if len(candidates) == 1 and claims[id(candidates[0])] == 1:
                pairs.append((unit, candidates[0]))
        return pairs

    # the steps

    def run(self) -> None:
        # 1. Ids of their own.
        by_guid = {r.guid: r for r in [*self.carried, *self.pool]}
        for unit in self.units:
            if unit.key.given:
                unit.guid = unit.key.natural
                self.taken.add(unit.guid)
                record = by_guid.get(unit.guid)
                if record is not None:
                    unit.record = record
                    self.used.add(id(record))
        # 2. Same deck and question.
        self._same_question()
        if not self._vanished():
            return  # nothing left to match (every build without edits)
        # 3. Moved: same question and answer.
        self._moved()
        # 4. Edited questions, in the file and deck they were in (or moved to).
        counterparts = self._counterparts()
        self._same_answer(counterparts)
        self._same_place(counterparts)

    def _free(self, record: Record) -> bool:
        return id(record) not in self.used and record.guid not in self.taken

    def _pair_by(
        self,
        record_key: Callable[[Record], tuple[str, ...]],
        unit_key: Callable[[_Unit], tuple[str, ...]],
    ) -> None:
        """Pair open notes and free records of one key, where the key has one of each."""
        records: dict[tuple[str, ...], dict[str, Record]] = defaultdict(dict)
        for record in [*self.carried, *self.pool]:
            if self._free(record):
                records[record_key(record)].setdefault(record.guid, record)
        units: dict[tuple[str, ...], list[_Unit]] = defaultdict(list)
        for unit in self._open_units():
            if not unit.key.given:
                units[unit_key(unit)].append(unit)
        for key, group in units.items():
            found = records.get(key, {})
            if len(group) == 1 and len(found) == 1:
                self._take(group[0], next(iter(found.values())))

    def _same_question(self) -> None:
        """Step 2: the same deck and question (homonyms told apart by their answers)."""
        self._pair_by(
            lambda r: (r.deck, r.question, r.answer),
            lambda u: (u.key.deck, u.key.question, u.key.answer),
        )
        by_guid: dict[str, Record] = {}
        for record in [*self.carried, *self.pool]:
            by_guid.setdefault(record.guid, record)
        for unit in self._open_units():
            same = by_guid.get(unit.key.natural)
            if (
                same is not None
                and not unit.key.given
                and self._free(same)
                and (same.deck, same.question) == (unit.key.deck, unit.key.question)
            ):
                self._take(unit, same)
        self._pair_by(lambda r: (r.deck, r.question), lambda u: (u.key.deck, u.key.question))

    def _moved(self) -> None:
        vanished = self._vanished()
        by_text: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in vanished:
            by_text[(record.question, record.answer)].append(record)
        units = self._open_units()
        fits: dict[int, list[Record]] = {}
        for unit in units:
            candidates = by_text.get((unit.key.question, unit.key.answer), [])
            if len(candidates) > 1:
                candidates = [r for r in candidates if r.file == unit.key.file]
            fits[id(unit)] = candidates
        groups: dict[tuple[str, str, str, str], list[_Unit]] = defaultdict(list)
        for unit, record in self._mutual(units, fits):
            self._take(unit, record)
            groups[(record.file, record.deck, unit.key.file, unit.key.deck)].append(unit)
        for (old_file, old_deck, new_file, new_deck), moved in groups.items():
            first = moved[0]
            count = len(moved)
            others = "1 other" if count == 2 else f"{count - 1} others"
            what = "this note" if count == 1 else f"this note and {others}"
            changes = []
            if old_file != new_file:
                changes.append(f"from {old_file}")
            if old_deck != new_deck:
                changes.append(f"from the deck {old_deck!r}")
            hint = (
                f"Anki keeps the cards it has in {old_deck!r}: it never moves cards on import"
                if old_deck != new_deck
                else None
            )
            assert first.record is not None
            self.messages[first.key.natural].append(
                Diagnostic(
                    first.key.location,
                    Severity.INFO,
                    f"{what} moved {' and '.join(changes)}: "
                    f"{'it keeps its id' if count == 1 else 'they keep their ids'} "
                    f"({self.lock.location(first.record)})",
                    hint,
                    rules.LOCK_FILE,
                )
            )

    def _counterparts(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(file, deck) of the records → (file, deck) their matched notes all went to."""
        seen: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        for unit in self.units:
            record = unit.record
            if record is not None and not unit.key.given and not record.removed:
                seen[(record.file, record.deck)].add((unit.key.file, unit.key.deck))
        return {old: next(iter(new)) for old, new in seen.items() if len(new) == 1}

    def _home(
        self, record: Record, counterparts: Mapping[tuple[str, str], tuple[str, str]]
    ) -> set[tuple[str, str]]:
        own = (record.file, record.deck)
        return {own, counterparts.get(own, own)}

    def _candidates(
        self, counterparts: Mapping[tuple[str, str], tuple[str, str]]
    ) -> tuple[list[_Unit], dict[int, list[Record]]]:
        units = [u for u in self._open_units() if not u.key.given]
        homes: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for record in self._vanished():
            for home in self._home(record, counterparts):
                homes[home].append(record)
        return units, {id(u): homes.get((u.key.file, u.key.deck), []) for u in units}

    def _same_answer(self, counterparts: Mapping[tuple[str, str], tuple[str, str]]) -> None:
        units, fits = self._candidates(counterparts)
        old_answers: Counter[tuple[str, str, str]] = Counter(
            (r.file, r.deck, r.answer) for r in self.pool if not r.removed
        )
        new_answers: Counter[tuple[str, str, str]] = Counter(
            (u.key.file, u.key.deck, u.key.answer) for u in self.units
        )
        narrowed = {}
        for unit in units:
            answer = unit.key.answer
            unique_new = new_answers[(unit.key.file, unit.key.deck, answer)] == 1
            narrowed[id(unit)] = [
                r
                for r in fits[id(unit)]
                if answer
                and r.answer == answer
                and unique_new
                and old_answers[(r.file, r.deck, r.answer)] == 1
            ]
        for unit, record in self._mutual(units, narrowed):
            self._take(unit, record)
            self._edited(unit, record, "the same answer")

    def _gaps(self) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]:
        """Each open note's and vanished record's place: between which matched neighbours."""
        assigned = {u.guid for u in self.units if u.guid is not None}
        by_file: dict[str, list[tuple[int, _Unit]]] = defaultdict(list)
        for unit in self.units:
            for file, place in unit.places[:1]:
                by_file[file].append((place, unit))
        unit_gap: dict[int, tuple[str, str]] = {}
        for entries in by_file.values():
            entries.sort(key=lambda entry: entry[0])
            unit_gap.update(_between([(u.guid, id(u)) for _, u in entries]))
        old_by_file: dict[str, list[Record]] = defaultdict(list)
        for record in self.pool:
            if not record.removed:
                old_by_file[record.file].append(record)
        record_gap: dict[int, tuple[str, str]] = {}
        for records in old_by_file.values():
            records.sort(key=lambda r: r.position or 0)
            sequence = [(r.guid if r.guid in assigned else None, id(r)) for r in records]
            record_gap.update(_between(sequence))
        return unit_gap, record_gap

    def _same_place(self, counterparts: Mapping[tuple[str, str], tuple[str, str]]) -> None:
        units, fits = self._candidates(counterparts)
        unit_gap, record_gap = self._gaps()
        scores: dict[tuple[int, int], float] = {}
        by_unit: dict[int, list[Record]] = {}
        by_record: dict[int, list[_Unit]] = defaultdict(list)
        crowd_new: Counter[tuple[str, str]] = Counter(unit_gap.values())
        crowd_old: Counter[tuple[str, str]] = Counter(record_gap.values())
        for unit in units:
            gap = unit_gap.get(id(unit))
            # Many notes gone and many new in one place is a rewrite, not edits: no guessing.
            if gap is None or crowd_new[gap] > CROWD or crowd_old[gap] > CROWD:
                by_unit[id(unit)] = []
                continue
            same = [r for r in fits[id(unit)] if record_gap.get(id(r)) == gap]
            by_unit[id(unit)] = same
            for record in same:
                scores[(id(unit), id(record))] = _similarity(unit.key.question, record.question)
                by_record[id(record)].append(unit)

        def clear_best(values: list[tuple[float, int]]) -> int | None:
            ranked = sorted(values, reverse=True)
            if not ranked or ranked[0][0] < SIMILAR:
                return None
            if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MARGIN:
                return None
            return ranked[0][1]

        for unit in units:
            records = by_unit[id(unit)]
            best = clear_best(
                [(scores[(id(unit), id(r))], index) for index, r in enumerate(records)]
            )
            if best is None:
                continue
            record = records[best]
            rivals = by_record[id(record)]
            back = clear_best(
                [(scores[(id(u), id(record))], index) for index, u in enumerate(rivals)]
            )
            if back is None or rivals[back] is not unit:
                continue
            self._take(unit, record)
            self._edited(unit, record, "the same place, a similar question")

    def _edited(self, unit: _Unit, record: Record, how: str) -> None:
        self.messages[unit.key.natural].append(
            Diagnostic(
                unit.key.location,
                Severity.INFO,
                f"the question changed (it was {_excerpt(record.question)!r}): the note keeps "
                f"its id, matched by {how} ({self.lock.location(record)})",
                rule=rules.LOCK_FILE,
            )
        )

    # the result

    def result(self) -> Assignment:
        taken = {r.guid for r in [*self.carried, *self.pool]}
        assigned: set[str] = {u.guid for u in self.units if u.guid is not None}
        for unit in self.units:
            if unit.guid is not None:
                continue
            guid, counter = unit.key.natural, 0
            while guid in taken or guid in assigned:
                counter += 1
                guid = ids.note_guid(unit.key.deck, unit.key.question, counter)
            unit.guid = guid
            assigned.add(guid)
        records: dict[tuple[str, str], Record] = {}
        for record in self.carried:
            records[(record.file, record.guid)] = record
        for unit in self.units:
            assert unit.guid is not None
            for file, place in unit.places:
                records[(file, unit.guid)] = Record(
                    file, place, unit.key.deck, unit.guid, unit.key.answer, unit.key.question
                )
        live = {guid for _, guid in records}
        removed_now = []
        for record in self.pool:
            if record.guid in live or id(record) in self.used:
                continue
            if not record.removed:
                removed_now.append(record)
            gone = Record(
                record.file, None, record.deck, record.guid, record.answer, record.question
            )
            records.setdefault((record.file, record.guid), gone)
        guids = {u.key.natural: u.guid for u in self.units if u.guid != u.key.natural}
        return Assignment(
            {k: v for k, v in guids.items() if v is not None},
            tuple(sorted(records.values(), key=record_order)),
            dict(self.messages),
            tuple(removed_now),
            tuple(self._removed_diagnostics(removed_now)),
        )

    def _removed_diagnostics(self, removed_now: Sequence[Record]) -> list[Diagnostic]:
        said: list[Diagnostic] = []
        by_file: dict[str, list[Record]] = defaultdict(list)
        for record in removed_now:
            by_file[record.file].append(record)
        for file, gone in by_file.items():
            listed = ", ".join(repr(_excerpt(r.question, 40)) for r in gone[:5])
            more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
            count = "1 note" if len(gone) == 1 else f"{len(gone)} notes"
            said.append(
                Diagnostic(
                    self.lock.location(gone[0]),
                    Severity.INFO,
                    f"{count} of {file} no longer in the sources: {listed}{more}",
                    "Anki never deletes notes on import: tell your users to delete them "
                    "(--report lists their ids)",
                    rules.LOCK_FILE,
                )
            )
        now = {id(r) for r in removed_now}
        for record in self.pool:
            if id(record) in self.used:
                continue
            state = "removed in this build" if id(record) in now else "removed earlier"
            if record.removed or id(record) in now:
                said.append(
                    Diagnostic(
                        self.lock.location(record),
                        Severity.NOTE,
                        f"{state}: {_excerpt(record.question)!r} in the deck {record.deck!r} "
                        f"(GUID {record.guid})",
                        rule=rules.LOCK_FILE,
                    )
                )
        return said


def assign(lock: Lock, keys: Sequence[NoteKey], carried_files: Iterable[str] = ()) -> Assignment:
    """The GUID of each note of a build, by the rules of this module's docstring.

    ``keys`` are the notes of every package being built, in order; ``carried_files`` are the
    files of packages not rebuilt, whose records are kept as they are. A lock file none of
    whose notes is among ``keys`` is an :class:`InputError`: it is not these sources' lock.
    """
    matcher = _Matcher(lock, keys, carried_files)
    matcher.run()
    live = [r for r in matcher.pool if not r.removed]
    known = matcher.carried or any(u.record is not None for u in matcher.units)
    if keys and live and not known:
        # Not one note of the build is one the lock knows: another project's lock file, or
        # sources run from another folder. Going on would mark every recorded note removed.
        raise damaged(
            lock.path,
            None,
            f"the lock file does not match these sources: none of its {len(live)} notes is "
            "among them",
            "is it this project's lock file? Build from the folder it was made in, or delete "
            "it to start afresh (the notes get new ids)",
        )
    return matcher.result()
