"""CrowdAnki folders: read into the real Anki engine, and written back from packages."""

from __future__ import annotations

import shutil
from pathlib import Path

from ankipress.pipeline import Options, convert
from ankipress.readers.crowdanki import model_id, model_uuid

from ankiengine import AnkiCollection

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
