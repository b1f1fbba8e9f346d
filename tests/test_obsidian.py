"""The Obsidian readers: identity from the plugin's ids, and detection beside Markdown decks."""

from __future__ import annotations

from pathlib import Path

from ankipress import readers
from ankipress.model import ReadOptions, Severity
from ankipress.readers.obsidian_sr import ObsidianSrReader
from ankipress.readers.obsidian_to_anki import ObsidianToAnkiReader
from ankipress.sources import Source

_OPTIONS = ReadOptions(default_deck="notes")


def _read(text: str, path: str = "notes.md") -> list[tuple[str, str, str | None]]:
    result = ObsidianToAnkiReader().read(Source.from_text(path, text), _OPTIONS)
    return [(note.question, note.deck, note.guid) for note in result.notes]


def test_the_plugin_id_is_the_identity_whatever_the_deck_and_question() -> None:
    before = _read("START\nBasic\nWhat is a cell?\nBack: a unit\n<!--ID: 42-->\nEND\n")
    after = _read(
        "TARGET DECK: Biology\nSTART\nBasic\nWhat is a living cell?\nBack: a unit\nID: 42\nEND\n"
    )
    other = _read("START\nBasic\nWhat is a cell?\nBack: a unit\n<!--ID: 43-->\nEND\n")
    assert before[0][2] is not None
    assert before[0][2] == after[0][2] != other[0][2]
    assert after[0][1] == "Biology"


def test_a_markdown_deck_is_still_a_markdown_deck() -> None:
    text = "# Deck\n\n## What is a cell?\n\nThe unit of life. Q: not a card\n\nA: nor this\n"
    source = Source.from_text("deck.md", text)
    assert readers.detect(source, _OPTIONS).name == "markdown"


def test_an_obsidian_to_anki_note_with_headings_is_detected() -> None:
    text = "# Cells\n\n## Parts\n\nSTART\nBasic\nWhat is a cell?\nBack: a unit\nEND\n"
    source = Source.from_text("cells.md", text)
    assert readers.detect(source, _OPTIONS).name == "obsidian-to-anki"


def test_a_quizlet_list_of_double_colons_is_still_quizlet() -> None:
    text = "cell::the unit of life\nnucleus::holds the DNA\nribosome::makes proteins\n"
    source = Source.from_text("terms.txt", text)
    assert readers.detect(source, _OPTIONS).name == "quizlet"


def test_a_markdown_deck_mentioning_double_colons_is_still_markdown() -> None:
    text = "# C++\n\n## What holds a growable array?\n\nstd::vector\n\n## And a map?\n\nstd::map\n"
    source = Source.from_text("cpp.md", text)
    assert readers.detect(source, _OPTIONS).name == "markdown"


def test_a_note_tagged_for_spaced_repetition_is_detected() -> None:
    text = "# Cells\n\n## Parts\n\n#flashcards\n\nWhat is a cell::The unit of life\n"
    source = Source.from_text("cells.md", text)
    assert readers.detect(source, _OPTIONS).name == "obsidian-sr"


def test_prose_is_not_a_card() -> None:
    text = "Cells are small.\n\nThe nucleus is ==important==, as std::vector is.\n"
    source = Source.from_text("prose.md", text)
    assert readers.detect(source, _OPTIONS).name == "markdown"


def test_embeds_are_found_by_name_inside_the_vault_and_never_outside(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "attachments").mkdir()
    (vault / "attachments" / "cell.png").write_bytes(b"\x89PNG picture")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    notes = vault / "notes" / "bio"
    notes.mkdir(parents=True)
    note = notes / "cells.md"
    note.write_text(
        "#flashcards\n\nWhat does a cell look like::![[cell.png|200]] [[Cell]]\n"
        "Where is the secret::![[../../../secret.png]]\n",
        encoding="utf-8",
    )
    result = ObsidianSrReader().read(Source.from_text(str(note), note.read_text()), _OPTIONS)
    assert [(m.name, m.data) for m in result.media] == [("cell.png", b"\x89PNG picture")]
    assert result.notes[0].answer == "![](<cell.png>) Cell"
    errors = [str(d) for d in result.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1
    assert "'../../../secret.png'" in errors[0] and "leads out of the folder" in errors[0]


def test_an_embed_not_found_names_the_vault_from_the_note(tmp_path: Path) -> None:
    (tmp_path / ".obsidian").mkdir()
    note = tmp_path / "a" / "b" / "note.md"
    note.parent.mkdir(parents=True)
    text = "#flashcards\n\nPicture::![[gone.png]]\n"
    note.write_text(text, encoding="utf-8")
    result = ObsidianSrReader().read(Source.from_text(str(note), text), _OPTIONS)
    assert [d.message for d in result.diagnostics if d.severity is Severity.ERROR] == [
        "embedded file 'gone.png' not found: in the vault (the folder '../..' above the note)"
    ]
