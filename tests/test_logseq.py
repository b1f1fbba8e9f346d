"""The Logseq reader: assets inside the graph only, ids as identity, detection beside Markdown."""

from __future__ import annotations

from pathlib import Path

from ankipress import readers
from ankipress.model import ReadOptions, Severity
from ankipress.readers.logseq import LogseqReader
from ankipress.sources import Source

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
