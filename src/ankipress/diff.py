"""What changed between two releases of a deck: notes added, removed and changed, by GUID.

Either side may be a package (``.apkg``), a source file or a folder of them; each is read as
a build would read it, so a source and the package built from it have no differences.

The release guard (:func:`guard`) names what would hurt the users who import the new
release over the old one (Anki matches notes by GUID only and never deletes on import):

- ``removed``: a note of the old release that the new one lacks, neither by GUID nor
  re-keyed: it stays in every user's collection.
- ``guid-changed`` (re-keyed): a note of the old release missing from the new one by GUID,
  matched to a note of the new release missing from the old one by GUID, under the same note
  type and, in this order, (1) all fields the same (the deck may differ: a renamed deck),
  (2) the same deck and the same question (first field, as text), or (3) the same deck and
  the same answer (every other field, as text, not all empty). A match counts only when its
  key is unique on both sides (twenty notes answered "True" match nothing). Every user would
  get the note twice: the old one is kept, the new one added.
- ``notetype-changed``: a note type of one id on both sides whose field names or card
  template names differ (Anki adds the new one as ``Name+`` and skips its notes as
  conflicting: a fork), or a note whose GUID stays but whose note type id changes (Anki skips
  it as conflicting).
"""

from __future__ import annotations

import enum
import html
import re
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ankipress import notetypes, rules
from ankipress.errors import UsageError
from ankipress.model import Diagnostic, NoteKind, NoteType, RenderedNote, Severity
from ankipress.textscan import sub_before_last

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class NoteChange:
    """A note on both sides that differs: which fields, and its tags and deck before and after."""

    guid: str
    label: str
    """The note's first field as text, to name it to a person."""
    fields: tuple[int, ...]
    """Positions (0-based) of the fields that differ."""
    old: RenderedNote
    new: RenderedNote


@dataclass(frozen=True, slots=True)
class Rekeyed:
    """A note of the old release found in the new one under another GUID."""

    old: RenderedNote
    new: RenderedNote
    matched_by: str
    """How they were matched: ``same fields``, ``same question`` or ``same answer``."""


@dataclass(frozen=True, slots=True)
class NotetypeChange:
    """A note type whose fields or card templates changed under the same id (a fork), or a
    note whose note type changed under the same GUID (``guid`` set)."""

    old: NoteType
    new: NoteType
    where: RenderedNote
    """The first note of the new release with that note type (or the switched note)."""
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class DeckDiff:
    """The differences between an old and a new version of a deck.

    ``added`` and ``removed`` leave out the notes that are :attr:`rekeyed`."""

    added: tuple[RenderedNote, ...]
    removed: tuple[RenderedNote, ...]
    changed: tuple[NoteChange, ...]
    media_added: tuple[str, ...] = field(default=())
    media_removed: tuple[str, ...] = field(default=())
    rekeyed: tuple[Rekeyed, ...] = field(default=())
    notetypes: tuple[NotetypeChange, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """True when both sides hold the same notes and media."""
        return not (
            self.added
            or self.removed
            or self.changed
            or self.media_added
            or self.media_removed
            or self.rekeyed
            or self.notetypes
        )


class Guard(enum.Enum):
    """What ``diff --fail-on`` can refuse."""

    REMOVED = "removed"
    GUID_CHANGED = "guid-changed"
    NOTETYPE_CHANGED = "notetype-changed"


def parse_fail_on(text: str) -> frozenset[Guard]:
    """``removed,guid-changed`` as guards; :class:`UsageError` naming the valid ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    valid = ", ".join(guard.value for guard in Guard)
    if not names:
        raise UsageError(f"--fail-on needs one or more of {valid}, comma-separated")
    chosen = set()
    for name in names:
        try:
            chosen.add(Guard(name.lower()))
        except ValueError:
            raise UsageError(f"--fail-on: unknown {name!r}; choose from {valid}") from None
    return frozenset(chosen)


def _text(value: str) -> str:
    """A field as the text a person reads: no tags, entities resolved, spaces collapsed."""
    return " ".join(html.unescape(sub_before_last(_TAG, " ", value, ">")).split())


def label(note: RenderedNote) -> str:
    """A note's first field as one line of text, shortened."""
    text = _text(note.fields[0] if note.fields else "")
    return text if len(text) <= 70 else text[:67] + "..."


def notetype_of(note: RenderedNote, template: NoteType | None = None) -> NoteType:
    """The note type a note is written with (``template``: the user's, for basic notes)."""
    if note.notetype is not None:
        return note.notetype
    if template is not None and note.kind is NoteKind.BASIC:
        return template
    return notetypes.for_kind(note.kind)


def _rekeyed(
    gone: list[RenderedNote], new: list[RenderedNote], type_id: Callable[[RenderedNote, int], int]
) -> list[Rekeyed]:
    """Pairs of an old note missing by GUID and a new one missing by GUID, as documented."""

    def same_fields(note: RenderedNote, side: int) -> Hashable:
        return (type_id(note, side), note.fields)

    def same_question(note: RenderedNote, side: int) -> Hashable:
        question = _text(note.fields[0]) if note.fields else ""
        return (type_id(note, side), note.deck, question) if question else None

    def same_answer(note: RenderedNote, side: int) -> Hashable:
        answer = tuple(_text(value) for value in note.fields[1:])
        return (type_id(note, side), note.deck, answer) if any(answer) else None

    pairs: list[Rekeyed] = []
    rules: tuple[tuple[str, Callable[[RenderedNote, int], Hashable]], ...] = (
        ("same fields", same_fields),
        ("same question", same_question),
        ("same answer", same_answer),
    )
    for name, key in rules:
        old_keys = [key(note, 0) for note in gone]
        new_keys = [key(note, 1) for note in new]
        old_count, new_count = Counter(old_keys), Counter(new_keys)
        unique = {k for k in old_count if k is not None and old_count[k] == new_count[k] == 1}
        if not unique:
            continue
        found = {k: note for k, note in zip(new_keys, new, strict=True) if k in unique}
        matched = {id(found[k]) for k in old_keys if k in unique}
        pairs.extend(
            Rekeyed(note, found[k], name)
            for k, note in zip(old_keys, gone, strict=True)
            if k in unique
        )
        gone = [note for k, note in zip(old_keys, gone, strict=True) if k not in unique]
        new = [note for note in new if id(note) not in matched]
    return pairs


def _shape(notetype: NoteType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return notetype.fields, tuple(template[0] for template in notetype.templates)


def diff_notes(
    old: Sequence[RenderedNote],
    new: Sequence[RenderedNote],
    old_media: Sequence[str] = (),
    new_media: Sequence[str] = (),
    old_template: NoteType | None = None,
    new_template: NoteType | None = None,
) -> DeckDiff:
    """Compare two sets of notes by GUID, field by field, with their tags and decks.

    Notes missing by GUID on one side are matched as re-keyed where they can be, and note
    types are compared by id (``old_template``/``new_template``: each side's ``--template``
    note type for basic notes).
    """
    templates = (old_template, new_template)
    ours: dict[tuple[int, NoteKind], NoteType] = {}  # built once, not once per note

    def type_of(note: RenderedNote, side: int) -> NoteType:
        if note.notetype is not None:
            return note.notetype
        key = (side, note.kind)
        if key not in ours:
            ours[key] = notetype_of(note, templates[side])
        return ours[key]

    known: dict[int, int] = {}  # a note type's id is a hash: computed once per note type

    def type_id(note: RenderedNote, side: int) -> int:
        kind = type_of(note, side)
        found = known.get(id(kind))
        if found is None:
            found = known[id(kind)] = kind.id
        return found

    before = {note.guid: note for note in old}
    after = {note.guid: note for note in new}
    rekeyed = _rekeyed(
        [note for guid, note in before.items() if guid not in after],
        [note for guid, note in after.items() if guid not in before],
        type_id,
    )
    rekeyed_old = {pair.old.guid for pair in rekeyed}
    rekeyed_new = {pair.new.guid for pair in rekeyed}
    old_types: dict[int, NoteType] = {}
    for note in before.values():
        old_types.setdefault(type_id(note, 0), type_of(note, 0))
    forks: list[NotetypeChange] = []
    seen: set[int] = set()
    for note in after.values():
        kind, kind_id = type_of(note, 1), type_id(note, 1)
        earlier_type = old_types.get(kind_id)
        if kind_id in seen or earlier_type is None:
            continue
        seen.add(kind_id)
        if _shape(earlier_type) != _shape(kind):
            forks.append(NotetypeChange(earlier_type, kind, note))
    changed = []
    for guid, note in after.items():
        earlier = before.get(guid)
        if earlier is None:
            continue
        width = max(len(earlier.fields), len(note.fields))
        fields = tuple(
            i
            for i in range(width)
            if (earlier.fields[i] if i < len(earlier.fields) else None)
            != (note.fields[i] if i < len(note.fields) else None)
        )
        moved = earlier.deck != note.deck or sorted(earlier.tags) != sorted(note.tags)
        if fields or moved or earlier.kind is not note.kind:
            changed.append(NoteChange(guid, label(note), fields, earlier, note))
        if type_id(earlier, 0) != type_id(note, 1):
            forks.append(NotetypeChange(type_of(earlier, 0), type_of(note, 1), note, guid))
    return DeckDiff(
        added=tuple(
            note for guid, note in after.items() if guid not in before and guid not in rekeyed_new
        ),
        removed=tuple(
            note for guid, note in before.items() if guid not in after and guid not in rekeyed_old
        ),
        changed=tuple(changed),
        media_added=tuple(sorted(set(new_media) - set(old_media))),
        media_removed=tuple(sorted(set(old_media) - set(new_media))),
        rekeyed=tuple(rekeyed),
        notetypes=tuple(forks),
    )


def _names(values: Sequence[str]) -> str:
    return "(" + ", ".join(values) + ")"


def _notetype_what(change: NotetypeChange) -> str:
    """What changed of a note type, in words."""
    if change.guid is not None:
        return (
            f"note {label(change.where)!r} changes note type from {change.old.name!r} "
            f"to {change.new.name!r} under the same GUID"
        )
    parts = []
    (old_fields, old_cards), (new_fields, new_cards) = _shape(change.old), _shape(change.new)
    if old_fields != new_fields:
        parts.append(f"fields {_names(old_fields)} → {_names(new_fields)}")
    if old_cards != new_cards:
        parts.append(f"card templates {_names(old_cards)} → {_names(new_cards)}")
    return f"note type {change.new.name!r} (id {change.new.id}): {'; '.join(parts)}"


def guard(result: DeckDiff, fail_on: Collection[Guard]) -> tuple[Diagnostic, ...]:
    """An error for each difference of a kind in ``fail_on``, at the note it concerns."""
    found: list[Diagnostic] = []
    if Guard.REMOVED in fail_on:
        found.extend(
            Diagnostic(
                note.location,
                Severity.ERROR,
                f"removed: note {label(note)!r} [{note.deck}] is not in the new release; "
                "Anki never deletes on import, so it stays in every user's collection",
                "restore it, or leave 'removed' out of --fail-on if the removal is meant",
                rules.NOTE_REMOVED,
            )
            for note in result.removed
        )
    if Guard.GUID_CHANGED in fail_on:
        found.extend(
            Diagnostic(
                pair.new.location,
                Severity.ERROR,
                f"guid-changed: note {label(pair.new)!r} [{pair.new.deck}] is the old note "
                f"{label(pair.old)!r} ({pair.matched_by}) under a new GUID {pair.new.guid} "
                f"(was {pair.old.guid}); every user would get it twice",
                "build with the lock file (ankipress.lock) the last release was built with, "
                f"or give the note its old id {pair.old.guid} "
                f"(in Markdown: <!-- guid: {pair.old.guid} -->)",
                rules.GUID_CHANGED,
            )
            for pair in result.rekeyed
        )
    if Guard.NOTETYPE_CHANGED in fail_on:
        for change in result.notetypes:
            if change.guid is not None:
                what, fix = "Anki skips it as conflicting", "keep its note type"
            else:
                what = f"Anki would add it as {change.new.name + '+'!r} and skip its notes"
                fix = "keep the released fields and cards, or give the new shape a new name"
            found.append(
                Diagnostic(
                    change.where.location,
                    Severity.ERROR,
                    f"notetype-changed: {_notetype_what(change)}; {what}",
                    fix,
                    rules.NOTETYPE_CHANGED,
                )
            )
    return tuple(found)


def _what(change: NoteChange) -> list[str]:
    parts = [f"field {i + 1}" for i in change.fields]
    if change.old.deck != change.new.deck:
        parts.append(f"deck {change.old.deck!r} → {change.new.deck!r}")
    old_tags, new_tags = set(change.old.tags), set(change.new.tags)
    if old_tags != new_tags:
        plus = " ".join(f"+{t}" for t in sorted(new_tags - old_tags))
        minus = " ".join(f"-{t}" for t in sorted(old_tags - new_tags))
        parts.append(f"tags {' '.join(p for p in (plus, minus) if p)}")
    if change.old.kind is not change.new.kind:
        parts.append(f"note type {change.old.kind.value} → {change.new.kind.value}")
    return parts


def as_text(result: DeckDiff) -> str:
    """One line per difference, ``+`` added, ``-`` removed, ``~`` changed."""
    lines = [f"+ {label(note)}  [{note.deck}]" for note in result.added]
    lines += [f"- {label(note)}  [{note.deck}]" for note in result.removed]
    lines += [f"~ {change.label}  ({', '.join(_what(change))})" for change in result.changed]
    lines += [
        f"! {label(pair.new)}  [{pair.new.deck}] re-keyed: was {label(pair.old)!r} "
        f"({pair.matched_by}), GUID {pair.old.guid} → {pair.new.guid}"
        for pair in result.rekeyed
    ]
    lines += [f"! {_notetype_what(change)}" for change in result.notetypes]
    lines += [f"+ media {name}" for name in result.media_added]
    lines += [f"- media {name}" for name in result.media_removed]
    counts = (
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    )
    if result.rekeyed:
        counts += f", {len(result.rekeyed)} re-keyed"
    if result.notetypes:
        counts += f", {len(result.notetypes)} note type change(s)"
    return "\n".join([*lines, counts]) + "\n"


def as_markdown(result: DeckDiff) -> str:
    """Release notes: a section per kind of change, one bullet per note."""
    out = ["## Changes to the deck", ""]
    for title, notes in (("Added", result.added), ("Removed", result.removed)):
        if notes:
            out += [f"### {title} ({len(notes)})", ""]
            out += [f"- {label(note)} ({note.deck})" for note in notes]
            out.append("")
    if result.changed:
        out += [f"### Changed ({len(result.changed)})", ""]
        out += [f"- {change.label}: {', '.join(_what(change))}" for change in result.changed]
        out.append("")
    if result.rekeyed:
        out += [f"### Re-keyed ({len(result.rekeyed)}): each becomes a second note", ""]
        out += [
            f"- {label(pair.new)} ({pair.new.deck}), was: {label(pair.old)}"
            for pair in result.rekeyed
        ]
        out.append("")
    if result.notetypes:
        out += [f"### Note types ({len(result.notetypes)})", ""]
        out += [f"- {_notetype_what(change)}" for change in result.notetypes]
        out.append("")
    if result.media_added or result.media_removed:
        out += ["### Media", ""]
        out += [f"- added {name}" for name in result.media_added]
        out += [f"- removed {name}" for name in result.media_removed]
        out.append("")
    if result.empty:
        out += ["No changes.", ""]
    return "\n".join(out)


def as_data(result: DeckDiff) -> dict[str, Any]:
    """The differences as JSON-ready data."""

    def note(item: RenderedNote) -> dict[str, Any]:
        return {
            "guid": item.guid,
            "label": label(item),
            "deck": item.deck,
            "tags": list(item.tags),
            "fields": list(item.fields),
        }

    return {
        "added": [note(n) for n in result.added],
        "removed": [note(n) for n in result.removed],
        "changed": [
            {
                "guid": c.guid,
                "label": c.label,
                "fields": [i + 1 for i in c.fields],
                "old": note(c.old),
                "new": note(c.new),
            }
            for c in result.changed
        ],
        "rekeyed": [
            {"matched_by": pair.matched_by, "old": note(pair.old), "new": note(pair.new)}
            for pair in result.rekeyed
        ],
        "notetypes": [
            {
                "guid": change.guid,
                "what": _notetype_what(change),
                "old": {"id": change.old.id, "name": change.old.name, "fields": change.old.fields},
                "new": {"id": change.new.id, "name": change.new.name, "fields": change.new.fields},
            }
            for change in result.notetypes
        ],
        "media_added": list(result.media_added),
        "media_removed": list(result.media_removed),
    }
