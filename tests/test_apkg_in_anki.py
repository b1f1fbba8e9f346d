"""End to end: build packages and import them into the real Anki engine, as a user would."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pytest

from ankipress import notetypes
from ankipress.building.pipeline import Options, build, convert

from ankiengine import AnkiCollection
from conftest import SEED

DECK = "Initialization and regularization"
T0 = 1_750_000_000


def _seed_cards() -> list[tuple[str, str]]:
    """The seed's (question, answer) pairs, read independently of the reader under test."""
    text = SEED.read_text(encoding="utf-8")
    chunks = re.split(
        r"\nHow well did you know this\?\n1\nNot at all\n2\n3\n4\n5\nPerfectly\n", text
    )
    cards = []
    for chunk in chunks:
        body = chunk[chunk.index("\nQ\n") + 3 :]
        question, answer = body.split("\n\nA\n\n", 1)
        cards.append((question.strip(), answer.strip()))
    return cards


def _text_of(field_html: str) -> str:
    """The lines a field shows, from its HTML: breaks, paragraphs and items as new lines."""
    text = re.sub(r"<br>|</p>|</li>|</div>", "\n", field_html)
    text = re.sub(r"<li>", "", text)
    ordered = re.findall(r"<ol(?: start=\"(\d+)\")?>(.*?)</ol>", field_html)
    for start, items in ordered:
        number = int(start or 1)
        for item in re.findall(r"<li>(.*?)</li>", items):
            text = text.replace(item + "\n", f"{number}. {item}\n", 1)
            number += 1
    text = re.sub(r"<[^>]+>", "", text)
    lines = [line for line in html.unescape(text).split("\n")]
    return "\n".join(lines).strip()


def _squash(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _build(folder: Path, out: Path, timestamp: int = T0) -> Path:
    reports = build(folder, out, Options(), timestamp=timestamp)
    assert len(reports) == 1
    return reports[0].plan.output


def test_seed_imports_as_sixteen_notes_with_the_seeds_text(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    package = _build(seed_copy.parent, tmp_path / "build")
    assert package.name == "initialization-and-regularization.apkg"

    counts = anki.import_package(package)

    assert (counts.new, counts.updated, counts.duplicate, counts.conflicting) == (16, 0, 0, 0)
    notes = anki.notes()
    cards = anki.cards()
    assert len(notes) == 16 and len(cards) == 16
    assert anki.deck_names() == [DECK]
    assert anki.notetype_names(used_only=True) == ["ankipress Basic"]
    expected = _seed_cards()
    assert len(expected) == 16
    for note, (question, answer) in zip(notes, expected, strict=True):
        assert note.decks == [DECK]
        assert _text_of(note.fields["Front"]) == question
        assert _squash(_text_of(note.fields["Back"])) == _squash(answer)
    for card in cards:
        for side in (card.question_html, card.answer_html):
            assert "How well did you know this" not in side
            assert "Not at all" not in side and "Perfectly" not in side


def test_rendered_cards_keep_the_authors_lines(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    anki.import_package(_build(seed_copy.parent, tmp_path / "build"))
    cards = anki.cards()

    ninth = cards[8]
    assert (
        ninth.question_body.strip()
        == '<div class="card-q" dir="auto">how to combate overfitting</div>'
    )
    back = ninth.answer_body
    assert back.startswith('<div class="card-q" dir="auto">how to combate overfitting</div>')
    assert '<hr id="answer">' in back
    answer = back.split('<div class="card-a" dir="auto">', 1)[1]
    # Five lines, one block each (set apart by the card CSS, so a wrapped line reads as one).
    assert answer.startswith('<div class="ankipress-lines"><div>increase amount of data (')
    assert answer.count("<div>") == 5
    assert "utilize data augmentation methods</div><div>decrease model size/complexity" in answer
    assert ".ankipress-lines > div + div" in ninth.css

    third = cards[2].answer_body
    assert (
        "variance per layer</div><div>1. weights and inputs centered at zero</div><div>2. "
        "weights and inputs are independent and identically distributed</div><div>3. biases "
        "are initialized as zeros</div></div><p>"
    ) in third

    eleventh = cards[10].answer_body
    assert "Regularization = \u201cmake overfitting harder.\u201d It\u2019s any trick" in eleventh
    assert ".nightMode" in cards[0].css


def test_importing_the_same_package_twice_adds_nothing(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    package = _build(seed_copy.parent, tmp_path / "build")
    anki.import_package(package)

    again = anki.import_package(package)

    assert (again.new, again.updated, again.duplicate) == (0, 0, 16)
    assert len(anki.notes()) == 16
    assert anki.notetype_names(used_only=True) == ["ankipress Basic"]


def test_an_edited_answer_rebuilt_later_updates_the_note_in_place(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    anki.import_package(_build(seed_copy.parent, tmp_path / "build"))
    before = {note.guid: note for note in anki.notes()}
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(
        text.replace("weight decay", "weight decay (the L2 penalty)"), encoding="utf-8"
    )

    counts = anki.import_package(_build(seed_copy.parent, tmp_path / "build", T0 + 60))

    assert counts.new == 0 and counts.conflicting == 0
    after = {note.guid: note for note in anki.notes()}
    assert after.keys() == before.keys()
    changed = [guid for guid in after if after[guid].fields != before[guid].fields]
    assert len(changed) == 1
    assert after[changed[0]].fields["Back"] == "weight decay (the L2 penalty)"
    assert len(anki.cards()) == 16
    assert anki.notetype_names(used_only=True) == ["ankipress Basic"]
    assert not any(name.endswith("+") for name in anki.notetype_names())


def test_a_new_release_of_the_card_style_updates_the_note_type(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection, monkeypatch: pytest.MonkeyPatch
) -> None:
    anki.import_package(_build(seed_copy.parent, tmp_path / "v1"))
    original = notetypes.basic

    def restyled() -> notetypes.NoteType:
        note_type = original()
        return notetypes.NoteType(
            note_type.name,
            note_type.fields,
            note_type.templates,
            note_type.css + "\n.card { letter-spacing: 0.01em; }\n",
        )

    monkeypatch.setattr("ankipress.notetypes.basic", restyled)
    # A release that changes the CSS moves TEMPLATES_CHANGED forward (a test enforces it).
    monkeypatch.setattr(notetypes, "TEMPLATES_CHANGED", notetypes.TEMPLATES_CHANGED + 60)
    anki.import_package(_build(seed_copy.parent, tmp_path / "v2", T0 + 60))

    assert anki.notetype_names(used_only=True) == ["ankipress Basic"]
    assert not any(name.endswith("+") for name in anki.notetype_names())
    assert "letter-spacing: 0.01em" in anki.notetype_css("ankipress Basic")
    assert len(anki.notes()) == 16


def test_two_builds_are_byte_identical(seed_copy: Path, tmp_path: Path) -> None:
    first = _build(seed_copy.parent, tmp_path / "one").read_bytes()
    seed_copy.touch()  # a newer file time must not matter when the time is given
    second = _build(seed_copy.parent, tmp_path / "two").read_bytes()

    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_convert_puts_notes_in_the_deck_and_tags_asked_for(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    output = tmp_path / "out" / "deck.apkg"
    convert(
        [seed_copy],
        output,
        Options(deck="ML::Regularization", tags=("ml", "course::week3")),
        timestamp=T0,
    )

    anki.import_package(output)

    assert anki.deck_names() == ["ML", "ML::Regularization"]
    notes = anki.notes()
    assert len(notes) == 16
    assert {tuple(sorted(note.tags)) for note in notes} == {("course::week3", "ml")}
    assert all(note.decks == ["ML::Regularization"] for note in notes)
