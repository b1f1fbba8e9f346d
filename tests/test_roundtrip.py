"""Packages in and out: a package through Markdown and back is the same deck, byte for byte.

The property: any package (Anki's stock note types as the real engine makes them, note types
of a user's own with and without ids, empty fields, lines the Markdown grammar reads, a huge
tag on every note, the Default deck) written to Markdown, built into a package and written to
Markdown again gives the same Markdown. The engine tests check what a user sees: note types
as they came, one Default deck, text that Anki takes back.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

from anki.collection import ExportAnkiPackageOptions, ImportCsvRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankipress.building.pipeline import Options, convert
from ankipress.model import NoteKind, NoteType, RenderedNote, Severity, SourceLocation
from ankipress.writers.apkg import write_apkg
from hostile_apkg import PNG

from ankiengine import AnkiCollection
from ankiexport import SAMPLE_NOTES, SampleNote, add_sample_notes

T0 = 1_750_000_000
WHERE = SourceLocation("made.apkg")


def _note_type(model: dict[str, Any]) -> NoteType:
    """A note type of the engine as ankipress holds one read from a package."""
    return NoteType(
        name=model["name"],
        fields=tuple(field["name"] for field in model["flds"]),
        templates=tuple((t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]),
        css=model["css"],
        cloze=model["type"] == 1,
        fixed_id=model["id"],
        field_ids=tuple(field.get("id") for field in model["flds"]),
        template_ids=tuple(t.get("id") for t in model["tmpls"]),
        sort_field=model["sortf"],
    )


@functools.cache
def stock_note_types() -> tuple[NoteType, ...]:
    """Every note type a new collection of the real engine has, as it has them."""
    with tempfile.TemporaryDirectory() as folder, AnkiCollection(Path(folder)) as anki:
        models = anki.collection.models
        return tuple(_note_type(models.get(entry.id)) for entry in models.all_names_and_ids())  # type: ignore[arg-type]


# Field text: HTML, Markdown's own lines, fences, comments, empty and blank lines.
_PIECES = [
    "a", "Haus", "<b>bold</b>", "<br>", "\n", "\n\n", " ", "%", "## h", "# t", "### Back",
    "```", "~~~", "<!-- guid: x -->", "[#tag]()", "{{c1::Paris}}", "&amp;", "é", "\t", "-->",
    "---", "| a | b |", "$x$", "\\(", "*", "    code",
]  # fmt: skip
_FIELD = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_NAME = st.text(alphabet="abcdefgXYZ ()", min_size=1, max_size=10).map(str.strip).filter(bool)
_ID = st.integers(min_value=1, max_value=(1 << 62))
_TAG = st.text(alphabet="abcxyz019_-", min_size=1, max_size=8)
_OUR_CARDS = {
    NoteKind.BASIC: (0,),
    NoteKind.REVERSED: (0, 1),
    NoteKind.TYPE_ANSWER: (0,),
    NoteKind.CLOZE: (0, 1, 2),
}
_HUGE_TAG = "huge_" + "x" * 70_000  # front matter holding it would be over its limit


@st.composite
def _own_note_type(draw: st.DrawFn) -> NoteType:
    """A user's note type: fields and templates with ids, without, or some of each."""
    fields = tuple(draw(st.lists(_NAME, min_size=1, max_size=4, unique=True)))
    count = draw(st.integers(min_value=1, max_value=3))
    templates = tuple(
        (f"Card {i + 1}", "{{" + fields[i % len(fields)] + "}}", "{{FrontSide}}<hr id=answer>")
        for i in range(count)
    )
    with_ids = draw(st.sampled_from(["all", "none", "some"]))

    def ids(size: int) -> tuple[int | None, ...]:
        if with_ids == "none":
            return ()
        return tuple(
            draw(_ID) if with_ids == "all" or draw(st.booleans()) else None for _ in range(size)
        )

    return NoteType(
        name="Mine " + draw(_NAME),
        fields=fields,
        templates=templates,
        css=draw(st.sampled_from(["", ".card { color: red; }\n", "a {}\n\n"])),
        fixed_id=draw(st.none() | _ID),
        field_ids=ids(len(fields)),
        template_ids=ids(count),
        sort_field=draw(st.integers(min_value=0, max_value=len(fields) - 1)),
    )


@st.composite
def _package(draw: st.DrawFn) -> list[RenderedNote]:
    stock = stock_note_types()
    types = draw(st.lists(st.sampled_from(stock) | _own_note_type(), min_size=1, max_size=3))
    # Names and ids are unique in a package.
    types = list({t.id: t for t in {t.name: t for t in types}.values()}.values())
    shared = draw(st.lists(_TAG, max_size=2))
    notes = []
    for index in range(draw(st.integers(min_value=1, max_value=5))):
        deck = draw(st.sampled_from(["Default", "Course", "Course::Week 1"]))
        tags = tuple(dict.fromkeys((*shared, *draw(st.lists(_TAG, max_size=2)))))
        if draw(st.integers(0, 3)) == 0:  # a note of ours, from a package ankipress wrote
            kind = draw(st.sampled_from(sorted(_OUR_CARDS, key=lambda k: k.value)))
            ords = tuple(sorted(draw(st.sets(st.sampled_from(_OUR_CARDS[kind]), min_size=1))))
            fields = (draw(_FIELD), draw(_FIELD))
            notes.append(
                RenderedNote(f"g{index}", deck, fields, tags, WHERE, kind, None, None, ords)
            )
            continue
        note_type = draw(st.sampled_from(types))
        fields = tuple(draw(_FIELD) for _ in note_type.fields)
        if note_type.cloze:
            ords: tuple[int, ...] = tuple(
                sorted(draw(st.sets(st.integers(0, 3), min_size=1, max_size=3)))
            )
        else:
            ords = tuple(
                sorted(draw(st.sets(st.integers(0, len(note_type.templates) - 1), min_size=1)))
            )
        notes.append(
            RenderedNote(
                guid=f"g{index}",
                deck=deck,
                fields=fields,
                tags=tags,
                location=WHERE,
                kind=NoteKind.CUSTOM,
                notetype=note_type,
                card_ords=ords,
            )
        )
    return notes


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(notes=_package(), huge=st.booleans())
def test_a_package_through_markdown_and_back_is_a_fixed_point(
    notes: list[RenderedNote], huge: bool
) -> None:
    if huge:  # a tag every note has, too large for the front matter (kept out of the repr)
        notes = [replace(note, tags=(_HUGE_TAG, *note.tags)) for note in notes]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_apkg(work / "made.apkg", notes, T0)
        convert([work / "made.apkg"], work / "first.md", Options())
        convert([work / "first.md"], work / "again.apkg", Options(), T0)
        convert([work / "again.apkg"], work / "second.md", Options())

        first = (work / "first.md").read_bytes()
        assert (work / "second.md").read_bytes() == first


# -- The real engine: what a user sees ----------------------------------------------------

# Stock note types of every kind, a note with an empty Back, a picture, the Default deck.
_USER_NOTES = (
    *SAMPLE_NOTES,
    SampleNote("Basic", ("Empty back", ""), "Default", ("empty",)),
    SampleNote("Basic (type in the answer)", ("Capital of Italy?", "Rome"), "Default"),
    SampleNote("Basic", ("What is this?", '<img src="cat.png">'), "Course", ("media",)),
)


def _export(anki: AnkiCollection, path: Path) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=False
    )
    anki.collection.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def _users_collection(directory: Path) -> AnkiCollection:
    """A user's collection: stock note types, the Default deck, a picture, an empty field."""
    anki = AnkiCollection(directory)
    assert anki.collection.media.write_data("cat.png", PNG) == "cat.png"
    add_sample_notes(anki.collection, _USER_NOTES)
    return anki


def _fields(anki: AnkiCollection) -> dict[str, tuple[str, dict[str, str], list[str]]]:
    return {n.guid: (n.notetype, n.fields, n.tags) for n in anki.notes()}


def test_a_deck_through_a_package_or_markdown_goes_home_to_the_same_notes(tmp_path: Path) -> None:
    with _users_collection(tmp_path / "user") as anki:
        original = _export(anki, tmp_path / "original.apkg")
        before, cards = _fields(anki), sorted((c.note_guid, c.ord, c.deck) for c in anki.cards())
        convert([original], tmp_path / "direct.apkg", Options(), T0)
        convert([original], tmp_path / "deck.md", Options())
        convert([tmp_path / "deck.md"], tmp_path / "via-md.apkg", Options(), T0)

        for package in ("direct.apkg", "via-md.apkg"):
            counts = anki.import_package(tmp_path / package)

            # Matched by GUID, note type by id: nothing added, nothing skipped, nothing forked.
            assert (counts.new, counts.conflicting) == (0, 0), package
            assert counts.duplicate == len(_USER_NOTES), package
            assert not [n for n in anki.notetype_names() if n.endswith("+")]
            assert _fields(anki) == before
            assert sorted((c.note_guid, c.ord, c.deck) for c in anki.cards()) == cards
            assert "Default_" not in anki.deck_names()

    with AnkiCollection(tmp_path / "elsewhere") as fresh:
        fresh.import_package(tmp_path / "via-md.apkg")
        # A collection with a Basic of its own takes the package's as "Basic+"; names and
        # fields as they were.
        assert {
            g: (t.removesuffix("+"), f, tags) for g, (t, f, tags) in _fields(fresh).items()
        } == (before)
        assert (Path(fresh.collection.media.dir()) / "cat.png").read_bytes() == PNG


def test_notes_in_a_deck_named_default_go_to_anki_s_default_deck(tmp_path: Path) -> None:
    deck = tmp_path / "cards.md"
    deck.write_text("---\ndeck: Default\n---\n## Q1\nA1\n\n## Q2\nA2\n", encoding="utf-8")
    package = tmp_path / "cards.apkg"
    convert([deck], package, Options(), T0)

    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    database = tmp_path / "collection.sqlite"
    database.write_bytes(data)
    with closing(sqlite3.connect(database)) as connection:
        decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
        card_decks = {row[0] for row in connection.execute("SELECT did FROM cards")}
    assert sorted((deck["name"], int(key)) for key, deck in decks.items()) == [("Default", 1)]
    assert card_decks == {1}
    for attempt in range(3):  # Anki renamed one of two Defaults at random, import to import
        with AnkiCollection(tmp_path / f"anki{attempt}") as anki:
            anki.import_package(package)
            assert {c.deck for c in anki.cards()} == {"Default"}
            assert anki.deck_names() == ["Default"]


def test_text_written_from_a_package_goes_home_through_anki_s_text_import(
    tmp_path: Path,
) -> None:
    with _users_collection(tmp_path / "user") as anki:
        original = _export(anki, tmp_path / "original.apkg")
        before = _fields(anki)
        text = tmp_path / "out" / "deck.txt"
        report = convert([original], text, Options())

        metadata = anki.collection.get_csv_metadata(str(text), None)
        log = anki.collection.import_csv(ImportCsvRequest(path=str(text), metadata=metadata)).log

        # Every row matched by GUID to its note, in its own note type: none added or changed,
        # media references as Anki has them.
        assert (len(log.new), len(log.conflicting), len(log.missing_notetype)) == (0, 0, 0)
        assert len(log.updated) + len(log.duplicate) == len(_USER_NOTES)
        assert _fields(anki) == before
    assert 'src=""cat.png""' in text.read_text(encoding="utf-8")
    assert (tmp_path / "out" / "deck.media" / "cat.png").read_bytes() == PNG
    said = [str(d) for d in report.diagnostics]
    assert (
        f"{text}: info: fields name media as Anki does ('cat.png'), which its text "
        in (said[-1][: len(str(text)) + 67])
    )
    assert not [d for d in report.diagnostics if d.severity is Severity.WARNING]


def test_text_of_our_own_note_types_warns_that_a_collection_may_lack_them(
    tmp_path: Path,
) -> None:
    deck = tmp_path / "cards.md"
    deck.write_text("## Q1\nA1\n", encoding="utf-8")
    text = tmp_path / "cards.txt"
    report = convert([deck], text, Options())

    with AnkiCollection(tmp_path / "user") as anki:
        metadata = anki.collection.get_csv_metadata(str(text), None)
        log = anki.collection.import_csv(ImportCsvRequest(path=str(text), metadata=metadata)).log

    assert len(log.missing_notetype) == 1  # what the warning says
    warnings = [str(d) for d in report.diagnostics if d.severity is Severity.WARNING]
    assert warnings == [
        f"{deck}:1: warning: Anki's text import skips notes whose note type the collection "
        "lacks: ankipress's own ('ankipress Basic' …) are in a collection only once it "
        "imported a package from ankipress (1 note); import the deck as a package (ankipress "
        "convert ... -o deck.apkg) first"
    ]


def test_decks_one_to_anki_are_one_deck_and_options_for_our_notes_say_where_they_stop(
    tmp_path: Path,
) -> None:
    made = tmp_path / "made.apkg"
    basic = stock_note_types()[0]
    notes = [
        RenderedNote(f"g{i}", deck, ("q", "a"), (), WHERE, NoteKind.CUSTOM, None, basic, (0,))
        for i, deck in enumerate(["French", "french", "default"])
    ]
    said = write_apkg(made, notes, T0)

    assert [str(d) for d in said] == [
        "made.apkg: warning: decks 'French' and 'french' are one deck to Anki: written as 'French'"
    ]
    report = convert([made], tmp_path / "again.apkg", Options(kind=NoteKind.REVERSED), T0)
    assert [str(d) for d in report.diagnostics if d.severity is Severity.INFO] == [
        f"{made}: info: --reverse does not apply to the 3 notes that keep their note type"
    ]
    with AnkiCollection(tmp_path / "anki") as anki:
        anki.import_package(tmp_path / "again.apkg")
        # "default" is deck 1, which Anki calls Default.
        assert sorted(c.deck for c in anki.cards()) == ["Default", "French", "French"]
        assert sorted(anki.deck_names()) == ["Default", "French"]
        assert {n.notetype.removesuffix("+") for n in anki.notes()} == {basic.name}
