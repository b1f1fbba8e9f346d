"""Org files for anki-editor: built into real Anki, ids as identity, detection, Org markup."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ankipress import readers
from ankipress.building.pipeline import Options, convert
from ankipress.model import ReadOptions, Severity
from ankipress.readers.orgmarkup import OrgHtml
from ankipress.readers.orgmode import OrgModeReader
from ankipress.sources import Source

from ankiengine import AnkiCollection

GOLDEN = Path(__file__).parent / "golden" / "org"
T0 = 1_700_000_000
_OPTIONS = ReadOptions(default_deck="notes")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_org_files_build_into_cards_anki_shows(tmp_path: Path) -> None:
    for name in ("languages.org", "science.org"):
        shutil.copy(GOLDEN / name, tmp_path / name)
    shutil.copytree(GOLDEN / "pictures", tmp_path / "pictures")
    sources = [tmp_path / "languages.org", tmp_path / "science.org"]
    report = convert(sources, tmp_path / "out.apkg", Options(), T0)
    assert not [d for d in report.diagnostics if d.severity is Severity.ERROR]
    with AnkiCollection(tmp_path / "anki") as anki:
        counts = anki.import_package(tmp_path / "out.apkg")
        assert counts.new == 8
        notes = {_text(next(iter(n.fields.values()))): n for n in anki.notes()}
        raining = notes["(it's) raining cats and dogs"]
        assert raining.decks == ["Languages::English"]
        assert sorted(raining.tags) == ["english", "idioms", "lang", "vocab"]
        assert raining.card_count == 2  # Basic (and reversed card)
        genders = notes["Nouns are {{c1::masculine}}, {{c2::feminine}} or {{c3::neuter}}."]
        assert genders.card_count == 3 and genders.decks == ["Languages::German"]
        sentence = notes["Ich {{c1::habe}} Hunger."]
        assert sentence.tags == ["lang"]  # Org's export tags are not Anki tags
        cards = {(_text(c.question_body), c.ord): c for c in anki.cards()}
        mass = cards["What does \\(E = mc^2\\) say, and what is \\(c\\)?", 0]
        assert "\\[ E = mc^{2} \\]" in mass.answer_body
        assert "H<sub>2</sub>O" in mass.answer_body and "snake_case" in mass.answer_body
        code = cards["How does Python compare two numbers? See the docs .", 0]
        assert '<pre class="src src-python">def smaller(a, b):' in code.answer_body
        assert "<i>two</i>" in code.question_body
        neuron = cards["What does a neuron look like?", 0]
        pictures = re.findall(r'<img src="([^"]+)"', neuron.answer_body)
        assert len(pictures) == 2 and pictures[0] == pictures[1]
        media = Path(anki.collection.media.dir()) / pictures[0]
        assert media.read_bytes() == (GOLDEN / "pictures" / "neuron.png").read_bytes()
        assert '<span style="color: red">raw HTML</span>' in neuron.answer_body
        reversed_back = cards["it's raining very hard", 1]
        assert "cats and dogs" in _text(reversed_back.answer_body)


def test_an_org_anki_file_builds_its_pushed_headings(tmp_path: Path) -> None:
    shutil.copy(GOLDEN / "org_anki.org", tmp_path / "org_anki.org")
    report = convert([tmp_path / "org_anki.org"], tmp_path / "out.apkg", Options(), T0)
    assert not [d for d in report.diagnostics if d.severity is Severity.ERROR]
    with AnkiCollection(tmp_path / "anki") as anki:
        assert anki.import_package(tmp_path / "out.apkg").new == 3
        cards = {_text(c.question_body): c for c in anki.cards()}
        lazy = cards["What does lazy evaluation mean?"]
        assert lazy.deck == "Computing::Haskell"
        assert "computed when it is first needed" in lazy.answer_body
        cloze = next(c for q, c in cards.items() if q.startswith("The type of fmap is"))
        assert "[...]" in cloze.question_body and "Functor f" not in cloze.question_body
        assert not any("not pushed yet" in q for q in cards)


def test_the_note_id_is_the_identity_whatever_the_deck_and_heading() -> None:
    def guid(deck: str, heading: str, note_id: str | None) -> str | None:
        drawer = f"   :ANKI_NOTE_ID: {note_id}\n" if note_id else ""
        text = (
            f"* {heading}\n  :PROPERTIES:\n  :ANKI_NOTE_TYPE: Basic\n  :ANKI_DECK: {deck}\n"
            f"{drawer}  :END:\n  an answer\n"
        )
        result = OrgModeReader().read(Source.from_text("n.org", text), _OPTIONS)
        return result.notes[0].guid

    first = guid("Biology", "What is a cell?", "1712345678901")
    assert first is not None
    assert guid("Science::Biology", "What is a living cell?", "1712345678901") == first
    assert guid("Biology", "What is a cell?", "1712345678902") != first
    assert guid("Biology", "What is a cell?", None) is None


def test_org_files_are_told_from_the_other_formats() -> None:
    note = "* Q\n  :PROPERTIES:\n  :ANKI_NOTE_TYPE: Basic\n  :END:\n  A\n"
    assert readers.detect(Source.from_text("cards.txt", note), _OPTIONS).name == "org"
    plain = "#+TITLE: Notes\n\n* Books\n  Some text.\n"
    assert readers.detect(Source.from_text("notes.org", plain), _OPTIONS).name == "org"
    deck = "# Deck\n\n## What is a cell?\n\nThe unit of life.\n"
    assert readers.detect(Source.from_text("deck.md", deck), _OPTIONS).name == "markdown"


def _inline(text: str, scripts: str = "t") -> str:
    return OrgHtml(lambda *_: None, scripts).inline(text)


def test_org_emphasis_follows_orgs_rules_for_the_characters_around_it() -> None:
    assert _inline("a *b* /c/ _d_ +e+ =f*g*= ~h~") == (
        'a <b>b</b> <i>c</i> <span class="underline">d</span> <del>e</del> '
        "<code>f*g*</code> <code>h</code>"
    )
    assert _inline("a*b*c 2 * 3 * 4 C++ and C++") == "a*b*c 2 * 3 * 4 C++ and C++"
    assert _inline("*bold /and italic/*") == "<b>bold <i>and italic</i></b>"
    assert _inline("x < y & z") == "x &lt; y &amp; z"
    # Org's entities and special strings, never inside code or math
    assert _inline("\\alpha -- a --- b... =a--b= \\(\\alpha\\)") == (
        "\u03b1 \u2013 a \u2014 b\u2026 <code>a--b</code> \\(\\alpha\\)"
    )


def test_org_links_math_and_scripts() -> None:
    url = "https://example.org/a_b/c_d"
    assert _inline(url) == f'<a href="{url}">{url}</a>'
    assert _inline("[[https://example.org][the *site*]]") == (
        '<a href="https://example.org">the <b>site</b></a>'
    )
    assert _inline("H_{2}O and x^2") == "H<sub>2</sub>O and x<sup>2</sup>"
    assert _inline("H_{2}O and x^2", "{}") == "H<sub>2</sub>O and x^2"
    assert _inline("H_{2}O and x^2", "nil") == "H_{2}O and x^2"
    assert _inline("$a < b$ costs $5 or $10") == "\\(a &lt; b\\) costs $5 or $10"
    assert _inline("\\(x_1 *y*\\)") == "\\(x_1 *y*\\)"
