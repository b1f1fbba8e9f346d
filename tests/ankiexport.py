"""Anki's own "Notes in Plain Text" export of a small sample collection, made by the real engine.

The sample holds what an export of a user's collection holds: Basic notes (one with HTML, one
whose field holds the separator, double quotes and a line break, so the export must quote it),
a ``Basic (and reversed card)`` note, a ``Basic (optional reversed card)`` note with its reverse
switched on, a ``Cloze`` note with two deletions, subdecks and hierarchical tags. It is exported
with the call Anki desktop's File ▸ Export ▸ "Notes in Plain Text" makes
(``aqt/import_export/exporting.py``, ``NoteCsvExporter``), so the file is Anki's, not an
imitation.

Typical use::

    with sample_export(tmp_path) as export:
        text = export.path.read_text("utf-8")
        original_notes = export.collection.notes()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from anki.collection import Collection

from ankiengine import AnkiCollection

__all__ = [
    "SAMPLE_NOTES",
    "SampleExport",
    "SampleNote",
    "add_sample_notes",
    "export_notes_in_plain_text",
    "sample_export",
]


@dataclass(frozen=True)
class SampleNote:
    """One note of the sample collection, as a user would have typed it into Anki."""

    notetype: str
    fields: tuple[str, ...]
    deck: str
    tags: tuple[str, ...] = ()


SAMPLE_NOTES = (
    SampleNote(
        "Basic", ("What does <b>bold</b> look like?", "Like <i>this</i>."), "Course::Week 1"
    ),
    SampleNote(
        "Basic",
        ("Quote the field", 'He said "hi",\tthen left.\nSecond line, after a break'),
        "Course::Week 1",
        ("a::b", "quoting"),
    ),
    SampleNote("Basic (and reversed card)", ("chat", "cat"), "Course::Week 2", ("french",)),
    SampleNote(
        "Basic (optional reversed card)", ("hund", "dog", "y"), "Course::Week 2", ("german",)
    ),
    SampleNote(
        "Cloze",
        ("{{c1::Paris}} is the capital of {{c2::France}}.", "Extra: <u>geography</u>"),
        "Course",
        ("geo::capitals",),
    ),
)


@dataclass(frozen=True)
class SampleExport:
    """The exported file and the collection it came from (still open)."""

    path: Path
    """The "Notes in Plain Text" file Anki wrote."""
    directory: Path
    """The directory holding the original collection."""
    collection: AnkiCollection
    """The original collection, open until the ``with`` block of :func:`sample_export` ends."""


def export_notes_in_plain_text(
    col: Collection,
    path: Path,
    *,
    html: bool = True,
    tags: bool = True,
    deck: bool = True,
    notetype: bool = True,
    guid: bool = True,
) -> int:
    """Export every note of ``col`` to ``path`` as Anki desktop does; returns the note count.

    The keyword arguments are the dialog's check boxes ("Include HTML and media references",
    "Include tags", "Include deck name", "Include notetype name", "Include unique identifier").
    """
    return col.export_note_csv(
        out_path=str(path),
        limit=None,
        with_html=html,
        with_tags=tags,
        with_deck=deck,
        with_notetype=notetype,
        with_guid=guid,
    )


def add_sample_notes(col: Collection, notes: tuple[SampleNote, ...] = SAMPLE_NOTES) -> None:
    """Add ``notes`` to ``col`` through the engine, as Anki's Add window would."""
    for sample in notes:
        notetype = col.models.by_name(sample.notetype)
        if notetype is None:
            raise LookupError(f"no note type {sample.notetype!r} in a new collection")
        note = col.new_note(notetype)
        for index, value in enumerate(sample.fields):
            note.fields[index] = value
        note.tags = list(sample.tags)
        deck_id = col.decks.id(sample.deck, create=True)
        if deck_id is None:
            raise LookupError(f"Anki did not create the deck {sample.deck!r}")
        col.add_note(note, deck_id)


@contextmanager
def sample_export(directory: Path, **include: bool) -> Iterator[SampleExport]:
    """A new collection under ``directory`` holding :data:`SAMPLE_NOTES`, and its export.

    ``include`` takes the check boxes of :func:`export_notes_in_plain_text` (all on by default).
    """
    with AnkiCollection(directory / "original") as original:
        add_sample_notes(original.collection)
        path = directory / "export.txt"
        count = export_notes_in_plain_text(original.collection, path, **include)
        if count != len(SAMPLE_NOTES):
            raise AssertionError(f"Anki exported {count} notes, not {len(SAMPLE_NOTES)}")
        yield SampleExport(path, original.path.parent, original)
