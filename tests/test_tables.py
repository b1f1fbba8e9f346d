"""Tables of any width: the table note type, and what Anki shows of its fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankipress import notetypes, readers
from ankipress.building.pipeline import Options, convert
from ankipress.model import NoteKind, RenderedNote, SourceLocation
from ankipress.readers.csv import CsvReader
from ankipress.readers.csvheader import header_reason
from ankipress.sources import Source, load
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
    assert '<div class="card-q" dir="auto">ありがとう</div>' in card.question_body
    answer = card.answer_body.split('<hr id="answer">', 1)[1]
    assert '<div class="card-a" dir="auto">thank you</div>' in answer
    assert '<div class="card-label">Example</div><b>どうも</b> ありがとう' in answer
    assert "Field 4" not in answer  # an empty field shows nothing, not even its label
    assert ".card-label" in card.css


def _answer_side(answer_body: str) -> str:
    return answer_body.split('<hr id="answer">', 1)[1]


def test_a_wide_table_imports_with_every_column_on_the_back(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    table = tmp_path / "words.csv"
    table.write_text(
        "English,Kana,Romaji,Example\n"
        "yesterday,きのう,kinou,<b>きのう</b>は雨でした。\n"
        "today,きょう,kyou,\n",
        encoding="utf-8",
    )
    convert([table], tmp_path / "words.apkg", Options(), timestamp=1_750_000_000)

    assert anki.import_package(tmp_path / "words.apkg").new == 2
    (notetype,) = anki.notetype_names(used_only=True)
    assert notetype == "ankipress Table (English, Kana, Romaji, Example)"
    cards = {card.note_guid: card for card in anki.cards()}
    by_front = {note.fields["English"]: cards[note.guid] for note in anki.notes()}
    yesterday = _answer_side(by_front["yesterday"].answer_body)
    assert '<div class="card-a" dir="auto">きのう</div>' in yesterday
    assert '<div class="card-label">Romaji</div>kinou' in yesterday
    # The table holds HTML, so it is rendered as HTML, not shown as markup.
    assert '<div class="card-label">Example</div><b>きのう</b>は雨でした。' in yesterday
    today = _answer_side(by_front["today"].answer_body)
    assert '<div class="card-label">Romaji</div>kyou' in today
    assert "Example" not in today


def test_a_rebuilt_table_updates_its_note_type_instead_of_forking_it(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    table = tmp_path / "verbs.tsv"
    table.write_text("to go\tikimasu\tiku\nto eat\ttabemasu\ttaberu\n", encoding="utf-8")
    convert([table], tmp_path / "one.apkg", Options(), timestamp=1_750_000_000)
    table.write_text("to go\tikimasu\tiku (plain form)\nto eat\ttabemasu\ttaberu\n", "utf-8")
    convert([table], tmp_path / "two.apkg", Options(), timestamp=1_750_000_100)

    anki.import_package(tmp_path / "one.apkg")
    again = anki.import_package(tmp_path / "two.apkg")

    assert again.new == 0 and again.updated == 2
    assert anki.notetype_names(used_only=True) == ["ankipress Table (Front, Back, Field 3)"]
    assert not any(name.endswith("+") for name in anki.notetype_names())
    fields = sorted(note.fields["Field 3"] for note in anki.notes())
    assert fields == ["iku (plain form)", "taberu"]


_VOCAB = [["yesterday", "きのう", "kinou"], ["today", "きょう", "kyou"], ["tomorrow", "あした", ""]]


@pytest.mark.parametrize(
    ("first", "below", "reason"),
    [
        pytest.param(
            ["Word", "Meaning", "Tags"], [["犬", "dog", "animals"]], "labels", id="notion"
        ),
        pytest.param(["Question", "Answer", "Name"], [], "question", id="brainscape"),
        pytest.param(["English", "Kana", "Romaji"], _VOCAB, "labels", id="script-differs"),
        pytest.param(["no.", "word"], [["1", "Hund"], ["2", "Katze"]], None, id="sentence-end"),
        pytest.param(
            ["Nr", "Word"], [["1", "Hund"], ["2", "Katze"], ["3", "Maus"]], "labels", id="numbers"
        ),
        pytest.param(["Spanish", "Spanisch"], [["French", "Französisch"]], None, id="one-row"),
        pytest.param(["yesterday", "きのう", "kinou"], _VOCAB, None, id="vocabulary-row"),
        pytest.param(["english", "inglés"], [["Spanish", "español"]], None, id="one-label"),
        pytest.param(["a", "b", "c", "d"], [["e", "f", "g", "h"]], None, id="letters"),
        pytest.param(["Word", "Word"], [["犬", "dog"]], None, id="repeated"),
        pytest.param(["Word", "Meaning"], [["Word", "a unit of language"]], None, id="in-column"),
        pytest.param(["Hello there, how are you today?", "Hola"], [], None, id="sentence"),
    ],
)
def test_header_rows_are_told_from_first_cards(
    first: list[str], below: list[list[str]], reason: str | None
) -> None:
    found = header_reason(first, below)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def _sniffed(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return readers.detect(load(path, name, None)).name


def test_a_txt_table_of_three_columns_is_a_table_not_a_quizlet_export(tmp_path: Path) -> None:
    text = "Hund\tdog\tder\nKatze\tcat\tdie\nMaus\tmouse\t\n"
    assert _sniffed(tmp_path, "three.txt", text) == "csv"
    # Flashcards Deluxe ends every line with a tab: two columns and padding, no table.
    padded = "".join(f"term {i}\tdefinition {i}\t\n" for i in range(10))
    assert CsvReader().sniff(load_text(tmp_path, padded)) < 1.0


def load_text(tmp_path: Path, text: str) -> Source:
    path = tmp_path / "padded.txt"
    path.write_text(text, encoding="utf-8")
    return load(path, "padded.txt", None)
