"""--math mathjax|svg|none end to end: the TeX reaches Anki byte for byte, or as SVG media."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ankipress.building.pipeline import Options, convert
from ankipress.render import MathMode
from ankipress.render.mathsvg import SvgMathRenderer

from ankiengine import AnkiCollection

FORMULAS = [
    r"x_1 + x_2",
    r"\operatorname{tr}(A) = \sum_{i} a_{ii}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"f(x) = \begin{cases} 0 & x < 0 \\ 1 & x \ge 0 \end{cases}",
    r"\{ x \mid x > 0 \}",
]

MARKDOWN = """# Math

## What is $x_1 + x_2$?

The sum: $\\operatorname{tr}(A) = \\sum_{i} a_{ii}$ and, displayed,

$$\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$$

## Costs?

It costs $5 and $10, `$HOME` is a variable, \\$x\\$ is not math, and
\\[f(x) = \\begin{cases} 0 & x < 0 \\\\ 1 & x \\ge 0 \\end{cases}\\]

## Sets

\\(\\{ x \\mid x > 0 \\}\\)
"""

CSV = (
    "question,answer\n"
    '"What is $x_1 + x_2$?","$\\operatorname{tr}(A) = \\sum_{i} a_{ii}$"\n'
    '"A matrix","$$\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$$"\n'
    '"Money","It costs $5 and $10"\n'
    '"Cases","\\[f(x) = \\begin{cases} 0 & x < 0 \\\\ 1 & x \\ge 0 \\end{cases}\\]"\n'
    '"Sets","\\(\\{ x \\mid x > 0 \\}\\)"\n'
)


def _formulas_in(fields: list[str]) -> list[str]:
    found = []
    for field in fields:
        for match in re.finditer(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", field, re.DOTALL):
            found.append(html.unescape(match.group(1) or match.group(2)))
    return found


@pytest.mark.parametrize("name", ["deck.md", "deck.csv"])
def test_mathjax_mode_keeps_the_tex_byte_for_byte(
    tmp_path: Path, anki: AnkiCollection, name: str
) -> None:
    source = tmp_path / name
    source.write_text(MARKDOWN if name.endswith(".md") else CSV, encoding="utf-8")
    convert([source], tmp_path / "out.apkg", Options(), 1_750_000_000)

    anki.import_package(tmp_path / "out.apkg")

    fields = [value for note in anki.notes() for value in note.fields.values()]
    assert sorted(_formulas_in(fields)) == sorted(FORMULAS)
    text = " ".join(fields)
    assert "costs $5 and $10" in text
    if name.endswith(".md"):
        assert "<code>$HOME</code>" in text
        assert "$x$ is not math" in text


def test_math_none_leaves_formulas_as_written(tmp_path: Path) -> None:
    source = tmp_path / "deck.csv"
    source.write_text(CSV, encoding="utf-8")

    report = convert([source], tmp_path / "o.apkg", Options(math=MathMode.NONE), 1_750_000_000)

    assert report.plan.notes[0].fields == (
        "What is $x_1 + x_2$?",
        "$\\operatorname{tr}(A) = \\sum_{i} a_{ii}$",
    )


def test_svg_mode_packs_formulas_as_media_and_a_warm_cache_starts_no_renderer(
    tmp_path: Path, anki: AnkiCollection, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", str(cache_dir))
    source = tmp_path / "deck.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    before = SvgMathRenderer.processes_started

    first = convert([source], tmp_path / "one.apkg", Options(math=MathMode.SVG), 1_750_000_000)
    started = SvgMathRenderer.processes_started
    second = convert([source], tmp_path / "two.apkg", Options(math=MathMode.SVG), 1_750_000_000)

    assert started == before + 1
    assert SvgMathRenderer.processes_started == started  # the warm cache rendered everything
    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "two.apkg").read_bytes()
    assert len(first.plan.media) == len(FORMULAS) == len(second.plan.media)
    anki.import_package(tmp_path / "one.apkg")
    media_dir = Path(anki.collection.media.dir())
    names = sorted(path.name for path in media_dir.iterdir())
    assert names == sorted(name for name, _ in first.plan.media)
    assert all(re.fullmatch(r"ankipress-math-[0-9a-f]{12}\.svg", name) for name in names)
    fields = " ".join(v for note in anki.notes() for v in note.fields.values())
    alts = [html.unescape(alt) for alt in re.findall(r'alt="([^"]*)"', fields)]
    assert sorted(alts) == sorted(FORMULAS)
    assert "\\(" not in fields and "$$" not in fields


def test_a_tex_error_names_the_line_and_the_formula(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", str(cache_dir))
    source = tmp_path / "bad.md"
    source.write_text("# Bad\n\n## Broken?\n\nsee $\\foo{x}$ here\n", encoding="utf-8")

    report_errors = None
    from ankipress.errors import InputError

    with pytest.raises(InputError) as caught:
        convert([source], tmp_path / "bad.apkg", Options(math=MathMode.SVG), 1_750_000_000)
    report_errors = [str(d) for d in caught.value.diagnostics]

    assert report_errors == [
        f"{source}:5: error: TeX error in '\\\\foo{{x}}': Undefined control sequence \\foo"
    ]
    assert not (tmp_path / "bad.apkg").exists()
