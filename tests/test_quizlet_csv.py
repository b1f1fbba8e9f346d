"""Quizlet exports and CSV tables, end to end: converted, imported into the real Anki engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli

from ankiengine import AnkiCollection

T0 = 1_750_000_000

# The cards every Quizlet export below holds: a plain one, a multi-line definition holding a
# comma, and Unicode. No definition holds a semicolon, so every separator choice can carry them.
CARDS = [
    ("der Hund", "the dog"),
    ("die Katze", "a pet, small and proud\nthat purrs"),
    ("Straße", "street \u2014 \u201croad\u201d"),
]
# The fields Anki stores for them: plain text, line breaks as <br>.
FIELDS = [{"Front": question, "Back": answer.replace("\n", "<br>")} for question, answer in CARDS]


def _export(term: str, card: str, line_end: str = "\n") -> str:
    """The text Quizlet writes for CARDS with the given separators."""
    text = card.join(f"{question}{term}{answer}" for question, answer in CARDS) + "\n"
    return text.replace("\n", line_end)


def _import(anki: AnkiCollection, source: Path, options: Options) -> None:
    package = source.with_suffix(".apkg")
    report = convert([source], package, options, timestamp=T0)
    assert [d.severity.value for d in report.diagnostics if d.severity.value != "info"] == []
    counts = anki.import_package(package)
    assert (counts.new, counts.conflicting) == (len(report.plan.notes), 0)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        pytest.param(_export("\t", "\n"), Options(), id="tab-newline-detected"),
        pytest.param(_export("\t", "\n", "\r\n"), Options(), id="tab-newline-crlf"),
        pytest.param(_export(",", "\n"), Options(), id="comma-newline-detected"),
        pytest.param(_export("\t", ";"), Options(), id="tab-semicolon-detected"),
        pytest.param(
            _export(",", ";"),
            Options(input_format="quizlet", separator=",", card_separator=";"),
            id="comma-semicolon-given",
        ),
        pytest.param(
            _export(" - ", "\n\n"),
            Options(input_format="quizlet", separator=" - ", card_separator="\n\n"),
            id="custom-dash-blank-line",
        ),
        pytest.param(
            _export(" :: ", ";;\n"),
            Options(input_format="quizlet", separator=" :: ", card_separator=";;"),
            id="custom-double-colon-double-semicolon",
        ),
        pytest.param(
            _export("\t", "\n\n\n"),
            Options(input_format="quizlet", card_separator="\\n\\n\\n"),
            id="tab-two-blank-lines-as-typed",
        ),
    ],
)
def test_quizlet_exports_import_with_every_separator_choice(
    text: str, options: Options, tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "German words.txt"
    source.write_bytes(text.encode("utf-8"))

    _import(anki, source, options)

    notes = anki.notes()
    assert [note.fields for note in notes] == FIELDS
    assert all(note.decks == ["German words"] and note.tags == [] for note in notes)
    assert anki.notetype_names(used_only=True) == ["ankipress Basic"]


CP1252_CSV = (
    "Question,Answer,Tags,Deck,GUID\r\n"
    '"Café","crème brûlée, très bon",food fr,Français::Cuisine,cafe-1\r\n'
    '"Paris, France","the capital,\r\non the Seine",geo,,\r\n'
    '"naïve","“quoted” – €5",,,\r\n'
)


def test_a_windows_1252_csv_with_header_quotes_and_a_two_line_field(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "French.csv"
    source.write_bytes(CP1252_CSV.encode("cp1252"))

    report = convert([source], tmp_path / "French.apkg", Options(), timestamp=T0)
    anki.import_package(report.plan.output)

    assert [str(d) for d in report.diagnostics] == [
        f"{source}: info: not UTF-8; read as cp1252 (detected); if the text looks wrong, "
        "name the encoding with --encoding"
    ]
    assert [note.location.line for note in report.plan.notes] == [2, 3, 5]
    notes = {note.fields["Front"]: note for note in anki.notes()}
    assert notes.keys() == {"Café", "Paris, France", "naïve"}
    cafe = notes["Café"]
    assert cafe.fields["Back"] == "crème brûlée, très bon"
    assert (cafe.guid, cafe.tags, cafe.decks) == ("cafe-1", ["food", "fr"], ["Français::Cuisine"])
    paris = notes["Paris, France"]
    assert paris.fields["Back"] == "the capital,<br>on the Seine"
    assert (paris.tags, paris.decks) == (["geo"], ["French"])
    assert notes["naïve"].fields["Back"] == "\u201cquoted\u201d \u2013 \u20ac5"
    assert anki.deck_names() == ["Français", "Français::Cuisine", "French"]


def test_a_csv_guid_column_lets_an_edited_question_update_its_note(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "French.csv"
    source.write_bytes(CP1252_CSV.encode("cp1252"))
    convert([source], tmp_path / "v1.apkg", Options(), timestamp=T0)
    anki.import_package(tmp_path / "v1.apkg")
    source.write_bytes(CP1252_CSV.replace('"Café"', '"Le café"').encode("cp1252"))

    convert([source], tmp_path / "v2.apkg", Options(), timestamp=T0 + 60)
    counts = anki.import_package(tmp_path / "v2.apkg")

    assert (counts.new, counts.updated) == (0, 3)
    assert {note.guid: note.fields["Front"] for note in anki.notes()}["cafe-1"] == "Le café"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"SOURCE_DATE_EPOCH": str(T0)})


def test_cli_quizlet_with_custom_separators_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anki: AnkiCollection
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("words.txt").write_text(_export(" - ", "\n\n"), encoding="utf-8")

    result = run(
        "convert", "words.txt", "-o", "words.apkg", "--from", "quizlet",
        "--sep", " - ", "--card-sep", "\\n\\n",
    )  # fmt: skip

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "wrote words.apkg: 3 notes from 3 cards in deck 'words'; 0 warnings\n"
    anki.import_package(tmp_path / "words.apkg")
    assert [note.fields for note in anki.notes()] == FIELDS


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        pytest.param(
            "cards.csv",
            "capital of France,Paris\nlargest planet,Jupiter, by far\n",
            ("--columns", "question,answer"),
            "cards.csv:2: error: expected 2 columns (question, answer), found 3; "
            "quote fields that contain commas\n",
            id="csv-column-count",
        ),
        pytest.param(
            "cards.csv",
            'q1,a1\nq2,"never closed\nq3,a3\n',
            (),
            "cards.csv:2: error: unterminated quote: the quoted field opened on this line is "
            'never closed; end it with a quote ("); write a quote inside a quoted field as two '
            'quotes ("")\n',
            id="csv-unterminated-quote",
        ),
        pytest.param(
            "cards.csv",
            "a,b\n",
            ("--columns", "tags,question"),
            "cards.csv: error: --columns names no answer column; name the columns question "
            "(front, term, q), answer (back, definition, a), tags, deck, guid (id), notetype, "
            "or a field name\n",
            id="csv-no-answer-column",
        ),
    ],
)
def test_cli_bad_input_is_one_error_line_and_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(content, encoding="utf-8")

    result = run("convert", name, "-o", "out.apkg", *args)

    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message)
    assert not Path("out.apkg").exists()


def test_quizlet_fields_holding_tags_render_as_html_in_anki(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    """As Anki's importer decides: a file whose fields hold a tag is HTML, every field of it."""
    source = tmp_path / "cells.txt"
    source.write_text(
        "<b>mitochondrion</b>\tthe powerhouse<br>of the cell\nribosome\tmakes proteins,\n"
        "reading mRNA\nx < y\tless than\n",
        encoding="utf-8",
    )

    report = convert([source], tmp_path / "cells.apkg", Options(), timestamp=T0)
    anki.import_package(report.plan.output)

    assert [str(d) for d in report.diagnostics] == [
        f"{source}:1: info: fields hold HTML tags: every field is read as HTML, as Anki's "
        "importer reads it; write &lt; for a < that is not a tag"
    ]
    assert [note.fields for note in anki.notes()] == [
        {"Front": "<b>mitochondrion</b>", "Back": "the powerhouse<br>of the cell"},
        {"Front": "ribosome", "Back": "makes proteins,<br>reading mRNA"},
        {"Front": "x < y", "Back": "less than"},
    ]
    first = anki.cards()[0]
    assert "<b>mitochondrion</b>" in first.question_body
    assert "&lt;b&gt;" not in first.answer_body


def test_flashcards_deluxe_settings_and_column_names_are_not_cards(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "verbs.txt"
    source.write_text(
        "*\tname\tVerbs\n*\tauthor\tA. Teacher\nText 1\tText 2\t\nhablar\tto speak\t\n"
        "comer\tto eat\t\n",
        encoding="utf-8",
    )

    report = convert([source], tmp_path / "verbs.apkg", Options(), timestamp=T0)
    anki.import_package(report.plan.output)

    assert [str(d) for d in report.diagnostics] == [
        f"{source}: info: lines 1-3 read as Flashcards Deluxe settings and column names, "
        "not as cards"
    ]
    assert [note.fields for note in anki.notes()] == [
        {"Front": "hablar", "Back": "to speak"},
        {"Front": "comer", "Back": "to eat"},
    ]


@pytest.mark.parametrize(
    ("content", "args", "stdout", "stderr"),
    [
        pytest.param(
            "Paris, France - capital city\nLyon, France - third city\n",
            ("--sep", " - "),
            "wrote out.apkg: 2 notes from 2 cards in deck 'cities'; 0 warnings\n",
            "",
            id="sep-implies-quizlet",
        ),
        pytest.param(
            "Paris, France - capital city\nLyon, France - third city\n",
            (),
            "",
            "cities.txt: error: cannot tell the separator of term and definition: ' - ' and "
            'comma both split the cards (as \' - \': "Paris, France" → "capital city"; as '
            'comma: "Paris" → "France - capital city"); name it with --sep (and --card-sep if '
            "need be)\n",
            id="two-readings-shown",
        ),
    ],
)
def test_cli_detection_says_what_it_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: str,
    args: tuple[str, ...],
    stdout: str,
    stderr: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cities.txt").write_text(content, encoding="utf-8")

    result = run("convert", "cities.txt", "-o", "out.apkg", *args)

    assert (result.exit_code, result.stdout, result.stderr) == (1 if stderr else 0, stdout, stderr)


def test_quizlet_empty_definition_is_kept_with_a_warning(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("lysosome\tbreaks down waste\nvacuole\t\n", "utf-8")

    result = run("convert", str(words), "-o", str(tmp_path / "w.apkg"), "--from", "quizlet")

    assert result.exit_code == 0
    assert result.stderr == (
        f"{words}:2: warning: the answer is empty: the note is kept, as Anki keeps it; write "
        "an answer, or make the note a cloze with {{c1::…}}\n"
    )
