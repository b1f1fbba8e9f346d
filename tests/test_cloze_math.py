"""Clozes around formulas read in Anki as the author meant, and `check` names what will not."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli
from ankipress.notetypes.clozes import misreadings
from ankipress.render import MathMode

from ankiengine import AnkiCollection

T0 = 1_750_000_000
TEX = r"\frac{2}{n_\text{in} + n_\text{out}}"
DECK = f"""# Init

## The variance of {{{{c1::Glorot}}}}: {{{{c2::${TEX}$}}}} for layer sizes {{{{c3::$n$}}}}
"""


def _visible(html_text: str) -> str:
    return re.sub(r"<[^>]*>", "", html_text.split("</style>")[-1])


def test_a_cloze_around_a_formula_ending_in_braces_shows_it_in_anki(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "init.md"
    source.write_text(DECK, encoding="utf-8")

    report = convert([source], tmp_path / "init.apkg", timestamp=T0)
    anki.import_package(tmp_path / "init.apkg")

    assert not [str(d) for d in report.plan.diagnostics if "cloze" in d.message]
    cards = sorted(anki.cards(), key=lambda card: card.ord)
    assert len(cards) == 3
    spaced = TEX.replace("}}", "} }")
    for card in cards:
        shown = html.unescape(_visible(card.answer_html))
        # The formula whole between MathJax delimiters, and no cloze marker left over.
        assert f"\\({spaced}\\)" in shown
        assert "{{" not in shown and "}}" not in shown and "::" not in shown
    question = html.unescape(_visible(cards[1].question_html))
    assert "[...]" in question and TEX[:6] not in question
    for card in (cards[0], cards[2]):
        assert f"\\({spaced}\\)" in html.unescape(_visible(card.question_html))


def test_svg_alt_text_cannot_cut_its_tag_in_a_cloze(
    tmp_path: Path, anki: AnkiCollection, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", str(cache_dir))
    source = tmp_path / "init.md"
    source.write_text(DECK.replace("$n$", '$a::b "c"$'), encoding="utf-8")

    convert([source], tmp_path / "init.apkg", Options(math=MathMode.SVG), T0)
    anki.import_package(tmp_path / "init.apkg")

    cards = sorted(anki.cards(), key=lambda card: card.ord)
    for card in cards:
        for side in (card.question_html, card.answer_html):
            assert "{{" not in _visible(side) and "}}" not in _visible(side)
            assert "text{out}" not in _visible(side)  # no attribute text spilled on the card
    alts = re.findall(r'alt="([^"]*)"', cards[0].answer_html)
    assert sorted(html.unescape(alt) for alt in alts) == sorted([TEX, 'a::b "c"'])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"{{c1::\(\frac{a}{b}\)}}", []),
        (r"{{c1::\(\frac{a}{b_{c}}\)}}", ["in a formula ends the cloze deletion early"]),
        ("{{c1::<code>{a: {b: 1}}</code>}}", ["in code ends the cloze deletion early"]),
        (r"{{c1::$\frac{a}{b_{c}}$}}", ["in a formula ends the cloze deletion early"]),
        ("costs $5 and {{c1::x}} $10", []),
        ("{{c1::a {{b}} c}}", ["Anki ends the cloze deletion at this '}}'"]),
        ("{{C1::a}} and {{c1::b}}", ["Anki takes this for no cloze deletion"]),
        ("{{c1::open", ["is never closed"]),
        ("no deletion {{here}}", []),
    ],
    ids=[
        "fine",
        "math",
        "code",
        "dollar-math-as-written",
        "prices",
        "prose-braces",
        "capital-c",
        "never-closed",
        "no-cloze",
    ],
)
def test_misreadings_name_what_anki_reads_otherwise(text: str, expected: list[str]) -> None:
    found = misreadings(text)
    assert len(found) == len(expected)
    for message, part in zip(found, expected, strict=True):
        assert part in message


def test_check_warns_with_the_line_about_a_brace_pair_in_code_in_a_cloze(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deck.md").write_text("# Deck\n\n## A literal: {{c1::`{'a': {'b': 1}}`}}\n", "utf-8")

    result = CliRunner().invoke(cli, ["check", "deck.md"])

    assert result.exit_code == 0
    assert result.stderr.startswith("deck.md:3: warning: '")
    assert "this '}}' in code ends the cloze deletion early in Anki; write &#125;&#125;" in (
        result.stderr
    )
