"""The Logseq reader: assets inside the graph only, ids as identity, detection beside Markdown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress import readers
from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli
from ankipress.errors import InputError
from ankipress.model import ReadOptions, Severity
from ankipress.readers.logseq import LogseqReader, title_from_file_name
from ankipress.sources import Source
from hostile_apkg import PNG

from ankiengine import AnkiCollection

_OPTIONS = ReadOptions(default_deck="page")


def test_assets_come_from_the_graph_and_never_from_outside(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    (graph / "logseq").mkdir(parents=True)
    (graph / "assets").mkdir()
    (graph / "assets" / "cell.png").write_bytes(b"\x89PNG picture")
    (graph / "assets" / "beep.mp3").write_bytes(b"ID3 sound")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    (graph / "pages").mkdir()
    page = graph / "pages" / "cells.md"
    text = (
        "- What does a cell look like? #card\n"
        "\t- ![cell](../assets/cell.png){:height 120, :width 200}\n"
        "- What does it sound like? #card\n\t- ![beep](../assets/beep.mp3)\n"
        "- Where is the secret? #card\n\t- ![s](../../secret.png)\n"
    )
    page.write_text(text, encoding="utf-8")
    result = LogseqReader().read(Source.from_text(str(page), text), _OPTIONS)
    assert sorted((m.name, m.data) for m in result.media) == [
        ("beep.mp3", b"ID3 sound"),
        ("cell.png", b"\x89PNG picture"),
    ]
    assert [n.answer for n in result.notes[:2]] == ["![cell](<cell.png>)", "[sound:beep.mp3]"]
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1 and errors[0].location.line == 6
    assert "'../../secret.png'" in errors[0].message and "out of the graph" in errors[0].message


def test_the_block_id_is_the_identity_whatever_the_question() -> None:
    def guid(text: str) -> str | None:
        result = LogseqReader().read(Source.from_text("page.md", text), _OPTIONS)
        return result.notes[0].guid

    uuid = "  id:: 6571c0de-1234-4abc-9def-0123456789ab\n"
    before = guid("- What is a cell? #card\n" + uuid + "\t- a unit\n")
    after = guid("- What is a living cell? #card\n" + uuid + "  card-repeats:: 3\n\t- a unit\n")
    assert before is not None and before == after
    assert guid("- What is a cell? #card\n\t- a unit\n") is None


def test_a_logseq_page_is_detected_and_markdown_decks_are_not_taken() -> None:
    page = "- What is a cell? #card\n\t- The unit of life\n- Just a note\n"
    assert readers.detect(Source.from_text("p.md", page), _OPTIONS).name == "logseq"
    deck = "# Deck\n\n## What is a #card game?\n\nPoker\n\n- a list #card item\n"
    assert readers.detect(Source.from_text("deck.md", deck), _OPTIONS).name == "markdown"


def _graph(root: Path, name_format: str = ":triple-lowbar") -> Path:
    graph = root / "graph"
    (graph / "logseq").mkdir(parents=True)
    (graph / "logseq" / "config.edn").write_text(
        f"{{:meta/version 1\n ;; :file/name-format :legacy\n :file/name-format {name_format}}}\n",
        encoding="utf-8",
    )
    (graph / "assets").mkdir()
    (graph / "assets" / "cell_1700000000_0.png").write_bytes(PNG)
    (graph / "pages").mkdir()
    return graph


def test_namespace_pages_are_subdecks_as_logseq_names_them(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    pages = graph / "pages"
    (pages / "biology___cells.md").write_text(
        "- What is a cell? #card\n"
        "\t- The ^^smallest^^ unit of life\n"
        "\t- ![cell](../assets/cell_1700000000_0.png)\n"
        "\t- What does it hold? #card\n"
        "\t\t- A nucleus\n",
        encoding="utf-8",
    )
    (pages / "chemistry%2Fatoms.md").write_text(
        "- The {{cloze nucleus}} holds the {{cloze protons}}. #card\n", encoding="utf-8"
    )
    (pages / "waves.md").write_text(
        "title:: physics/sound waves\n\n- What carries sound? #card\n\t- Air\n",
        encoding="utf-8",
    )
    (pages / "v1.2 notes.md").write_text("- What is v1.2? #card\n\t- A version\n")
    report = convert([pages], tmp_path / "graph.apkg", Options(), 1_700_000_000)
    assert [d for d in report.diagnostics if d.severity is Severity.ERROR] == []
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "graph.apkg").new == 5
        decks = {n.fields[next(iter(n.fields))]: n.decks for n in anki.notes()}
        media = Path(anki.collection.media.dir())
        assert (media / "cell_1700000000_0.png").read_bytes() == PNG
        answers = {c.question_body: c.answer_body for c in anki.cards()}
    assert decks == {
        "<p>What is a cell?</p>": ["biology::cells"],
        "<p>What does it hold?</p>": ["biology::cells"],
        "<p>The {{c1::nucleus}} holds the {{c1::protons}}.</p>": ["chemistry::atoms"],
        "<p>What carries sound?</p>": ["physics::sound waves"],
        "<p>What is v1.2?</p>": ["v1.2 notes"],
    }
    cell = next(a for q, a in answers.items() if "What is a cell?" in q)
    # The back is the outline of the children, a nested card among them.
    assert "<mark>smallest</mark>" in cell and '<img src="cell_1700000000_0.png"' in cell
    assert "What does it hold?" in cell and "#card" not in cell


def test_a_legacy_graph_reads_dots_in_file_names_as_namespaces(tmp_path: Path) -> None:
    graph = _graph(tmp_path, ":legacy")
    page = graph / "pages" / "biology.cells%3F.md"
    text = "- What is a cell? #card\n\t- A unit\n"
    result = LogseqReader().read(Source.from_text(str(page), text), _OPTIONS)
    assert result.notes[0].deck == "biology::cells?"
    assert title_from_file_name("a___b%2Fc___", legacy=False) == "a/b/c"
    assert title_from_file_name("%E0%A4", legacy=False) == "%E0%A4"  # not UTF-8: as written


def test_a_whole_graph_builds_from_its_pages_without_its_settings_or_backups(
    tmp_path: Path,
) -> None:
    graph = _graph(tmp_path)
    page = graph / "pages" / "cells.md"
    page.write_text("- What is a cell? #card\n\t- A unit\n", encoding="utf-8")
    (graph / "logseq" / "bak" / "pages").mkdir(parents=True)
    shutil.copy(page, graph / "logseq" / "bak" / "pages" / "cells.2024-01-01.md")
    (graph / "logseq" / "custom.css").write_text(".block { color: red }")
    (graph / "journals").mkdir()
    (graph / "journals" / "2024_01_05.md").write_text("- went for a walk\n")
    (graph / "assets" / "paper.pdf").write_bytes(b"%PDF-1.7")
    report = convert([graph], tmp_path / "graph.apkg", Options(), 1_700_000_000)
    assert [str(d) for d in report.diagnostics] == [
        f"{graph / 'journals' / '2024_01_05.md'}: note: no cards in this note: skipped"
    ]
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "graph.apkg").new == 1


def test_a_graph_built_as_a_package_names_its_decks_by_its_pages(tmp_path: Path) -> None:
    graph = _graph(tmp_path / "source")
    (graph / "pages" / "cells.md").write_text("- What is a cell? #card\n\t- A unit\n")
    (graph / "pages" / "bio___dna.md").write_text("- The {{cloze helix}} is double #card\n")
    source, out = str(tmp_path / "source"), str(tmp_path / "out")
    result = CliRunner().invoke(
        cli, ["build", "--source", source, "--out", out, "--note-times", "mtime"]
    )
    assert result.exit_code == 0, result.output
    assert "in decks 'bio::dna', 'cells'" in result.output  # not 'graph::pages'


def test_a_reference_to_a_block_of_another_page_shows_that_block(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    (graph / "pages" / "dna.md").write_text(
        "- DNA is a double helix #biology\n  id:: 11111111-2222-3333-4444-555555555555\n"
    )
    page = graph / "pages" / "cells.md"
    text = "- What shape is DNA? #card\n\t- ((11111111-2222-3333-4444-555555555555))\n"
    result = LogseqReader().read(Source.from_text(str(page), text), _OPTIONS)
    assert [n.answer for n in result.notes] == ["DNA is a double helix"]
    assert result.diagnostics == ()


def test_an_org_page_of_a_graph_is_said_not_read_never_skipped_unsaid(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    (graph / "pages" / "cells.md").write_text("- What is a cell? #card\n\t- A unit\n", "utf-8")
    org = graph / "pages" / "organs.org"
    org.write_text(
        "#+title: Organs\n\n* What pumps blood? #card\n** The heart\n* Plain notes\n", "utf-8"
    )
    (graph / "pages" / "plain.org").write_text("* Shopping list\n** milk\n", "utf-8")

    report = convert([graph], tmp_path / "graph.apkg", Options(), 1_700_000_000)

    assert [str(d) for d in report.diagnostics] == [
        f"{org}: note: no cards in this note: skipped",
        f"{org}:3: warning: a Logseq page in Org format, with 1 block(s) tagged as cards: not "
        "read (ankipress reads Logseq's Markdown pages); write the page in Markdown (Logseq "
        "reads both), or export its cards from Anki",
        f"{graph / 'pages' / 'plain.org'}: note: no cards in this note: skipped",
    ]
    assert report.plan.note_count == 1
    with pytest.raises(InputError):
        convert([org], tmp_path / "organs.apkg", Options(), 1_700_000_000)
