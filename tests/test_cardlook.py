"""The card look: what a user sees, rendered by the real Anki engine and shown in Chromium.

Every card of a showcase deck is rendered by the Anki engine (``card.question()``,
``card.answer()``), each side put in a document of its own as Anki's reviewer holds it
(``<body class="card cardN">``, ``nightMode night_mode`` at night), and opened in headless
Chromium at desktop and phone size, light and night. Screenshots are kept, outside git, in
``build/card-screenshots/``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ankipress import notetypes
from ankipress.building.pipeline import Options, convert
from ankipress.model import NoteKind
from ankipress.render import MathMode

from ankiengine import AnkiCollection
from chromium import Chromium, ChromiumError, find_chromium

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "card-screenshots"
TEMPLATES = ROOT / "src" / "ankipress" / "notetypes" / "templates"
AA = 4.5

SHOWCASE = r"""# Showcase

## Steps to bake bread

Steps:
- mix
  - flour and water
  - salt
- knead
   - ten minutes
- bake

## Compare the containers

| name | literal | mutable | ordered | note |
|---|---|---|---|---|
| list | `[1, 2, 3]` | yes | yes | the usual sequence, grows at the end |
| tuple | `(1, 2, 3)` | no | yes | hashable when its items are |
| set | `{1, 2, 3}` | yes | no | membership in constant time |

## What does this print?

```python
def area(r: float) -> float:
    # the area of a circle
    return 3.14159 * r ** 2  # not math.pi
print(f"{area(2):.2f}", [1, 0x1F], None)
```

## A wide formula

$$
\sum_{i=1}^{n} \left( \frac{x_i - \bar{x}}{\sigma} \right)^2 + \int_0^\infty e^{-t} t^{z-1}\,dt
+ \prod_{k=1}^{m} (1 + a_k b_k c_k d_k) = \Gamma(z)
$$

Inline: $e^{i\pi} + 1 = 0$.

## ما هي عاصمة مصر؟

القاهرة، وهي أكبر مدينة في العالم العربي.

## 中文怎么说“谢谢”？

谢谢 (xièxie) 🙏🎉
"""

NOTES = (
    "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n"
    "Basic (and reversed card)\tShowcase\tder Hund\tthe dog\n"
    "Cloze\tShowcase\tThe {{c1::mitochondria}} is the {{c2::powerhouse}} of the cell.\t\n"
)
BRAINSCAPE = (
    '"Name the layers of the OSI model","Physical\nData link\nNetwork\nTransport\n'
    'Session, which keeps a dialogue between two hosts open\nPresentation\nApplication"\n'
)
TYPED = "Capital of France?\tParis\nالعاصمة؟\tباريس\n"

# Anki's reviewer: its own CSS before the note type's (the preview's copy of it).
REVIEWER_CSS = (TEMPLATES / "preview" / "card-base.css").read_text("utf-8")
SIZES = {"desktop": (1000, 700), "phone": (390, 844)}
COLUMNS = {"desktop": 4, "phone": 7}  # screenshots: cards side by side, a page to look at


def _side(body: str, ord_: int, night: bool, media: Path) -> str:
    classes = f"card card{ord_ + 1}" + (" nightMode night_mode" if night else "")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<base href="{media.as_uri()}/">'
        f"<style>html,body{{margin:0}}{REVIEWER_CSS}</style></head>"
        f'<body class="{classes}"><div id="qa">{body}</div></body></html>'
    )


def _typed(body: str, col: AnkiCollection, expected: str, given: str) -> str:
    """The back as Anki's reviewer fills ``[[type:Back]]`` after ``given`` was typed."""
    compared = col.collection.compare_answer(expected, given)
    return re.sub(r"\[\[type:[^\]]*\]\]", lambda _: compared, body)


def _sides(tmp_path: Path) -> list[tuple[str, int, str]]:
    """(name, ord, html) of every side of every card of the showcase, as Anki renders it."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "showcase.md").write_text(SHOWCASE, encoding="utf-8")
    (source / "notes.txt").write_text(NOTES, encoding="utf-8")
    (source / "osi.csv").write_text(BRAINSCAPE, encoding="utf-8")
    (source / "typed.txt").write_text(TYPED, encoding="utf-8")
    builds = [
        ("showcase.md", Options(math=MathMode.SVG)),
        ("notes.txt", Options()),
        ("osi.csv", Options()),
        ("typed.txt", Options(kind=NoteKind.TYPE_ANSWER)),
    ]
    packages = []
    for name, options in builds:
        packages.append(tmp_path / f"{name}.apkg")
        convert([source / name], packages[-1], options)
    sides = []
    with AnkiCollection(tmp_path / "anki") as col:
        for package in packages:
            col.import_package(package)
        for number, card in enumerate(col.cards()):
            front, back = card.question_html, card.answer_html
            if "[[type:" in back:
                expected = html.unescape(re.sub("<[^>]+>", "", back.split('id="answer"')[0]))
                answer = "باريس" if "العاصمة" in expected else "Paris"
                front = front.replace("[[type:Back]]", '<input type="text" id="typeans">')
                back = _typed(back, col, answer, answer[:-2] + "x")
            sides += [
                (f"{number:02d}-front", card.ord, front),
                (f"{number:02d}-back", card.ord, back),
            ]
    return sides


MEASURE = """(() => {
  const out = [];
  for (const frame of document.querySelectorAll('iframe')) {
    const doc = frame.contentDocument, win = frame.contentWindow;
    const rtl = Array.from(doc.querySelectorAll('[dir=auto]'))
      .filter(el => /[\\u0600-\\u06ff]/.test(el.textContent))
      .map(el => {
        const range = doc.createRange();
        range.selectNodeContents(el);
        const line = range.getClientRects()[0], box = el.getBoundingClientRect();
        return [win.getComputedStyle(el).direction, win.getComputedStyle(el).textAlign,
                Math.round(box.right - line.right)];
      });
    const tokens = Array.from(doc.querySelectorAll(
        '.highlight span, .typeGood, .typeBad, .typeMissed, .card-q, .card-a'))
      .filter(el => el.textContent.trim())
      .map(el => {
        let back = el, bg = 'rgba(0, 0, 0, 0)';
        while (back && (bg = win.getComputedStyle(back).backgroundColor) === 'rgba(0, 0, 0, 0)')
          back = back.parentElement;
        return [el.className || el.tagName, win.getComputedStyle(el).color, bg];
      });
    // A display formula drawn at its own size (its ex in the card's font), not shrunk.
    const formulas = Array.from(doc.querySelectorAll('img.ankipress-math-display')).map(img => {
      const probe = doc.createElement('span');
      probe.style.cssText = 'display:inline-block;width:10ex';
      img.parentElement.appendChild(probe);
      const ex = probe.getBoundingClientRect().width / 10;
      probe.remove();
      const box = img.parentElement;
      return [Math.round(img.getBoundingClientRect().width),
              Math.round(parseFloat(img.style.width) * ex),
              box.scrollWidth > box.clientWidth, win.getComputedStyle(box).overflowX];
    });
    // Plain lines (a Brainscape list): each its own block, a visible gap between them.
    const gaps = Array.from(doc.querySelectorAll('.ankipress-lines > div + div')).map(el =>
      el.getBoundingClientRect().top - el.previousElementSibling.getBoundingClientRect().bottom);
    out.push({name: frame.name, scroll: doc.documentElement.scrollWidth, width: win.innerWidth,
              rtl, tokens, formulas, gaps,
              texLeft: /\\\\(frac|sum)|\\$\\$/.test(doc.body.innerText)});
  }
  return out;
})()"""


def _rgb(css: str) -> tuple[float, ...]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    return tuple(values)


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: tuple[float, ...], two: tuple[float, ...]) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_showcase_reads_right_at_every_size_in_both_modes(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", str(cache_dir))
    try:
        find_chromium()
    except ChromiumError as exc:
        pytest.fail(str(exc))
    sides = _sides(tmp_path)
    media = tmp_path / "anki" / "collection.media"
    assert len(sides) == 2 * 13
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    wide_formulas = 0
    plain_lines = 0
    with Chromium(tmp_path / "profile") as browser:
        for size, (width, height) in SIZES.items():
            for night in (False, True):
                mode = "night" if night else "light"
                frames = "".join(
                    f'<iframe name="{name}" style="border:1px solid #888;width:{width}px;'
                    f'height:{height}px" srcdoc="{html.escape(_side(body, ord_, night, media))}">'
                    "</iframe>"
                    for name, ord_, body in sides
                )
                page = tmp_path / f"{size}-{mode}.html"
                page.write_text(
                    '<!DOCTYPE html><html><body style="margin:0;display:flex;flex-wrap:wrap;'
                    f'align-items:start;width:{(width + 2) * COLUMNS[size]}px">{frames}'
                    "</body></html>",
                    encoding="utf-8",
                )
                browser.resize(width, height)
                browser.open(page.as_uri())
                # Each frame as tall as its card, for the screenshot.
                browser.evaluate(
                    "document.querySelectorAll('iframe').forEach(f => f.style.height = "
                    "Math.max(120, f.contentDocument.documentElement.scrollHeight) + 'px')"
                )
                (SHOTS / f"{size}-{mode}.png").write_bytes(browser.screenshot(full_page=True))
                for side in browser.evaluate(MEASURE):
                    where = f"{size} {mode} {side['name']}"
                    if side["scroll"] > side["width"]:
                        problems.append(f"{where}: the page scrolls sideways ({side['scroll']}px)")
                    for drawn, wanted, scrolls, overflow in side["formulas"]:
                        if abs(drawn - wanted) > 1:
                            problems.append(f"{where}: a formula drawn {drawn}px, not {wanted}px")
                        if scrolls and overflow != "auto":
                            problems.append(f"{where}: a wide formula cut ({overflow})")
                        wide_formulas += scrolls
                    if any(gap < 3 for gap in side["gaps"]):
                        problems.append(f"{where}: plain lines run together ({side['gaps']})")
                    plain_lines += len(side["gaps"])
                    if side["texLeft"]:
                        problems.append(f"{where}: raw TeX on the card")
                    for direction, align, gap in side["rtl"]:
                        if direction != "rtl" or align != "start" or gap > 2:
                            problems.append(
                                f"{where}: Arabic not right-aligned ({direction}, {align}, {gap})"
                            )
                    for what, colour, background in side["tokens"]:
                        ratio = contrast(_rgb(colour), _rgb(background))
                        if ratio < AA:
                            problems.append(
                                f"{where}: {what} {colour} on {background}: {ratio:.2f}:1"
                            )
        _readme_shot(browser, sides, media, tmp_path)
    assert not problems, "\n".join(sorted(set(problems)))
    assert wide_formulas, "the wide formula never scrolled in its box on a phone"
    assert plain_lines, "the Brainscape answer shows no lines of its own"


def _readme_shot(
    browser: Chromium, sides: list[tuple[str, int, str]], media: Path, tmp_path: Path
) -> None:
    """Three backs on a phone, by day above and at night below (the README's picture)."""
    marks = ("<table", 'class="highlight"', "id=typearrow")
    chosen = [
        next(side for side in sides if side[0].endswith("back") and mark in side[2])
        for mark in marks
    ]
    frames = "".join(
        f'<iframe style="border:0;margin:4px;width:390px;height:360px" '
        f'srcdoc="{html.escape(_side(body, ord_, night, media))}"></iframe>'
        for night in (False, True)
        for _, ord_, body in chosen
    )
    page = tmp_path / "readme.html"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0;background:#888;display:flex;'
        f'flex-wrap:wrap;width:{398 * 3}px">{frames}</body></html>',
        encoding="utf-8",
    )
    browser.resize(398 * 3, 2 * 368)
    browser.open(page.as_uri())
    (SHOTS / "readme-phone.png").write_bytes(browser.screenshot())


def _hex(colour: str) -> tuple[float, ...]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4))


def _variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))


def test_every_colour_of_the_css_reaches_aa_contrast_in_both_modes() -> None:
    """Text, code tokens and the type-in comparison: 4.5:1 or more, computed from the CSS."""
    style = (TEMPLATES / "style.css").read_text("utf-8")
    light = _variables(style.split(".card {", 1)[1].split("}", 1)[0])
    night = {**light, **_variables(style.split(".night_mode .card {", 1)[1].split("}", 1)[0])}
    tokens: dict[str, dict[str, str]] = {"light": {}, "night": {}}
    for selector, body in re.findall(r"^([^{\n]+)\{([^}]*)\}", notetypes.stylesheet(), re.M):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", body)
        if ".highlight" not in selector or colour is None:
            continue
        mode = "night" if ".nightMode" in selector else "light"
        for token in re.findall(r":is\(([^)]*)\)", selector)[-1].split(","):
            tokens[mode][token.strip()] = colour.group(1)
    assert len(tokens["light"]) > 40 and len(tokens["night"]) > 40
    failures = []
    for mode, variables in (("light", light), ("night", night)):
        # A token without a night colour keeps its day colour at night.
        shown = {**tokens["light"], **tokens[mode]}
        pairs = [(f"token {t}", c, variables["--code-bg"]) for t, c in shown.items()]
        pairs += [(f"token {t} outside a box", c, variables["--bg"]) for t, c in shown.items()]
        pairs += [
            (name, variables[f"--{name}"], variables["--bg"]) for name in ("fg", "muted", "accent")
        ]
        pairs += [
            (name, variables[f"--{name}-fg"], variables[f"--{name}-bg"])
            for name in ("good", "bad", "missed")
        ]
        pairs.append(("code text", variables["--fg"], variables["--code-bg"]))
        for what, colour, background in pairs:
            ratio = contrast(_hex(colour), _hex(background))
            if ratio < AA:
                failures.append(f"{mode}: {what} {colour} on {background}: {ratio:.2f}:1")
    assert not failures, "\n".join(failures)
