"""Anki packages as input: packages the real engine exports, read, converted and imported back.

The sample collection is made by the engine (``anki``) as a user would make it: stock note
types (Basic, both reversed kinds, type-in, Cloze with two deletions), a note type of the
user's own (three fields, two templates, its own CSS) whose note shows a picture from the
media folder, subdecks and hierarchical tags. It is exported as Anki desktop exports: in
the current format (``collection.anki21b``, zstd, protobuf media list) and with "Support
older Anki versions" (``collection.anki21``, JSON media map).
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from click.testing import CliRunner

from ankipress.building.pipeline import convert
from ankipress.cli import cli
from ankipress.errors import InputError
from ankipress.model import Media, Note, NoteKind, ReadOptions, Severity, SourceLocation, TextFormat
from ankipress.readers import binary_reader_for
from ankipress.readers.apkg import ApkgReader, Limits
from ankipress.readers.apkg_db import AnkiNote, AnkiNotetype
from ankipress.readers.apkg_db import Collection as PackageCollection
from ankipress.readers.apkg_media import anki_media_name, unsafe_reason
from ankipress.readers.apkg_notes import convert_notes
from hostile_apkg import (
    PNG,
    Entry,
    collection_db,
    deflated,
    latest_package,
    legacy_package,
    raw_zip,
    stored,
    zstd_bomb,
)

from ankiengine import AnkiCollection, NoteView
from ankiexport import SAMPLE_NOTES, SampleNote, add_sample_notes

T0 = 1_750_000_000
GOLDEN = Path(__file__).parent / "golden"
HOSTILE = sorted((GOLDEN / "apkg").glob("*.apkg"))
EXTRA_NOTES = (
    SampleNote("Basic (optional reversed card)", ("katze", "cat", ""), "Course::Week 2"),
    SampleNote("Basic (type in the answer)", ("Capital of Italy?", "Rome"), "Course", ("geo",)),
)
VOCAB_CSS = ".card { color: teal; }"


def _add_vocab(col: Collection) -> None:
    """A note type of the user's own, and a note of it showing a picture."""
    models = col.models
    vocab = models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(vocab, models.new_field(name))
    for name, qfmt, afmt in (
        ("Recognize", "{{Word}}", "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"),
        ("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>{{Word}}"),
    ):
        template = models.new_template(name)
        template["qfmt"], template["afmt"] = qfmt, afmt
        models.add_template(vocab, template)
    vocab["css"] = VOCAB_CSS
    models.add(vocab)
    assert col.media.write_data("x.png", PNG) == "x.png"
    note = col.new_note(models.by_name("Vocab"))  # type: ignore[arg-type]
    note["Word"], note["Meaning"] = "Haus", 'house <img src="x.png">'
    note["Example"] = "Das <b>Haus</b> ist groß."
    note.tags = ["german", "vocab::nouns"]
    deck = col.decks.id("Course::Week 2::Vocab", create=True)
    assert deck is not None
    col.add_note(note, deck)


def _export(col: Collection, path: Path, legacy: bool) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


@dataclass(frozen=True)
class Origin:
    """The sample collection's notes and cards, and its exports."""

    notes: dict[str, NoteView]
    cards: list[tuple[str, int, str]]
    packages: dict[str, Path]


@pytest.fixture(scope="session")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origin]:
    directory = tmp_path_factory.mktemp("apkg-origin")
    with AnkiCollection(directory / "profile") as made:
        add_sample_notes(made.collection, SAMPLE_NOTES + EXTRA_NOTES)
        _add_vocab(made.collection)
        packages = {
            "latest": _export(made.collection, directory / "latest.apkg", legacy=False),
            "legacy": _export(made.collection, directory / "legacy.apkg", legacy=True),
        }
        cards = sorted((c.note_guid, c.ord, c.deck) for c in made.cards())
        notes = {n.guid: n for n in made.notes()}
        # A whole collection (File > Export > "Anki Collection Package"); the engine closes
        # the collection for it.
        packages["colpkg"] = directory / "whole.colpkg"
        made.collection.export_collection_package(str(packages["colpkg"]), True, False)
        made.collection.reopen()
        yield Origin(notes, cards, packages)


def _read(
    path: Path, reader: ApkgReader | None = None
) -> tuple[list[Note], list[Media], list[str]]:
    result = (reader or ApkgReader()).read_file(path, path.name, ReadOptions(default_deck="x"))
    return list(result.notes), list(result.media), [str(d) for d in result.diagnostics]


@pytest.mark.parametrize("generation", ["latest", "legacy", "colpkg"])
def test_every_note_of_an_engine_export_is_read(origin: Origin, generation: str) -> None:
    path = origin.packages[generation]
    notes, media, diagnostics = _read(path)

    assert diagnostics == []
    # The latest format's dummy collection.anki2 ("please update") is never read.
    assert sorted(note.guid or "" for note in notes) == sorted(origin.notes)
    assert media == [Media("x.png", PNG, SourceLocation(path.name))]
    for note in notes:
        view = origin.notes[note.guid or ""]
        values = list(view.fields.values())
        # Stock note types too travel as they came: the collection has them under their ids.
        assert note.kind is NoteKind.CUSTOM
        assert (note.question, note.answer) == (values[0], values[1])
        assert note.text_format is TextFormat.HTML
        assert sorted(note.tags) == sorted(view.tags)
        assert [note.deck] == view.decks
        assert list(note.card_ords) == [o for g, o, _ in origin.cards if g == note.guid]
        assert note.notetype is not None
        assert note.notetype.name == view.notetype
        assert note.fields == tuple(values)
        assert note.notetype.fields == tuple(view.fields)
        assert note.notetype.fixed_id is not None
        assert None not in note.notetype.field_ids + note.notetype.template_ids
        if view.notetype == "Vocab":
            assert [name for name, _, _ in note.notetype.templates] == ["Recognize", "Recall"]
            assert note.notetype.css == VOCAB_CSS


@pytest.mark.parametrize("generation", ["latest", "legacy"])
def test_a_converted_export_imports_as_the_same_notes_cards_and_media(
    origin: Origin, generation: str, tmp_path: Path, anki: AnkiCollection
) -> None:
    package = tmp_path / "converted.apkg"
    convert([origin.packages[generation]], package, timestamp=T0)

    counts = anki.import_package(package)

    assert (counts.new, counts.updated, counts.duplicate, counts.conflicting) == (8, 0, 0, 0)
    imported = {note.guid: note for note in anki.notes()}
    assert imported.keys() == origin.notes.keys()
    for guid, mine in origin.notes.items():
        theirs = imported[guid]
        # A fresh collection has a Basic of its own (another id): the package's is "Basic+".
        assert theirs.notetype.removesuffix("+") == mine.notetype
        assert list(theirs.fields.items()) == list(mine.fields.items())
        assert sorted(theirs.tags) == sorted(mine.tags)
        assert (theirs.decks, theirs.card_count) == (mine.decks, mine.card_count)
    assert sorted((c.note_guid, c.ord, c.deck) for c in anki.cards()) == origin.cards
    assert anki.notetype_css("Vocab") == VOCAB_CSS
    assert (Path(anki.collection.media.dir()) / "x.png").read_bytes() == PNG


def test_a_converted_export_imported_into_its_own_collection_adds_nothing(tmp_path: Path) -> None:
    """Every note type comes back with its id and field ids, stock ones included: each note
    is matched by GUID (a duplicate: the package's notes are older), none is conflicting, and
    no note type is forked into ``Name+``.
    """
    package = tmp_path / "converted.apkg"
    with AnkiCollection(tmp_path / "profile") as made:
        add_sample_notes(made.collection, SAMPLE_NOTES)
        _add_vocab(made.collection)
        convert([_export(made.collection, tmp_path / "x.apkg", False)], package, timestamp=T0)
        before = made.notes()

        counts = made.import_package(package)

        assert (counts.new, counts.updated) == (0, 0)
        assert (counts.duplicate, counts.conflicting) == (len(SAMPLE_NOTES) + 1, 0)
        assert made.notes() == before
        assert not [name for name in made.notetype_names() if name.endswith("+")]
        assert sorted(p.name for p in Path(made.collection.media.dir()).iterdir()) == ["x.png"]


def test_our_own_packages_read_back_as_they_were_written(origin: Origin, tmp_path: Path) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    convert([origin.packages["latest"]], first, timestamp=T0)
    convert([first], second, timestamp=T0)

    read_first, media, diagnostics = _read(first)
    read_second, _, _ = _read(second)

    assert diagnostics == []
    assert media == [Media("x.png", PNG, SourceLocation("first.apkg"))]
    original, _, _ = _read(origin.packages["latest"])
    shape = [(n.guid, n.kind, n.question, n.answer, n.deck, n.card_ords) for n in original]
    assert [(n.guid, n.kind, n.question, n.answer, n.deck, n.card_ords) for n in read_first] == (
        shape
    )
    assert [(n.guid, n.kind, n.fields, n.notetype) for n in read_second] == [
        (n.guid, n.kind, n.fields, n.notetype) for n in read_first
    ]


def _notetype(
    name: str, fields: tuple[str, ...], *templates: str, cloze: bool = False
) -> AnkiNotetype:
    return AnkiNotetype(
        id=7,
        name=name,
        fields=fields,
        field_ids=(None,) * len(fields),
        templates=tuple(
            (f"Card {i + 1}", q, "{{FrontSide}}<hr>{{Back}}") for i, q in enumerate(templates)
        ),
        template_ids=(None,) * len(templates),
        css="",
        cloze=cloze,
        sort_field=0,
    )


@pytest.mark.parametrize(
    ("notetype", "kind"),
    [
        # Anki's stock note types stay as they came: the collection has them.
        (_notetype("Basic", ("Front", "Back"), "{{Front}}"), NoteKind.CUSTOM),
        (_notetype("Einfach", ("Vorderseite", "Rückseite"), "{{Vorderseite}}"), NoteKind.CUSTOM),
        (
            _notetype("Basic (type in the answer)", ("Front", "Back"), "{{Front}} {{type:Back}}"),
            NoteKind.CUSTOM,
        ),
        (_notetype("Cloze", ("Text", "Back Extra"), "{{cloze:Text}}", cloze=True), NoteKind.CUSTOM),
        (_notetype("ankipress Basic", ("Front", "Back"), "{{ Front }}"), NoteKind.BASIC),
        (_notetype("ankipress Basic", ("Front", "Back", "Hint"), "{{Front}}"), NoteKind.CUSTOM),
        (_notetype("ankipress Basic", ("Front", "Back"), "{{Back}}"), NoteKind.CUSTOM),
        (
            _notetype(
                "ankipress Basic (type in the answer)", ("Front", "Back"), "{{Front}} {{type:Back}}"
            ),
            NoteKind.TYPE_ANSWER,
        ),
        (
            _notetype("ankipress Basic (type in the answer)", ("Front", "Back"), "{{Front}}"),
            NoteKind.CUSTOM,
        ),
        (
            _notetype("ankipress Cloze", ("Text", "Back Extra"), "{{cloze:Text}}", cloze=True),
            NoteKind.CLOZE,
        ),
        (_notetype("ankipress Cloze", ("Text", "Back Extra"), "{{cloze:Text}}"), NoteKind.CUSTOM),
    ],
    ids=[
        "stock-basic",
        "localized",
        "stock-type",
        "stock-cloze",
        "ours",
        "ours-3-fields",
        "ours-other-front",
        "ours-type",
        "ours-type-without-type",
        "ours-cloze",
        "ours-cloze-not-cloze",
    ],
)
def test_a_note_type_is_ours_only_when_name_and_shape_agree(
    notetype: AnkiNotetype, kind: NoteKind
) -> None:
    fields = tuple(f"{name} text" for name in notetype.fields)
    note = AnkiNote(1, "g", 7, (), fields, ((0, 1),))
    collection = PackageCollection(11, {7: notetype}, {1: "Deck"}, (note,), ())

    notes, diagnostics = convert_notes(collection, SourceLocation("p.apkg"), "p")

    assert diagnostics == []
    assert [n.kind for n in notes] == [kind]


def test_notes_the_package_cannot_explain_are_reported_by_id(tmp_path: Path) -> None:
    basic = _notetype("Basic", ("Front", "Back"), "{{Front}}")
    notes = (
        AnkiNote(1, "a", 99, (), ("q", "a"), ((0, 1),)),
        AnkiNote(2, "b", 7, (), ("q", "a"), ()),
        AnkiNote(3, "c", 7, (), ("q", "a", "lost"), ((0, 1),)),
        AnkiNote(4, "d", 7, (), ("q2", "a"), ((0, 1), (1, 5))),
        AnkiNote(5, "e", 7, (), ("q3", "a"), ((0, 2),)),
    )
    collection = PackageCollection(11, {7: basic}, {1: "Deck", 2: "Other"}, notes, ())

    kept, diagnostics = convert_notes(collection, SourceLocation("p.apkg"), "p")

    assert [(n.guid, n.deck, n.card_ords) for n in kept] == [
        ("d", "Deck", (0,)),
        ("e", "Other", (0,)),
    ]
    assert [str(d) for d in diagnostics] == [
        "p.apkg: error: note 1 (guid 'a'): its note type 99 is not in the package",
        "p.apkg: warning: note 2 (guid 'b') has no cards in the package; skipped",
        "p.apkg: error: note 3 (guid 'c') has 3 fields; its note type 'Basic' has 2",
        "p.apkg: warning: note 4 (guid 'd'): card 2 does not fit its note type 'Basic'; dropped",
        "p.apkg: warning: note 4 (guid 'd'): a card is in a deck the package does not have; "
        "it goes to deck 'p'",
        "p.apkg: warning: note 4 (guid 'd'): its cards are in decks 'Deck', 'p'; all go to 'Deck'",
    ]


@pytest.mark.parametrize(
    ("name", "renamed"),
    [
        ("x.png", "x.png"),
        ("what?.png", "what.png"),
        ("e\u0301t\u00e9.png", "\u00e9t\u00e9.png"),
        ("CON.txt", "CON_.txt"),
        ("notes.", "notes._"),
        ("a\u00a0b.mp3", "a b.mp3"),
        ("x" * 200 + ".jpeg", "x" * 114 + ".jpeg"),
    ],
)
def test_media_names_are_renamed_as_anki_renames_them(name: str, renamed: str) -> None:
    assert anki_media_name(name) == renamed
    assert len(anki_media_name(name).encode()) <= 120


@pytest.mark.parametrize(
    "name", ["../evil", "/etc/passwd", "a\\b.png", "C:evil.png", "", ".", "..", "a\x00b"]
)
def test_media_names_that_are_paths_are_refused(name: str) -> None:
    assert unsafe_reason(name) is not None


def test_a_media_name_anki_would_change_is_renamed_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "odd.apkg"
    path.write_bytes(legacy_package(collection_db(), {"0": "what?.png"}, {"0": PNG}))

    _, media, diagnostics = _read(path)

    assert [m.name for m in media] == ["what.png"]
    assert diagnostics == [
        "odd.apkg: warning: media file 'what?.png' is renamed 'what.png', as Anki's import "
        "renames it; the fields that show it are changed to match"
    ]


def test_a_latest_package_is_read_with_its_checksums(tmp_path: Path) -> None:
    path = tmp_path / "latest.apkg"
    path.write_bytes(latest_package(collection_db(), [("x.png", PNG), ("../up.png", PNG)]))

    notes, media, diagnostics = _read(path)

    assert [n.guid for n in notes] == ["hostile-1"]
    assert [m.name for m in media] == ["x.png"]
    assert diagnostics == [
        "latest.apkg: error: media file '../up.png' is refused: it is a path, not a file name"
    ]


def _fails(path: Path, data: bytes, limits: Limits | None = None) -> str:
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        ApkgReader(limits).read_file(path, path.name, ReadOptions(default_deck="x"))
    assert len(caught.value.diagnostics) == 1
    assert caught.value.diagnostics[0].severity is Severity.ERROR
    return str(caught.value)


def test_zip_tricks_are_errors(tmp_path: Path) -> None:
    database = deflated("collection.anki2", collection_db())
    where = tmp_path / "bad.apkg"
    assert _fails(where, raw_zip([database, stored("media", b"{}"), stored("media", b"{}")])) == (
        "bad.apkg: error: the archive holds two entries named 'media'"
    )
    overlapping = raw_zip([database, Entry("media", b"", size=0, same_offset_as=0)])
    assert "entry 'collection.anki2' overlaps the next one" in _fails(where, overlapping)
    bzip2 = raw_zip([Entry("collection.anki2", b"BZh9", 12, 4)])
    assert "compression method 12" in _fails(where, bzip2)
    broken = Entry(database.name, database.data, 8, database.size, database.crc ^ 1)
    assert _fails(where, raw_zip([broken])) == (
        "bad.apkg: error: entry 'collection.anki2' is damaged: "
        "Bad CRC-32 for file 'collection.anki2'"
    )


def test_the_limits_hold_for_what_is_declared_and_what_is_unpacked(tmp_path: Path) -> None:
    where = tmp_path / "big.apkg"
    package = legacy_package(collection_db(), {"0": "a.png", "1": "b.png"}, {"0": PNG, "1": PNG})
    assert "lists 4 entries, more than the 3" in _fails(where, package, Limits(max_entries=3))
    assert _fails(where, package, Limits(max_total_size=64 << 10)) == (
        "big.apkg: error: the archive would unpack to more than 64 KiB, the most a package may hold"
    )
    # Declared sizes of zstd streams are what they say they are only once decompressed.
    assert _fails(where, zstd_bomb(2 << 20), Limits(max_total_size=1 << 20)) == (
        "big.apkg: error: the archive unpacks to more than 1.0 MiB, the most a package may hold"
    )
    assert _fails(where, zstd_bomb(2 << 20), Limits(max_entry_size=1 << 20)) == (
        "big.apkg: error: entry 'collection.anki21b' unpacks to more than 1.0 MiB, "
        "the most one entry may hold"
    )
    bomb = latest_package(collection_db(), [("big.bin", bytes(40 << 20))])
    # Stopped by the whole package's ratio before the entry's own ratio is reached.
    assert re.fullmatch(
        r"big\.apkg: error: the archive unpacks to more than 16 MiB from a package of "
        r"\d+\.\d KiB: a bomb, not a package",
        _fails(where, bomb),
    )


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "ALTER TABLE notes RENAME TO n; CREATE VIEW notes AS SELECT * FROM n;",
            "it has no 'notes' table",
        ),
        ("UPDATE col SET ver = 19;", "has collection schema 19; Anki opens 11 to 18"),
        ("UPDATE col SET models = '{';", "the note types are not valid JSON"),
    ],
    ids=["notes-is-a-view", "schema-too-new", "broken-json"],
)
def test_a_collection_that_is_not_as_anki_writes_it_is_an_error(
    tmp_path: Path, sql: str, message: str
) -> None:
    assert message in _fails(tmp_path / "db.apkg", legacy_package(collection_db(sql), {}, {}))


def test_views_and_triggers_in_the_collection_are_never_run(tmp_path: Path) -> None:
    sql = """
        CREATE TABLE log (x);
        CREATE TRIGGER wipe AFTER INSERT ON cards BEGIN DELETE FROM notes; END;
        CREATE VIEW forever AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
            SELECT x FROM r;
    """
    path = tmp_path / "odd.apkg"
    path.write_bytes(legacy_package(collection_db(sql), {}, {}))

    notes, _, diagnostics = _read(path)

    assert ([n.guid for n in notes], diagnostics) == (["hostile-1"], [])


def test_damaged_packages_are_errors_never_tracebacks(origin: Origin, tmp_path: Path) -> None:
    """Bytes changed, cut out or put in at random, in the archive and in the database."""
    rng = random.Random(5)
    database = collection_db()
    bases = [origin.packages["latest"].read_bytes(), origin.packages["legacy"].read_bytes()]
    path = tmp_path / "damaged.apkg"
    for attempt in range(300):
        if attempt % 3:
            data = bytearray(rng.choice(bases))
            for _ in range(rng.randint(1, 6)):
                at = rng.randrange(len(data))
                data[at : at + rng.choice((0, 1, 1, 1, 20))] = rng.randbytes(rng.randint(0, 3))
        else:  # a damaged database inside a sound archive
            damaged = bytearray(database)
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(100, len(damaged))] = rng.randrange(256)
            data = bytearray(legacy_package(bytes(damaged), {}, {}))
        path.write_bytes(data)
        try:
            ApkgReader().read_file(path, path.name, ReadOptions(default_deck="x"))
        except InputError as exc:
            assert [d.severity for d in exc.diagnostics] == [Severity.ERROR]


def test_nothing_is_left_in_the_temporary_folder(
    origin: Origin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _read(origin.packages["latest"])
    _fails(tmp_path / "bad.apkg", legacy_package(b"not a database", {}, {}))
    assert [p.name for p in tmp_path.iterdir()] == ["bad.apkg"]


def test_packages_are_recognized_by_their_extension(tmp_path: Path) -> None:
    for name in ("deck.apkg", "whole.COLPKG"):
        (tmp_path / name).write_bytes(b"")
        assert isinstance(binary_reader_for(tmp_path / name, None), ApkgReader)
    (tmp_path / "deck.txt").write_text("a\tb\n")
    assert binary_reader_for(tmp_path / "deck.txt", None) is None


_SUMMARY = re.compile(r"(ankipress: error: \d+ error\(s\); nothing was written\n)?")


@pytest.mark.parametrize("case", HOSTILE, ids=[case.stem for case in HOSTILE])
def test_a_hostile_package_is_one_error_and_nothing_is_written(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(GOLDEN)
    output = tmp_path / "out.apkg"
    expected = case.with_suffix(".err").read_text("utf-8")

    result = CliRunner().invoke(cli, ["convert", f"apkg/{case.name}", "-o", str(output)])

    assert result.exit_code == 1
    assert result.output.startswith(expected)
    assert _SUMMARY.fullmatch(result.output[len(expected) :])
    assert expected.count(": error: ") == 1
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []
    assert case.stat().st_size < 50_000


def test_leech_and_marked_tags_are_left_out_as_anki_leaves_them_out() -> None:
    basic = _notetype("Basic", ("Front", "Back"), "{{Front}}")
    notes = (
        AnkiNote(1, "a", 7, ("leech", "verbs"), ("q1", "a"), ((0, 1),)),
        AnkiNote(2, "b", 7, ("Marked", "marked::later", "leechy"), ("q2", "a"), ((0, 1),)),
        AnkiNote(3, "c", 7, ("nouns",), ("q3", "a"), ((0, 1),)),
    )
    collection = PackageCollection(11, {7: basic}, {1: "Deck"}, notes, ())

    kept, diagnostics = convert_notes(collection, SourceLocation("p.apkg"), "p")

    # Anki's package import without scheduling removes exactly these two, in any case.
    assert [n.tags for n in kept] == [("verbs",), ("marked::later", "leechy"), ("nouns",)]
    assert [(d.severity, d.message) for d in diagnostics] == [
        (
            Severity.NOTE,
            "2 note(s) tagged leech or marked: those tags are left out, as Anki's import of a "
            "package without its scheduling leaves them out",
        )
    ]


@pytest.mark.parametrize("legacy", [False, True], ids=["latest", "legacy"])
def test_a_note_types_own_latex_preamble_is_read_from_every_generation(
    tmp_path: Path, legacy: bool
) -> None:
    with AnkiCollection(tmp_path / "profile") as made:
        col = made.collection
        model = col.models.by_name("Basic")
        assert model is not None
        model["latexPre"] = "\\documentclass{article}\n\\usepackage{chemfig}\n\\begin{document}\n"
        col.models.save(model)
        note = col.new_note(model)
        note["Front"], note["Back"] = "benzene", "[latex]\\chemfig{*6(=-=-=-)}[/latex]"
        col.add_note(note, col.decks.id("Chemistry"))
        path = _export(col, tmp_path / "chem.apkg", legacy=legacy)

    notes, _, diagnostics = _read(path)

    assert diagnostics == []
    (read,) = notes
    assert read.notetype is not None and read.notetype.latex is not None
    assert read.notetype.latex[0].endswith("\\usepackage{chemfig}\n\\begin{document}\n")
