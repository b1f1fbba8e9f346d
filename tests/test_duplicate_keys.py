"""The duplicate check that keeps keys on disk decides as the one that holds every note."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from ankipress.duplicates import DuplicateKeys, OnDuplicate, drop_duplicates
from ankipress.model import Note, SourceLocation


def _notes(seed: int, count: int) -> list[Note]:
    draw = random.Random(seed)
    notes = []
    for line in range(1, count + 1):
        question = draw.choice(["Q one?", "Q two?", "q  ONE?", "Q three?", f"Q {line}?"])
        answer = draw.choice(["yes", "no", "YES", "maybe"])
        deck = draw.choice(["Deck", "Deck", "Other"])
        tags = tuple(draw.sample(["a", "b", "c"], draw.randint(0, 2)))
        guid = draw.choice([None] * 8 + ["given1", "given2"])
        where = SourceLocation("deck.txt", line)
        notes.append(Note(question, answer, deck, where, tags, guid))
    return notes


@pytest.mark.parametrize("policy", [OnDuplicate.AUTO, OnDuplicate.FIRST, OnDuplicate.ERROR])
@pytest.mark.parametrize("chunk", [1, 3, 50])
@pytest.mark.parametrize("seed", range(4))
def test_keys_on_disk_keep_drop_and_say_what_every_note_in_memory_does(
    tmp_path: Path, policy: OnDuplicate, chunk: int, seed: int
) -> None:
    notes = _notes(seed, 40)
    expected, said = drop_duplicates(notes, policy)
    keys = DuplicateKeys(tmp_path / "keys.db", policy)
    kept: list[tuple[Note, str]] = []
    for start in range(0, len(notes), chunk):
        more, retagged = keys.sift(notes[start : start + chunk])
        for position, tags in retagged:
            note, guid = kept[position]
            kept[position] = (replace(note, tags=tags), guid)
        kept.extend(more)
    keys.close()
    assert kept == expected
    assert [str(d) for d in keys.diagnostics] == [str(d) for d in said]
    assert keys.seen - keys.kept == len(notes) - len(expected)
