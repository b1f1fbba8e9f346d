"""Tables of any width: the table note type, and what Anki shows of its fields."""

from __future__ import annotations

from pathlib import Path

from ankipress import notetypes
from ankipress.model import NoteKind, RenderedNote, SourceLocation
from ankipress.writers.apkg import write_apkg

from ankiengine import AnkiCollection

HERE = SourceLocation("table.csv", 1)


def test_table_note_type_is_named_and_identified_by_its_fields() -> None:
    table = notetypes.table(("Word", "Meaning", "Example"))
    assert table.fields == ("Word", "Meaning", "Example")
    assert table.name == "ankipress Table (Word, Meaning, Example)"
    assert table == notetypes.table(("Word", "Meaning", "Example"))
    assert table.id != notetypes.table(("Word", "Meaning", "Reading")).id
    named = notetypes.table(("Word", "Meaning", "Example"), name="Japanese")
    assert named.name == "Japanese"
    assert named.id not in (table.id, notetypes.table(("Word", "Meaning"), name="Japanese").id)


def test_table_field_names_are_made_usable_by_anki() -> None:
    names = notetypes.field_names(("Front", "", "a:b {c}", "#Notes", "front", "Tags"))
    assert names == ("Front", "Field 2", "ab c", "Notes", "front 2", "Tags 2")


def test_table_note_shows_extra_fields_labelled_under_the_answer(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    table = notetypes.table(("Word", "Meaning", "Example", "Field 4"))
    note = RenderedNote(
        "table-1",
        "Words",
        ("ありがとう", "thank you", "<b>どうも</b> ありがとう", ""),
        (),
        HERE,
        NoteKind.CUSTOM,
        notetype=table,
    )
    package = tmp_path / "table.apkg"
    write_apkg(package, [note], 1_750_000_000)

    assert anki.import_package(package).new == 1
    (card,) = anki.cards()
    assert '<div class="card-q">ありがとう</div>' in card.question_body
    answer = card.answer_body.split('<hr id="answer">', 1)[1]
    assert '<div class="card-a">thank you</div>' in answer
    assert '<div class="card-label">Example</div><b>どうも</b> ありがとう' in answer
    assert "Field 4" not in answer  # an empty field shows nothing, not even its label
    assert ".card-label" in card.css
