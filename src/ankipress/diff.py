"""What changed between two releases of a deck: notes added, removed and changed, by GUID.

Either side may be a package (``.apkg``), a source file or a folder of them; each is read as
a build would read it, so a source and the package built from it have no differences.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ankipress.model import RenderedNote
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
class DeckDiff:
    """The differences between an old and a new version of a deck."""

    added: tuple[RenderedNote, ...]
    removed: tuple[RenderedNote, ...]
    changed: tuple[NoteChange, ...]
    media_added: tuple[str, ...] = field(default=())
    media_removed: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """True when both sides hold the same notes and media."""
        return not (
            self.added or self.removed or self.changed or self.media_added or self.media_removed
        )


def label(note: RenderedNote) -> str:
    """A note's first field as one line of text, shortened."""
    text = " ".join(
        html.unescape(
            sub_before_last(_TAG, " ", note.fields[0] if note.fields else "", ">")
        ).split()
    )
    return text if len(text) <= 70 else text[:67] + "..."


def diff_notes(
    old: Sequence[RenderedNote],
    new: Sequence[RenderedNote],
    old_media: Sequence[str] = (),
    new_media: Sequence[str] = (),
) -> DeckDiff:
    """Compare two sets of notes by GUID, field by field, with their tags and decks."""
    before = {note.guid: note for note in old}
    after = {note.guid: note for note in new}
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
    return DeckDiff(
        added=tuple(note for guid, note in after.items() if guid not in before),
        removed=tuple(note for guid, note in before.items() if guid not in after),
        changed=tuple(changed),
        media_added=tuple(sorted(set(new_media) - set(old_media))),
        media_removed=tuple(sorted(set(old_media) - set(new_media))),
    )


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
    lines += [f"+ media {name}" for name in result.media_added]
    lines += [f"- media {name}" for name in result.media_removed]
    counts = (
        f"{len(result.added)} added, {len(result.removed)} removed, {len(result.changed)} changed"
    )
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
        "media_added": list(result.media_added),
        "media_removed": list(result.media_removed),
    }
