"""The lock file: which note of a build is which note of the last one (ankipress.lock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ankipress import ids
from ankipress.building import lock, lockmatch
from ankipress.building.lock import Lock, NoteKey, Record
from ankipress.errors import InputError
from ankipress.model import Severity, SourceLocation


@dataclass(frozen=True)
class Card:
    question: str
    answer: str
    deck: str = "Deck"
    file: str = "deck.md"
    guid: str | None = None


def _keys(cards: list[Card]) -> list[NoteKey]:
    keys = []
    asked: set[tuple[str, str]] = set()
    for line, card in enumerate(cards, 1):
        natural = card.guid or ids.note_guid(card.deck, card.question)
        if (card.deck, card.question) in asked and card.guid is None:  # as normalize does
            natural = ids.duplicate_guid(card.deck, card.question, card.answer)
        asked.add((card.deck, card.question))
        keys.append(
            NoteKey(
                natural,
                card.guid is not None,
                card.file,
                card.deck,
                ids.canonical_question(card.question),
                lock._answer_digest(card.answer),
                SourceLocation(card.file, line),
            )
        )
    return keys


def _build(cards: list[Card], before: Lock | None = None) -> tuple[list[str], lockmatch.Assignment]:
    """The GUIDs a build of ``cards`` writes, and the lock's decision, over ``before``."""
    previous = before or Lock(Path("ankipress.lock"))
    keys = _keys(cards)
    assignment = lockmatch.assign(previous, keys)
    guids = [assignment.guids.get(key.natural, key.natural) for key in keys]
    return guids, assignment


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the lock's path prints as "ankipress.lock"


def _relock(assignment: lockmatch.Assignment, tmp_path: Path) -> Lock:
    """The lock file as the build wrote it and the next build reads it."""
    path = Path("ankipress.lock")
    lock.save(path, assignment.records)
    return lock.load(path)


def _infos(assignment: lockmatch.Assignment) -> list[str]:
    return [d.message for said in assignment.diagnostics.values() for d in said]


BASE = [
    Card("What is a cell?", "The smallest unit of life."),
    Card("What does a ribosome make?", "Proteins."),
    Card("Where is DNA kept?", "In the nucleus."),
]


def _first(tmp_path: Path, cards: list[Card] = BASE) -> tuple[list[str], Lock]:
    guids, assignment = _build(cards)
    return guids, _relock(assignment, tmp_path)


def test_unchanged_notes_keep_their_ids_and_a_rebuild_changes_no_line(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    text = (tmp_path / "ankipress.lock").read_text("utf-8")

    again, assignment = _build(BASE, before)

    assert again == guids == [ids.note_guid("Deck", c.question) for c in BASE]
    assert assignment.guids == {} and _infos(assignment) == []
    assert not lock.save(tmp_path / "ankipress.lock", assignment.records)
    assert (tmp_path / "ankipress.lock").read_text("utf-8") == text


def test_a_question_fixed_keeps_its_id_by_its_answer(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    edited = [BASE[0], Card("What protein-making machine is a ribosome?", "Proteins."), BASE[2]]

    after, assignment = _build(edited, before)

    assert after == guids
    assert _infos(assignment) == [
        "the question changed (it was 'What does a ribosome make?'): the note keeps its id, "
        "matched by the same answer (ankipress.lock:6)"
    ]
    assert assignment.removed == ()


def test_a_question_and_its_answer_touched_up_in_place_keep_the_id(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    edited = [BASE[0], Card("What does a ribosome make ?", "Proteins, from amino acids."), BASE[2]]

    after, assignment = _build(edited, before)

    assert after == guids
    assert "matched by the same place, a similar question" in _infos(assignment)[0]


def test_a_card_replaced_by_another_is_a_new_note_and_the_old_one_is_removed(
    tmp_path: Path,
) -> None:
    guids, before = _first(tmp_path)
    replaced = [BASE[0], Card("Who wrote Macbeth?", "Shakespeare."), BASE[2]]

    after, assignment = _build(replaced, before)

    assert after[0] == guids[0] and after[2] == guids[2]
    assert after[1] == ids.note_guid("Deck", "Who wrote Macbeth?")
    assert [r.question for r in assignment.removed] == ["What does a ribosome make?"]
    gone = [r for r in assignment.records if r.removed]
    assert [(r.guid, r.question) for r in gone] == [(guids[1], "What does a ribosome make?")]


def test_similar_wording_with_a_new_answer_is_not_enough_below_the_threshold(
    tmp_path: Path,
) -> None:
    cards = [Card("Who wrote Hamlet?", "Shakespeare"), Card("Capital of Peru?", "Lima")]
    guids, before = _first(tmp_path, cards)

    after, _ = _build([Card("Who wrote Macbeth?", "Also Shakespeare"), cards[1]], before)

    assert after[0] != guids[0]


def test_swapped_cards_keep_their_own_ids(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)

    after, assignment = _build([BASE[2], BASE[0], BASE[1]], before)

    assert after == [guids[2], guids[0], guids[1]]
    assert _infos(assignment) == []


def test_two_swapped_cards_both_edited_go_each_to_its_closest_old_self(tmp_path: Path) -> None:
    cards = [
        Card("What is the capital of France?", "Paris"),
        Card("What is the capital of Spain?", "Madrid"),
    ]
    guids, before = _first(tmp_path, cards)
    edited = [
        Card("What's the capital of Spain?", "Madrid, since 1561"),
        Card("What's the capital of France?", "Paris, since 508"),
    ]

    after, _ = _build(edited, before)

    assert after == [guids[1], guids[0]]


def test_two_edits_that_could_be_either_old_note_match_neither(tmp_path: Path) -> None:
    cards = [Card("Define the term x1", "a"), Card("Define the term x2", "b"), Card("Other", "c")]
    guids, before = _first(tmp_path, cards)
    # Both new questions are as close to one old question as to the other.
    edited = [Card("Define the term x3", "d"), Card("Define the term x4", "e"), cards[2]]

    after, assignment = _build(edited, before)

    assert after[0] not in guids and after[1] not in guids
    assert len(assignment.removed) == 2


def test_a_shared_answer_is_no_evidence(tmp_path: Path) -> None:
    cards = [Card("Is the sky blue?", "True"), Card("Is water wet?", "True"), Card("Q", "A")]
    guids, before = _first(tmp_path, cards)
    edited = [Card("Do fish swim?", "True"), cards[1], cards[2]]

    after, _ = _build(edited, before)

    assert after[0] not in guids


def test_an_empty_answer_is_no_evidence(tmp_path: Path) -> None:
    cards = [Card("{{c1::Paris}} is in France", ""), Card("Q", "A")]
    guids, before = _first(tmp_path, cards)

    after, _ = _build([Card("{{c1::Lima}} is in Peru", ""), cards[1]], before)

    assert after[0] != guids[0]


def test_a_renamed_deck_and_a_moved_file_keep_every_id(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    moved = [Card(c.question, c.answer, deck="Cell biology", file="bio/cells.md") for c in BASE]

    after, assignment = _build(moved, before)

    assert after == guids
    assert _infos(assignment) == [
        "this note and 2 others moved from deck.md and from the deck 'Deck': they keep "
        "their ids (ankipress.lock:5)"
    ]
    said = next(iter(assignment.diagnostics.values()))[0]
    assert said.hint is not None and "never moves cards on import" in said.hint
    assert all(r.file == "bio/cells.md" for r in assignment.records)


def test_a_renamed_deck_with_an_edited_question_keeps_every_id(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    renamed = [Card(c.question, c.answer, deck="Cells") for c in BASE]
    renamed[1] = Card("What do ribosomes make?", "Proteins.", deck="Cells")

    after, _ = _build(renamed, before)

    assert after == guids


def test_one_question_in_two_decks_both_renamed_match_by_file(tmp_path: Path) -> None:
    cards = [
        Card("Define it", "x", deck="A", file="a.md"),
        Card("Define it", "x", deck="B", file="b.md"),
    ]
    guids, before = _first(tmp_path, cards)
    renamed = [
        Card("Define it", "x", deck="A2", file="a.md"),
        Card("Define it", "x", deck="B2", file="b.md"),
    ]

    after, _ = _build(renamed, before)

    assert after == guids


def test_one_question_in_two_decks_of_one_file_both_renamed_is_ambiguous(
    tmp_path: Path,
) -> None:
    cards = [Card("Define it", "x", deck="A"), Card("Define it", "x", deck="B"), Card("Q", "A")]
    guids, before = _first(tmp_path, cards)

    after, _ = _build(
        [Card("Define it", "x", deck="A2"), Card("Define it", "x", deck="B2"), cards[2]], before
    )

    assert not set(after[:2]) & set(guids)


HOMONYMS = [
    Card("What is a bank?", "Where money is kept."),
    Card("What is a bank?", "A river's edge."),
]


@pytest.mark.parametrize(
    "edited",
    [
        pytest.param(HOMONYMS, id="unchanged"),
        pytest.param([HOMONYMS[1], HOMONYMS[0]], id="swapped"),
        pytest.param(
            [Card("What is a bank?", "A place for money."), HOMONYMS[1]], id="first-answer"
        ),
        pytest.param([HOMONYMS[0], Card("What is a bank?", "A river's side.")], id="second-answer"),
        pytest.param(
            [Card("What is a bank?", "Money's place."), Card("What is a bank?", "A river's side.")],
            id="both-answers",
        ),
    ],
)
def test_one_question_with_two_answers_keeps_both_ids(tmp_path: Path, edited: list[Card]) -> None:
    guids, before = _first(tmp_path, HOMONYMS)

    after, assignment = _build(edited, before)

    swapped = edited[0].answer == HOMONYMS[1].answer
    assert after == (guids[::-1] if swapped else guids)
    assert assignment.removed == ()


def test_a_removed_note_that_comes_back_gets_its_old_id(tmp_path: Path) -> None:
    guids, before = _first(tmp_path)
    _, assignment = _build(BASE[:2], before)
    after_removal = _relock(assignment, tmp_path)

    back, again = _build(BASE, after_removal)

    assert back == guids
    assert not any(r.removed for r in again.records)
    assert again.general == ()


def test_a_question_that_took_an_id_leaves_a_new_note_with_its_old_text_another_id(
    tmp_path: Path,
) -> None:
    guids, before = _first(tmp_path)
    edited = [Card("What is a living cell?", "The smallest unit of life."), *BASE[1:]]
    _, assignment = _build(edited, before)
    locked = _relock(assignment, tmp_path)
    # The old question is asked again, as a new note, beside the edited one.
    both = [*edited, Card("What is a cell?", "A room in a prison.")]

    after, _ = _build(both, locked)

    assert after[0] == guids[0]
    assert after[3] == ids.note_guid("Deck", "What is a cell?", 1) != guids[0]
    assert len(set(after)) == 4


def test_notes_with_ids_of_their_own_are_kept_and_recorded(tmp_path: Path) -> None:
    cards = [Card("Q1", "A1", guid="given-1"), Card("Q2", "A2")]
    guids, before = _first(tmp_path, cards)

    after, _ = _build([Card("Q1 changed", "A1 changed", guid="given-1"), cards[1]], before)

    assert guids[0] == after[0] == "given-1"
    assert [r.guid for r in before.records] == ["given-1", guids[1]]


def test_removed_notes_are_listed_once_and_kept(tmp_path: Path) -> None:
    _, before = _first(tmp_path)
    _, assignment = _build(BASE[:1], before)
    removed = [d for d in assignment.general if d.severity is Severity.INFO]
    listed = _relock(assignment, tmp_path)
    _, later = _build(BASE[:1], listed)

    assert [str(d) for d in removed] == [
        "ankipress.lock:6: info: 2 notes of deck.md no longer in the sources: "
        "'What does a ribosome make?', 'Where is DNA kept?'; Anki never deletes notes on "
        "import: tell your users to delete them (--report lists their ids)"
    ]
    assert [d.severity for d in later.general] == [Severity.NOTE, Severity.NOTE]
    assert later.removed == ()
    assert "removed earlier: 'Where is DNA kept?'" in later.general[1].message


def test_records_of_packages_not_rebuilt_are_carried_as_they_are(tmp_path: Path) -> None:
    cards = [Card("Q1", "A1", file="a.md"), Card("Q2", "A2", file="b.md")]
    _, before = _first(tmp_path, cards)

    decided = lockmatch.assign(before, _keys(cards[1:]), ["a.md"])

    assert [(r.file, r.removed) for r in decided.records] == [("a.md", False), ("b.md", False)]
    assert decided.removed == ()


def test_the_lock_file_is_stable_text(tmp_path: Path) -> None:
    _, before = _first(tmp_path)
    text = (tmp_path / "ankipress.lock").read_text("utf-8")

    assert text.splitlines()[3:] == [
        '{"lock": 1, "guids": "ankipress/guid/v1"}',
        *(
            f'["deck.md", "Deck", {_json(ids.note_guid("Deck", c.question))}, '
            f'"{lock._answer_digest(c.answer)}", "{c.question}"]'
            for c in BASE
        ),
    ]
    assert lock.dump(before.records) == text


def _json(text: str) -> str:
    import json

    return json.dumps(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v1"}\n<<<<<<< HEAD\n',
            "ankipress.lock:2: error: the lock file holds a merge conflict; keep both sides' "
            "lines (each note is one line) and delete the markers",
            id="merge-conflict",
        ),
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v1"}\n["a.md", 1, "D", "g"\n',
            "ankipress.lock:2: error: not a line of a lock file; restore it from version "
            "control, or build with --no-lock",
            id="cut-short",
        ),
        pytest.param(
            '{"lock": 2, "guids": "ankipress/guid/v1"}\n',
            "ankipress.lock:1: error: the lock file is of format 2; this ankipress reads "
            "format 1; use the ankipress that wrote it",
            id="newer-format",
        ),
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v9"}\n',
            "ankipress.lock:1: error: the lock file's ids were made by the scheme "
            "'ankipress/guid/v9', not 'ankipress/guid/v1'; use the ankipress that wrote it",
            id="other-scheme",
        ),
        pytest.param(
            '["a.md", "D", "g", "", "Q"]\n',
            'ankipress.lock:1: error: the lock file\'s first line must be {"lock": 1, ...}; '
            "restore it from version control, or build with --no-lock",
            id="no-header",
        ),
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v1"}\n["a.md", "D", "g", "", "Q", "gone"]\n',
            'ankipress.lock:2: error: a sixth item can only be "removed"; '
            "restore it from version control, or build with --no-lock",
            id="bad-mark",
        ),
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v1"}\n["a.md", 1, "D", "g", "Q"]\n',
            "ankipress.lock:2: error: a lock line must be a list [file, deck, guid, answer "
            'digest, question] (and "removed") of text; restore it from version control, or '
            "build with --no-lock",
            id="not-text",
        ),
        pytest.param(
            '{"lock": 1, "guids": "ankipress/guid/v1"}\n["a.md", "D", "g", "", "Q"]\n'
            '["a.md", "D", "g", "", "Q edited"]\n',
            "ankipress.lock:3: error: the GUID 'g' of a.md is also at line 2; keep one of the "
            "two lines",
            id="merged-twice",
        ),
    ],
)
def test_a_damaged_lock_file_is_an_error_naming_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("ankipress.lock").write_text(text, encoding="utf-8")

    with pytest.raises(InputError) as caught:
        lock.load(Path("ankipress.lock"))

    assert [str(d) for d in caught.value.diagnostics] == [message]


def test_no_lock_file_is_an_empty_lock(tmp_path: Path) -> None:
    assert lock.load(tmp_path / "ankipress.lock").records == ()


def test_records_read_back_as_written(tmp_path: Path) -> None:
    record = Record("a b/ü.md", None, "D::E", 'g"\\', "", 'Q with "quotes"\tand tab')
    lock.save(tmp_path / "x.lock", [record])

    assert lock.load(tmp_path / "x.lock").records == (record,)


def test_a_note_added_or_edited_changes_one_line_of_the_lock(tmp_path: Path) -> None:
    _, before = _first(tmp_path)
    old = Path("ankipress.lock").read_text("utf-8").splitlines()
    added = [BASE[0], Card("What is a membrane?", "A cell's boundary."), *BASE[1:]]
    _, assignment = _build(added, before)
    new = lock.dump(assignment.records).splitlines()
    _, edited = _build([BASE[0], BASE[1], Card("Where is DNA stored?", "In the nucleus.")], before)

    assert [line for line in new if line not in old] == [new[5]]
    assert "What is a membrane?" in new[5] and len(new) == len(old) + 1
    changed = [line for line in lock.dump(edited.records).splitlines() if line not in old]
    assert len(changed) == 1 and "Where is DNA stored?" in changed[0]


def test_a_lock_file_that_knows_none_of_the_notes_is_an_error(tmp_path: Path) -> None:
    _, before = _first(tmp_path)

    with pytest.raises(InputError) as caught:
        _build([Card("Other", "deck"), Card("Entirely", "new")], before)

    assert [str(d) for d in caught.value.diagnostics] == [
        "ankipress.lock: error: the lock file does not match these sources: none of its 3 "
        "notes is among them; is it this project's lock file? Build from the folder it was "
        "made in, or delete it to start afresh (the notes get new ids)"
    ]


def test_a_package_replaced_while_the_others_are_up_to_date_is_no_mismatch(
    tmp_path: Path,
) -> None:
    cards = [Card("Q1", "A1", file="kept.md"), Card("Q2", "A2", file="old.md")]
    _, before = _first(tmp_path, cards)

    decided = lockmatch.assign(before, _keys([Card("New", "note", file="new.md")]), ["kept.md"])

    assert [r.question for r in decided.removed] == ["Q2"]
