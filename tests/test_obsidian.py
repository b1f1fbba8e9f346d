"""The Obsidian readers: identity from the plugin's ids, and detection beside Markdown decks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankipress import readers
from ankipress.building.pipeline import Options, convert
from ankipress.errors import InputError
from ankipress.model import ReadOptions, Severity
from ankipress.readers.obsidian_sr import ObsidianSrReader
from ankipress.readers.obsidian_to_anki import ObsidianToAnkiReader
from ankipress.sources import Source
from hostile_apkg import PNG

from ankiengine import AnkiCollection

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
    assert "'../../../secret.png'" in errors[0] and "leads out of the vault" in errors[0]


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


def _vault_with_attachments(root: Path) -> Path:
    """A vault as people keep one in git: no .obsidian/, pictures in a shared folder."""
    vault = root / "vault"
    (vault / "attachments").mkdir(parents=True)
    (vault / "attachments" / "cell.png").write_bytes(PNG)
    (vault / "attachments" / "leaf.png").write_bytes(PNG + b"leaf")
    (vault / "biology" / "plants").mkdir(parents=True)
    (vault / "biology" / "cells.md").write_text(
        "#flashcards/biology\n\nWhat does a cell look like::![[cell.png|200]]\n\n"
        "The ==nucleus== of a cell?\n?\n> [!note]- Remember\n> It holds the ==DNA==.\n",
        encoding="utf-8",
    )
    (vault / "biology" / "plants" / "leaves.md").write_text(
        "START\nBasic\nWhat does a leaf look like?\nBack: ![[leaf.png]]\nEND\n",
        encoding="utf-8",
    )
    return vault


def test_a_vault_given_as_a_folder_packs_every_picture_of_its_attachments(
    tmp_path: Path,
) -> None:
    vault = _vault_with_attachments(tmp_path)
    report = convert([vault], tmp_path / "vault.apkg", Options(), 1_700_000_000)
    assert [d for d in report.diagnostics if d.severity is Severity.ERROR] == []
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "vault.apkg").new == 3
        media = Path(anki.collection.media.dir())
        assert (media / "cell.png").read_bytes() == PNG
        assert (media / "leaf.png").read_bytes() == PNG + b"leaf"
        shown = {c.question_body: c.answer_body for c in anki.cards()}
    answers = "\n".join(shown.values())
    assert '<img src="cell.png"' in answers and '<img src="leaf.png"' in answers
    # ==highlight== is a highlight; a callout shows its title, folded or not.
    nucleus = next(a for q, a in shown.items() if "nucleus" in q)
    assert "<mark>nucleus</mark>" in nucleus and "<mark>DNA</mark>" in nucleus
    assert "<strong>Remember</strong>" in nucleus and "[!note]" not in nucleus


def test_an_embed_that_leaves_the_vault_is_an_error_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    vault = _vault_with_attachments(tmp_path)
    (tmp_path / "private.png").write_bytes(PNG)
    note = vault / "biology" / "cells.md"
    note.write_text(note.read_text() + "\nWhat is private::![[../../private.png]]\n")
    with pytest.raises(InputError) as raised:
        convert([vault], tmp_path / "vault.apkg", Options(), 1_700_000_000)
    assert [str(d) for d in raised.value.diagnostics if d.severity is Severity.ERROR] == [
        f"{note}:10: error: embedded file '../../private.png' is refused: it leads out of "
        "the vault; embeds are resolved by name inside the vault (the folder "
        "holding .obsidian/, the folder given, or the note's folder)"
    ]
    assert not (tmp_path / "vault.apkg").exists()


def test_a_whole_vault_builds_from_its_notes_with_cards(tmp_path: Path) -> None:
    vault = _vault_with_attachments(tmp_path)
    (vault / ".obsidian").mkdir()
    (vault / "daily").mkdir()
    (vault / "daily" / "2024-01-05.md").write_text("# Friday\n\nMet Ana about the plan.\n")
    (vault / "board.canvas").write_text('{"nodes": [], "edges": []}')
    (vault / "attachments" / "paper.pdf").write_bytes(b"%PDF-1.7")
    report = convert([vault], tmp_path / "vault.apkg", Options(), 1_700_000_000)
    assert [str(d) for d in report.diagnostics] == [
        f"{vault / 'daily' / '2024-01-05.md'}: note: no cards in this note: skipped"
    ]
    assert (tmp_path / "vault.apkg").exists()


def test_markdown_pictures_resolve_as_obsidian_resolves_them(tmp_path: Path) -> None:
    """Vaults with [[wikilinks]] turned off write ![alt](path): relative to the note, from
    the vault's root, or the file's name alone; inside the vault only."""
    vault = _vault_with_attachments(tmp_path)
    (vault / "attachments" / "the cell.png").write_bytes(PNG + b"spaced")
    (tmp_path / "outside.png").write_bytes(PNG)
    note = vault / "biology" / "plants" / "markdown.md"
    note.write_text(
        "#flashcards\n\n"
        "Relative::![a leaf](../../attachments/leaf.png)\n\n"
        "From the root::![](attachments/cell.png)\n\n"
        "By name::![](<the cell.png>) ![](the%20cell.png)\n\n"
        "On the web::![x](https://example.com/x.png)\n\n"
        "Outside::![secret](../../../outside.png)\n",
        encoding="utf-8",
    )
    result = ObsidianSrReader().read(
        Source.from_text(str(note), note.read_text()), ReadOptions("notes", root=str(vault))
    )
    assert [n.answer for n in result.notes] == [
        "![a leaf](<leaf.png>)",
        "![](<cell.png>)",
        "![](<the cell.png>) ![](<the cell.png>)",
        "![x](https://example.com/x.png)",
        "secret",
    ]
    assert sorted(m.name for m in result.media) == ["cell.png", "leaf.png", "the cell.png"]
    assert [d.message for d in result.diagnostics] == [
        "embedded file '../../../outside.png' is refused: it leads out of the vault"
    ]


def test_a_section_or_block_of_another_note_shows_its_text(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "go").mkdir()
    (vault / "go" / "Errors.md").write_text(
        "# Errors\n\nWrap an error to keep its cause. ^wrap\n\n## Sentinel errors\n\n"
        "Values compared with `errors.Is`.\n\n## Other\n\nNot shown.\n",
        encoding="utf-8",
    )
    note = vault / "cards.md"
    note.write_text(
        "#flashcards/go\n\nWhy wrap an error?\n?\n![[Errors#^wrap]]\n\n"
        "What is a sentinel error?\n?\n![[Errors#Sentinel errors]]\n\n"
        "What is gone?\n?\n![[Errors#^gone]]\n\nWhat is elsewhere?\n?\n![[Nowhere#Part]]\n",
        encoding="utf-8",
    )
    result = ObsidianSrReader().read(Source.from_text(str(note), note.read_text()), _OPTIONS)
    answers = [n.answer for n in result.notes]
    assert answers[:2] == [
        "Wrap an error to keep its cause.",
        "## Sentinel errors\n\nValues compared with `errors.Is`.",
    ]
    assert answers[2:] == ["Errors > ^gone", "Nowhere > Part"]
    warnings = [d.message for d in result.diagnostics if d.severity is Severity.WARNING]
    assert warnings[0].startswith("embed ![[Errors#^gone]] shows nothing: no block ^gone")
    assert warnings[1].startswith("embed ![[Nowhere]] shows another note")
