"""Our note types in the real Anki engine: cards per note, rendering, no forks."""

from __future__ import annotations

from pathlib import Path

from ankipress.building.pipeline import Options, convert
from ankipress.model import NoteKind, RenderedNote, SourceLocation
from ankipress.writers.apkg import write_apkg

from ankiengine import AnkiCollection

HERE = SourceLocation("test.txt", 1)


def _note(guid: str, kind: NoteKind, front: str, back: str, deck: str = "Kinds") -> RenderedNote:
    return RenderedNote(guid, deck, (front, back), ("kinds",), HERE, kind)


def test_basic_reversed_and_cloze_notes_make_the_right_cards(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    package = tmp_path / "kinds.apkg"
    write_apkg(
        package,
        [
            _note("basic-1", NoteKind.BASIC, "capital of France?", "Paris"),
            _note("rev-1", NoteKind.REVERSED, "chat", "cat"),
            _note(
                "cloze-1",
                NoteKind.CLOZE,
                "{{c1::Canberra}} is the capital of {{c2::Australia::a country}}",
                "since 1913",
            ),
            _note("cloze-2", NoteKind.CLOZE, "only {{c1::one}} deletion", ""),
        ],
        1_750_000_000,
    )

    counts = anki.import_package(package)

    assert counts.new == 4
    by_guid = {note.guid: note for note in anki.notes()}
    assert by_guid["basic-1"].notetype == "ankipress Basic"
    assert by_guid["rev-1"].notetype == "ankipress Basic (and reversed card)"
    assert by_guid["cloze-1"].notetype == "ankipress Cloze"
    assert [by_guid[g].card_count for g in ("basic-1", "rev-1", "cloze-1", "cloze-2")] == [
        1,
        2,
        2,
        1,
    ]
    cards = {(card.note_guid, card.ord): card for card in anki.cards()}
    reverse = cards[("rev-1", 1)]
    assert '<div class="card-q" dir="auto">cat</div>' in reverse.question_body
    assert '<div class="card-a" dir="auto">chat</div>' in reverse.answer_body
    first_gap = cards[("cloze-1", 0)]
    assert ">[...]</span> is the capital of" in first_gap.question_body
    assert ">Canberra<" not in first_gap.question_body
    assert ">Australia</span>" in first_gap.question_body
    second_gap = cards[("cloze-1", 1)]
    assert "[a country]" in second_gap.question_body
    assert '<span class="cloze" data-cloze="Australia" data-ordinal="2">[a country]</span>' in (
        second_gap.question_body
    )
    assert "since 1913" in second_gap.answer_body
    no_extra = cards[("cloze-2", 0)]
    assert '<hr id="answer">' not in no_extra.answer_body


def test_note_types_do_not_fork_on_a_second_release(tmp_path: Path, anki: AnkiCollection) -> None:
    notes = [
        _note("rev-1", NoteKind.REVERSED, "chat", "cat"),
        _note("cloze-1", NoteKind.CLOZE, "{{c1::x}}", ""),
    ]
    write_apkg(tmp_path / "one.apkg", notes, 1_750_000_000)
    write_apkg(tmp_path / "two.apkg", notes, 1_750_000_100)

    anki.import_package(tmp_path / "one.apkg")
    again = anki.import_package(tmp_path / "two.apkg")

    assert again.new == 0 and again.updated == 2
    assert anki.notetype_names(used_only=True) == [
        "ankipress Basic (and reversed card)",
        "ankipress Cloze",
    ]
    assert not any(name.endswith("+") for name in anki.notetype_names())


def test_reverse_and_type_answer_options(
    seed_copy: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    reversed_package = tmp_path / "rev.apkg"
    typed_package = tmp_path / "typed.apkg"
    convert([seed_copy], reversed_package, Options(kind=NoteKind.REVERSED), 1_750_000_000)
    convert(
        [seed_copy],
        typed_package,
        Options(kind=NoteKind.TYPE_ANSWER, deck="Typed"),
        1_750_000_000,
    )

    anki.import_package(reversed_package)
    anki.import_package(typed_package)

    notes = anki.notes()
    assert len(notes) == 32
    assert sorted({n.notetype for n in notes}) == [
        "ankipress Basic (and reversed card)",
        "ankipress Basic (type in the answer)",
    ]
    assert len(anki.cards()) == 16 * 2 + 16
    typed = next(c for c in anki.cards() if c.deck == "Typed")
    assert "[[type:Back]]" in typed.question_body  # the reviewer puts the input box here
