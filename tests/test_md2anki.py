"""Md2Anki documents: built into real Anki, tags and ids read, detection beside Markdown."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ankipress import readers
from ankipress.building.pipeline import Options, convert
from ankipress.model import ReadOptions, Severity
from ankipress.readers.md2anki import Md2AnkiReader
from ankipress.sources import Source

from ankiengine import AnkiCollection

GOLDEN = Path(__file__).parent / "golden" / "md2anki"
T0 = 1_700_000_000
_OPTIONS = ReadOptions(default_deck="doc")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_an_md2anki_document_builds_into_cards_anki_shows(tmp_path: Path) -> None:
    shutil.copy(GOLDEN / "biology.md", tmp_path / "biology.md")
    shutil.copytree(GOLDEN / "pictures", tmp_path / "pictures")
    report = convert([tmp_path / "biology.md"], tmp_path / "out.apkg", Options(), T0)
    assert not [d for d in report.diagnostics if d.severity is Severity.ERROR]
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "out.apkg").new == 6
        cards = {_text(c.question_body): c for c in anki.cards()}
        neuron = cards["Name the parts of a neuron as a list, from the dendrites"]
        assert neuron.deck == "Biology"
        assert "{=:" not in neuron.question_html and "<li>soma</li>" in neuron.answer_body
        assert re.search(r'<img src="neuron[^"]*\.png"', neuron.answer_body)
        heart = cards["What does the heart do?"]
        assert heart.deck == "Biology::Organs"
        notes = {n.guid: n for n in anki.notes()}
        assert sorted(notes[heart.note_guid].tags) == [
            "biology",
            "circulation_system",
            "heart",
            "organs",
        ]
        code = next(c for q, c in cards.items() if q.startswith("What does this code print?"))
        assert "\\(e^{i\\pi} + 1 = 0\\)" in code.answer_body
        mito = [c for q, c in cards.items() if q.startswith("Mitochondria")]
        assert len(mito) == 1 and "Extra text under the cloze." in _text(mito[0].answer_body)


def test_the_md2anki_id_is_the_identity_whatever_the_deck_and_question() -> None:
    def guid(deck: str, question: str) -> str | None:
        text = f"# {deck} (1)\n\n## {question} (0d4fe498-eeff-4dc1-bcf7-29d99e5eec98)\n\nA\n"
        return Md2AnkiReader().read(Source.from_text("d.md", text), _OPTIONS).notes[0].guid

    assert guid("Biology", "What is a cell?") == guid("Science", "What is a living cell?")


def test_md2anki_documents_are_told_from_markdown_decks() -> None:
    doc = "# Deck (3714486828)\n\n## Q (66b3661f-e22e-4986-a50d-569fdac454ad)\n\nA\n"
    assert readers.detect(Source.from_text("d.md", doc), _OPTIONS).name == "md2anki"
    tagged = "# Deck\n\n## Q\n\nA `{=:tag:=}`\n"
    assert readers.detect(Source.from_text("d.md", tagged), _OPTIONS).name == "md2anki"
    deck = "# Deck\n\n## What is (x)?\n\nA\n\n---\n\nmore\n"
    assert readers.detect(Source.from_text("deck.md", deck), _OPTIONS).name == "markdown"
