"""CrowdAnki folders: read into the real Anki engine, and written back from packages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from anki.collection import ExportAnkiPackageOptions

from ankipress.building.pipeline import Options, build, convert
from ankipress.errors import WriteError
from ankipress.readers.crowdankiformat import model_id, model_uuid
from hostile_apkg import PNG

from ankiengine import AnkiCollection
from ankiexport import SAMPLE_NOTES, SampleNote, add_sample_notes

GOLDEN = Path(__file__).parent / "golden" / "crowdanki"
T0 = 1_700_000_000


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Geography"
    folder.mkdir()
    shutil.copy(GOLDEN / "deck.json", folder / "deck.json")
    shutil.copytree(GOLDEN / "media", folder / "media")
    return folder


def test_a_crowdanki_folder_builds_its_notes_note_types_and_media(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    # As such a folder is kept in git: the repository's files beside the deck are no decks.
    (folder / "README.md").write_text("# Geography\n\nA deck for CrowdAnki.\n")
    (folder / "LICENSE").write_text("Permission is hereby granted, free of charge\n")
    report = convert([folder], tmp_path / "out.apkg", Options(), T0)
    assert not report.diagnostics
    with AnkiCollection(tmp_path / "anki") as anki:
        counts = anki.import_package(tmp_path / "out.apkg")
        assert counts.new == 3
        notes = {n.guid: n for n in anki.notes()}
        river = notes["Bq9`x;2Lr]"]
        assert river.notetype == "Basic (geography)"
        assert river.decks == ["Geography::Rivers"]
        assert river.tags == ["europe", "water::rivers"]
        assert river.fields["Back"] == 'The Danube<br><img src="river.png">'
        assert notes["e;L{u7W&pA"].decks == ["Geography"]
        assert notes["e;L{u7W&pA"].card_count == 1
        # The note model's own LaTeX preamble comes along (Anki renders [latex] with it).
        model = anki.collection.models.by_name("Basic (geography)")
        assert model is not None
        assert (model["latexPre"], model["latexPost"]) == ("\\begin{document}", "\\end{document}")
        media = Path(anki.collection.media.dir()) / "river.png"
        assert media.read_bytes() == (GOLDEN / "media" / "river.png").read_bytes()


def test_a_folder_builds_the_same_note_type_ids_every_time(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    convert([folder], tmp_path / "one.apkg", Options(), T0)
    convert([folder / "deck.json"], tmp_path / "two.apkg", Options(), T0 + 10)
    with AnkiCollection(tmp_path / "anki") as anki:
        anki.import_package(tmp_path / "one.apkg")
        names = anki.notetype_names()
        counts = anki.import_package(tmp_path / "two.apkg")
        assert (counts.new, counts.conflicting, counts.updated) == (0, 0, 3)
        assert anki.notetype_names() == names  # no note type forked a second time


def test_model_uuids_hold_note_type_ids() -> None:
    for notetype_id in (1, 1342697561419, 1700000000000, (1 << 62) - 1):
        assert model_id(model_uuid(notetype_id)) == notetype_id
    crowdanki = "c5ccdc27-3327-11ec-b5fa-0c7a15ee466f"
    assert model_id(crowdanki) == model_id(crowdanki) > 0


_NOTES = (
    *SAMPLE_NOTES,
    SampleNote("Basic", ("What is this?", '<img src="cat.png">'), "Course", ("media",)),
)


def _export(anki: AnkiCollection, path: Path) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=False
    )
    anki.collection.export_anki_package(out_path=str(path), options=options, limit=None)
    return path


def _state(anki: AnkiCollection) -> tuple[object, ...]:
    notes = sorted((n.guid, n.notetype, n.fields, n.tags, n.decks) for n in anki.notes())
    cards = sorted((c.note_guid, c.ord, c.deck) for c in anki.cards())
    return notes, cards, anki.notetype_names()


def test_a_package_through_a_crowdanki_folder_goes_home_to_the_same_notes(
    tmp_path: Path,
) -> None:
    with AnkiCollection(tmp_path / "user") as anki:
        assert anki.collection.media.write_data("cat.png", PNG) == "cat.png"
        add_sample_notes(anki.collection, _NOTES)
        original = _export(anki, tmp_path / "original.apkg")
        before = _state(anki)
        folder = tmp_path / "out" / "Course"
        convert([original], folder, Options(to="crowdanki"))
        assert (folder / "media" / "cat.png").read_bytes() == PNG
        convert([folder], tmp_path / "back.apkg", Options(), T0)

        counts = anki.import_package(tmp_path / "back.apkg")

        # Matched by GUID, note types by id: nothing added, skipped or forked.
        assert (counts.new, counts.conflicting) == (0, 0)
        assert _state(anki) == before

    # The folder read and written again is the same folder, byte for byte.
    again = tmp_path / "again" / "Course"
    convert([tmp_path / "back.apkg"], again, Options(to="crowdanki"))
    assert (again / "deck.json").read_bytes() == (folder / "deck.json").read_bytes()
    convert([again], again.parent / "Course", Options(to="crowdanki"))  # replaces it whole
    assert (again / "deck.json").read_bytes() == (folder / "deck.json").read_bytes()
    assert sorted(p.name for p in again.parent.iterdir()) == ["Course"]


def test_a_crowdanki_folder_is_not_written_over_something_else(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(WriteError, match="not one"):
        convert([GOLDEN / "deck.json"], target, Options(to="crowdanki"))
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def _as_crowdanki_imports(anki: AnkiCollection, deck_file: Path) -> None:
    """Put the deck into the collection as CrowdAnki's import does: each note model a new
    note type (Anki gives it an id of its own) remembering its crowdanki_uuid, each note
    added with the deck's GUID (crowd_anki/representation/note_model.py and note.py)."""
    col = anki.collection
    deck = json.loads(deck_file.read_text(encoding="utf-8"))
    models: dict[str, Any] = {}
    for model in deck["note_models"]:
        notetype = col.models.new(model["name"])
        notetype["type"] = model["type"]
        notetype["css"] = model["css"]
        for field in sorted(model["flds"], key=lambda f: f["ord"]):
            col.models.add_field(notetype, col.models.new_field(field["name"]))
        for tmpl in sorted(model["tmpls"], key=lambda t: t["ord"]):
            template = col.models.new_template(tmpl["name"])
            template["qfmt"], template["afmt"] = tmpl["qfmt"], tmpl["afmt"]
            col.models.add_template(notetype, template)
        notetype["crowdanki_uuid"] = model["crowdanki_uuid"]
        col.models.add(notetype)
        models[model["crowdanki_uuid"]] = col.models.by_name(model["name"])

    def add(node: dict[str, Any], parent: str) -> None:
        name = f"{parent}::{node['name']}" if parent else node["name"]
        deck_id = col.decks.id(name)
        for item in node["notes"]:
            note = col.new_note(models[item["note_model_uuid"]])
            note.guid = item["guid"]
            for index, value in enumerate(item["fields"]):
                note.fields[index] = value
            note.tags = list(item["tags"])
            col.add_note(note, deck_id)
        for child in node["children"]:
            add(child, name)

    add(deck, "")


def test_a_crowdanki_folder_over_the_collection_crowdanki_filled_cannot_update_it(
    tmp_path: Path,
) -> None:
    """What Anki does with the package: a CrowdAnki folder does not hold the collection's
    note-type ids (CrowdAnki drops "id" and finds a note type by the crowdanki_uuid kept
    inside it), and Anki's package import matches note types by id only. So each note type
    comes in as a second one named "Name+", and every note, matched by GUID to a note of
    the other note type, is skipped as conflicting: nothing is added or changed."""
    folder = _folder(tmp_path)
    with AnkiCollection(tmp_path / "anki") as anki:
        _as_crowdanki_imports(anki, folder / "deck.json")
        before = sorted((n.guid, n.notetype, n.fields) for n in anki.notes())
        convert([folder], tmp_path / "out.apkg", Options(), T0)
        counts = anki.import_package(tmp_path / "out.apkg")
        assert (counts.new, counts.updated, counts.conflicting) == (0, 0, 3)
        assert sorted((n.guid, n.notetype, n.fields) for n in anki.notes()) == before
        forked = [name for name in anki.notetype_names() if name.endswith("+")]
        assert forked == ["Basic (geography)+", "Cloze+"]


def test_a_crowdanki_folder_updates_the_collection_its_package_filled(tmp_path: Path) -> None:
    """The identity that works: the note-type id ankipress derives from the crowdanki_uuid.
    A collection that got the deck from ankipress's package takes an edited folder's
    package as an update, in place: no note added, no note type forked."""
    folder = _folder(tmp_path)
    convert([folder], tmp_path / "first.apkg", Options(), T0)
    deck = json.loads((folder / "deck.json").read_text(encoding="utf-8"))
    deck["children"][0]["notes"][0]["fields"][1] = "The Danube (Donau)"
    deck["notes"][0]["tags"] = ["capitals"]
    (folder / "deck.json").write_text(json.dumps(deck, indent=4), encoding="utf-8")
    convert([folder], tmp_path / "second.apkg", Options(), T0 + 60)
    with AnkiCollection(tmp_path / "anki") as anki:
        anki.import_package(tmp_path / "first.apkg")
        names = anki.notetype_names()
        counts = anki.import_package(tmp_path / "second.apkg")
        assert (counts.new, counts.conflicting) == (0, 0)
        assert anki.notetype_names() == names
        notes = {n.guid: n for n in anki.notes()}
        assert notes["Bq9`x;2Lr]"].fields["Back"] == "The Danube (Donau)"
        assert notes["e;L{u7W&pA"].tags == ["capitals"]


EXPORTED = GOLDEN / "exported"  # a deck laid out as CrowdAnki itself exports one


def _exported_through_a_package(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "Weltreise ✈"
    shutil.copytree(EXPORTED, folder)
    report = convert([folder], tmp_path / "built.apkg", Options(), T0)
    assert not report.diagnostics
    back = tmp_path / "back" / folder.name
    report = convert([tmp_path / "built.apkg"], back, Options(to="crowdanki"))
    assert not report.diagnostics
    return tmp_path / "built.apkg", back


def _notes_by_deck(deck: dict[str, Any]) -> list[object]:
    return [deck["name"], deck["notes"], [_notes_by_deck(child) for child in deck["children"]]]


def test_a_folder_crowdanki_wrote_comes_back_from_its_package_byte_for_byte(
    tmp_path: Path,
) -> None:
    _, back = _exported_through_a_package(tmp_path)
    assert (back / "deck.json").read_bytes() == (EXPORTED / "deck.json").read_bytes()
    assert sorted(p.name for p in (back / "media").iterdir()) == sorted(
        p.name for p in (EXPORTED / "media").iterdir()
    )


def test_crowdankis_own_note_models_and_note_order_go_through_a_package(tmp_path: Path) -> None:
    package, back = _exported_through_a_package(tmp_path)
    original = json.loads((EXPORTED / "deck.json").read_text(encoding="utf-8"))
    again = json.loads((back / "deck.json").read_text(encoding="utf-8"))
    # Every key of every note model (crowdanki_uuid, fonts, descriptions, req...) as it was.
    assert again["note_models"] == original["note_models"]
    # Every note, in its deck, in the folder's order (not sorted).
    assert _notes_by_deck(again) == _notes_by_deck(original)
    for name in ("Zürich karte.png", "fjord.png", "kyoto.png"):
        assert (back / "media" / name).read_bytes() == (EXPORTED / "media" / name).read_bytes()
    with AnkiCollection(tmp_path / "anki") as anki:
        counts = anki.import_package(package)
        assert counts.new == 7
        model = anki.collection.models.by_name("Ort ↔ Land")
        assert model is not None
        # Where CrowdAnki keeps it in a collection: its update matches this note type.
        assert model["crowdanki_uuid"] == "3f1c2a8e-4b7d-11ee-9c1a-0242ac120002"
        assert [f["description"] for f in model["flds"]] == ["Name des Ortes", "", ""]
        # Each deck keeps its description.
        europa = anki.collection.decks.by_name("Weltreise ✈::Europa")
        assert europa is not None
        assert europa["desc"] == "Städte <b>Europas</b>"
        formula = anki.collection.models.by_name("Formel")
        assert formula is not None and formula["latexsvg"] is True
        names = anki.notetype_names()
        counts = anki.import_package(package)
        assert (counts.new, counts.conflicting) == (0, 0)
        assert anki.notetype_names() == names  # no note type forked


def test_an_older_crowdanki_folder_comes_back_with_the_keys_it_had_and_no_others(
    tmp_path: Path,
) -> None:
    # As CrowdAnki wrote decks from older Ankis: note models without latexsvg or req,
    # templates without browser fonts, fields with only what Anki had then.
    deck = json.loads((EXPORTED / "deck.json").read_text(encoding="utf-8"))
    for model in deck["note_models"]:
        for key in ("latexsvg", "originalStockKind", "req", "latexPre", "latexPost", "vers"):
            model.pop(key, None)
        for template in model["tmpls"]:
            for key in ("bfont", "bsize", "id"):
                template.pop(key)
        for field in model["flds"]:
            for key in ("collapsed", "description", "excludeFromSearch", "id", "media"):
                field.pop(key)
            for key in ("plainText", "preventDeletion", "tag"):
                field.pop(key)
    # And its notes with Anki's flags and data columns beside their fields.
    decks = [deck]
    while decks:
        each = decks.pop()
        decks.extend(each["children"])
        for note in each["notes"]:
            note.update(data="", flags=0)
    text = json.dumps(deck, sort_keys=True, indent=4, ensure_ascii=False)
    folder = tmp_path / "Weltreise ✈"
    shutil.copytree(EXPORTED, folder)
    (folder / "deck.json").write_text(text, encoding="utf-8")
    convert([folder], tmp_path / "built.apkg", Options(), T0)
    back = tmp_path / "back" / folder.name
    convert([tmp_path / "built.apkg"], back, Options(to="crowdanki"))
    assert (back / "deck.json").read_text(encoding="utf-8") == text
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "built.apkg").new == 7


def test_a_hand_edited_deck_of_the_wrong_shape_still_imports(tmp_path: Path) -> None:
    deck = json.loads((EXPORTED / "deck.json").read_text(encoding="utf-8"))
    model = deck["note_models"][2]
    model["flds"][0]["size"] = "20px"  # Anki wants a number
    model["tmpls"][0]["bsize"] = "big"
    model["sortf"] = 0
    model["vers"] = "none"
    deck["children"][0]["dyn"] = "no"
    deck["deck_configurations"][1]["maxTaken"] = "a minute"
    folder = tmp_path / "Weltreise ✈"
    shutil.copytree(EXPORTED, folder)
    (folder / "deck.json").write_text(json.dumps(deck, indent=4), encoding="utf-8")
    convert([folder], tmp_path / "built.apkg", Options(), T0)
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "built.apkg").new == 7


def test_a_crowdanki_folder_in_the_source_folder_builds_under_its_own_deck_names(
    tmp_path: Path,
) -> None:
    """`ankipress build` of a repository's CrowdAnki folder: the decks are deck.json's, not
    put under the folder's name, so the package comes back as the folder it was built from."""
    shutil.copytree(EXPORTED, tmp_path / "source_cards" / "world-travel")
    reports = build(tmp_path / "source_cards", tmp_path / "out", Options(), T0)
    assert set(reports[0].plan.decks) == {
        "Weltreise ✈",
        "Weltreise ✈::Asien",
        "Weltreise ✈::Europa",
    }
    back = tmp_path / "back" / "world-travel"
    convert([tmp_path / "out" / "world-travel.apkg"], back, Options(to="crowdanki"))
    assert (back / "deck.json").read_bytes() == (EXPORTED / "deck.json").read_bytes()


def test_a_missing_picture_is_warned_about_once_where_a_note_shows_it(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "media" / "river.png").unlink()
    deck = json.loads((folder / "deck.json").read_text("utf-8"))
    deck["media_files"] = ["river.png", "gone.png"]  # gone.png: listed, shown by nothing
    (folder / "deck.json").write_text(json.dumps(deck, indent=2), "utf-8")

    report = convert([folder], tmp_path / "out.apkg", Options(), T0)

    said = [(d.severity.value, d.message) for d in report.diagnostics]
    assert [message for _, message in said if "river.png" in message] == [
        f"1 media file(s) the notes show are not in {folder / 'media'}/: 'river.png'",
        "media file 'river.png' is not in the package",
    ]
    assert [severity for severity, message in said if "river.png" in message] == [
        "info",
        "warning",
    ]
    assert (
        "warning",
        f"1 media file(s) the deck names are not in {folder / 'media'}/: 'gone.png'",
    ) in said


def test_crowdanki_uuids_survive_anki_exporting_the_package_in_its_latest_format(
    tmp_path: Path,
) -> None:
    # A CrowdAnki deck built, imported into Anki, and exported by Anki itself (schema 18, where
    # a note type's keys Anki does not know live in its config's "other" bytes) goes back to a
    # folder whose note models keep their UUIDs, so CrowdAnki updates them instead of adding
    # new ones.
    package, _ = _exported_through_a_package(tmp_path)
    with AnkiCollection(tmp_path / "anki") as anki:
        anki.import_package(package)
        exported = _export(anki, tmp_path / "exported.apkg")
    back = tmp_path / "from-anki" / "Weltreise"
    convert([exported], back, Options(to="crowdanki"))

    def uuids(path: Path) -> dict[str, str]:
        deck = json.loads(path.read_text(encoding="utf-8"))
        return {m["name"]: m["crowdanki_uuid"] for m in deck["note_models"]}

    assert uuids(back / "deck.json") == uuids(EXPORTED / "deck.json")
    original = json.loads((EXPORTED / "deck.json").read_text(encoding="utf-8"))
    again = json.loads((back / "deck.json").read_text(encoding="utf-8"))
    fields = {m["name"]: [f["name"] for f in m["flds"]] for m in original["note_models"]}
    assert {m["name"]: [f["name"] for f in m["flds"]] for m in again["note_models"]} == fields
