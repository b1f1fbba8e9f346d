"""The preview page: cards rendered as the Anki engine renders them, and the page in Chromium."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ankipress import Options
from ankipress.building.pipeline import PackagePlan, convert, plan_package
from ankipress.errors import WriteError
from ankipress.model import NoteKind, NoteType
from ankipress.notetypes.cardrender import (
    TYPE_ANSWER_FONT,
    TYPE_ANSWER_SIZE,
    CardSides,
    render_card,
    show_type_answer,
)
from ankipress.preview import preview_cards, render_page, write_preview
from ankipress.render import MathMode
from ankipress.render.offline import embed_media, show_tex

from ankiengine import AnkiCollection
from chromium import Chromium, ChromiumError, find_chromium

ROOT = Path(__file__).resolve().parent.parent

NOTES = (
    "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n#tags column:5\n"
    "Basic\tCourse::Week 1\tWhat is <b>2+2</b>?\t4 &amp; <i>four</i>\tmath easy\n"
    "Basic (and reversed card)\tCourse::Week 1\tder Hund\tthe dog\tgerman\n"
    "Cloze\tCourse::Week 2\t{{c1::Paris}} is the capital of {{c2::France::country}}, "
    "{{c1::yes}}.\tExtra <b>info</b>\tgeo\n"
    "Cloze\tCourse::Week 2\t{{c1::a b &amp; <b>\"q\"</b> 'z' é 中}} x {{c2::outer {{c3::in::h3}} "
    "tail::hint2}} {{c1,3::multi}} \\(x + {{c4::y}}\\) }}\t\t\n"
)
TYPED = (
    "#separator:tab\n#html:true\n#deck:Course\nCapital of France?\tParis &amp; <b>Lyon</b><br>too\n"
)
USER_NOTES = (
    "#separator:tab\n#html:true\n#deck:Mine::Sub\n#tags:t1 t2\n"
    "Own <i>front</i>\tOwn back&nbsp;日本[にほん] &amp; 4 &lt; 5\n"
)
USER_FRONT = (
    "<div class=front>{{Front}}</div><!-- {{Back}} stays -->\n"
    "{{#Tags}}<p>{{Tags}}</p>{{/Tags}}{{^Back}}no back{{/Back}}\n"
    "<p>{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{CardFlag}}|{{text:Front}}|{{ Front }}</p>"
)
USER_BACK = (
    "{{FrontSide}}<hr id=answer>{{Back}}{{#Back}}, {{text:Back}}{{/Back}}\n"
    "{{furigana:Back}}|{{kana:Back}}|{{kanji:Back}}|{{nofilter:text:Back}}|{{:Back}}"
)
_MORE_INFO = re.compile(r"<br><a href='[^']*'>[^<]*</a>|[\u2068\u2069]")


def _plans(tmp_path: Path) -> list[PackagePlan]:
    """Packages with a card of every kind, written as ``convert`` writes them."""
    template = tmp_path / "template"
    template.mkdir()
    (template / "front.html").write_text(USER_FRONT, encoding="utf-8")
    (template / "back.html").write_text(USER_BACK, encoding="utf-8")
    (template / "style.css").write_text(".card { font-family: serif; }", encoding="utf-8")
    inputs = [
        ("notes.txt", NOTES, Options()),
        ("typed.txt", TYPED, Options(kind=NoteKind.TYPE_ANSWER)),
        ("user.txt", USER_NOTES, Options(template=template)),
    ]
    plans = []
    for name, text, options in inputs:
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        plans.append(convert([source], source.with_suffix(".apkg"), options, timestamp=1).plan)
    return plans


def test_cards_render_as_the_engine_renders_them(tmp_path: Path, anki: AnkiCollection) -> None:
    plans = _plans(tmp_path)
    for plan in plans:
        anki.import_package(plan.output)
    ours = {(card.note.guid, card.ord): card for plan in plans for card in preview_cards(plan)}
    engine = anki.cards()
    assert sorted((c.note_guid, c.ord) for c in engine) == sorted(ours)
    kinds = set()
    for card in engine:
        mine = ours[card.note_guid, card.ord]
        kinds.add((mine.note_type.name, mine.ord))
        note = mine.note
        sides = render_card(mine.note_type, note.fields, card.ord, tags=note.tags, deck=note.deck)
        if sides.blank:  # the engine adds a link to its manual, which a preview leaves out
            assert _MORE_INFO.sub("", card.question_body) == sides.question
            assert _MORE_INFO.sub("", card.answer_body) == sides.answer
            continue
        assert (sides.question, sides.answer) == (card.question_body, card.answer_body)
    assert kinds >= {
        ("ankipress Basic", 0),
        ("ankipress Basic (and reversed card)", 1),
        ("ankipress Cloze", 1),
        ("ankipress Basic (type in the answer)", 0),
    }


def test_type_answer_shows_what_the_reviewer_shows(tmp_path: Path, anki: AnkiCollection) -> None:
    plan = _plans(tmp_path)[1]
    anki.import_package(plan.output)
    (card,) = preview_cards(plan)
    note_type = anki.collection.models.by_name(card.note_type.name)
    assert note_type is not None
    field = note_type["flds"][1]
    assert (field["font"], field["size"]) == (TYPE_ANSWER_FONT, TYPE_ANSWER_SIZE)
    assert '<input type=text id=typeans\n   style="font-family:' in card.front
    expected = anki.collection.compare_answer(card.note.fields[1], "")
    assert f"<div style=\"font-family: 'Liberation Sans'; font-size: 20px\">{expected}</div>" in (
        card.back
    )
    assert "[[type:" not in card.front + card.back


def test_type_answer_of_an_empty_field_or_an_unknown_one(tmp_path: Path) -> None:
    (card,) = preview_cards(_plans(tmp_path)[1])
    sides = CardSides("a [[type:Back]]", "b [[type:Back]]")
    assert show_type_answer(sides, card.note_type, ("q", ""), 0) == CardSides("a ", "b ")
    unknown = CardSides("a [[type:Nope]]", "b [[type:Nope]]")
    shown = show_type_answer(unknown, card.note_type, ("q", "x"), 0)
    assert shown == CardSides("a Type answer: unknown field Nope", "b ")


def test_cards_anki_could_not_show_are_flagged(tmp_path: Path) -> None:
    plan = _plans(tmp_path)[0]
    cloze = next(note for note in plan.notes if note.kind is NoteKind.CLOZE)
    broken = NoteType("Broken", ("Front",), (("Card 1", "{{Nope}}", "{{Front}}"),), "")
    custom = replace(cloze, guid="x", kind=NoteKind.CUSTOM, notetype=broken, fields=("f",))
    plan = replace(plan, notes=(replace(cloze, card_ords=(6,)), custom))
    cards = list(preview_cards(plan))
    assert [(card.name, card.problem) for card in cards] == [
        ("Cloze 7", "blank card"),
        ("Card 1", "template error"),
    ]
    assert "No cloze 7 found on card." in cards[0].front
    assert cards[1].front == cards[1].back == "<div>unknown field {{Nope}}</div>"
    page = render_page([plan])
    assert page.count('<span class="pv-badge">') == 2


def test_tex_is_shown_as_source_outside_code_and_attributes() -> None:
    text = '<p title="\\(a\\)">\\(x_1\\) and</p><code>\\(y\\)</code><pre>\\[z\\]</pre>\\[w\\]'
    assert show_tex(text) == (
        '<p title="\\(a\\)"><span class="ankipress-tex">\\(x_1\\)</span> and</p>'
        "<code>\\(y\\)</code><pre>\\[z\\]</pre>"
        '<span class="ankipress-tex display">\\[w\\]</span>'
    )


def test_media_are_embedded_as_data_uris() -> None:
    uris = {"ankipress-math-1.svg": "data:image/svg+xml;base64,PHN2Zy8+"}
    text = '<img src="ankipress-math-1.svg" alt="x"><img src=\'other.png\'>'
    assert embed_media(text, uris) == (
        '<img src="data:image/svg+xml;base64,PHN2Zy8+" alt="x"><img src=\'other.png\'>'
    )


def test_the_page_loads_nothing_unless_mathjax_is_asked_for(tmp_path: Path) -> None:
    plans = _plans(tmp_path)
    page = render_page(plans)
    assert not re.search(r"https?:", page, re.IGNORECASE), "the page names a network address"
    assert "default-src &#x27;none&#x27;" in page
    assert "Formulas are shown as their TeX source" in page
    assert "--mathjax-url" in page and "--mathjax-cdn" not in page
    url = "https://example.org/mathjax/tex-svg.js"
    with_mathjax = render_page(plans, mathjax_url=url)
    assert f'<script src="{url}" defer></script>' in with_mathjax
    assert re.search(r"script-src (&#x27;sha256-[^ ]+&#x27; ){2}https://example.org;", with_mathjax)
    assert "unsafe-inline&#x27; https" not in with_mathjax
    assert 'class="ankipress-tex' not in with_mathjax


def test_write_preview_is_atomic(tmp_path: Path) -> None:
    plans = _plans(tmp_path)
    target = tmp_path / "out" / "preview.html"
    write_preview(plans, target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in target.parent.iterdir()) == ["preview.html"]
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(WriteError, match="cannot write the preview"):
        write_preview(plans, blocker / "preview.html")


# In the browser ---------------------------------------------------------------------------

DECK = """---
deck: Statistics::Basics
tags: [stats, week-1]
---
# Statistics

## What is the mean of $x_1, \\dots, x_n$?

$$\\bar{x} = \\frac{1}{n}\\sum_{i=1}^{n} x_i$$

## Name the three measures of central tendency.

- Mean
- Median
- Mode

## {{c1::Variance}} is the mean squared {{c2::deviation::what?}} from the mean

## How do you compute a mean in Python?

```python
def mean(xs):
    return sum(xs) / len(xs)
```
"""
GERMAN = (
    "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n#tags column:5\n"
    "Basic (and reversed card)\tVocabulary::German\tder Hund\tthe dog\tgerman animals\n"
    "Basic\tVocabulary::German\tWhat does <i>Katze</i> mean?\tcat\tgerman\n"
)
IN_MEAN_CARD = """Array.from(
  Array.from(document.querySelectorAll('.pv-card'))
    .find(card => card.querySelector('.pv-loc').textContent.endsWith('statistics.md:7'))
    .querySelectorAll('.pv-face'),
  face => face.querySelector('iframe').contentDocument.querySelectorAll('%s').length)"""
CARD_STYLE = """(face => {
  const card = face.querySelector('iframe').contentDocument.querySelector('.card');
  const style = getComputedStyle(card);
  return [style.backgroundColor, style.color, style.fontSize, card.className, card.tagName];
})(document.querySelectorAll('.pv-face')[%d])"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    """A headless Chromium; the test fails, naming the package, when there is none."""
    try:
        find_chromium()
    except ChromiumError as exc:
        pytest.fail(str(exc))
    with Chromium(tmp_path / "chromium-profile") as chromium:
        yield chromium


def _wait(browser: Chromium, expression: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not browser.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def _course(tmp_path: Path, math: MathMode) -> list[PackagePlan]:
    folder = tmp_path / "source_cards"
    folder.mkdir()
    (folder / "statistics.md").write_text(DECK, encoding="utf-8")
    (folder / "german.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "typed.txt").write_text(TYPED, encoding="utf-8")
    course = plan_package(
        [Path("source_cards/german.txt"), Path("source_cards/statistics.md")],
        Path("course.apkg"),
        Options(math=math),
    )
    typed = plan_package(
        [Path("typed.txt")], Path("typing.apkg"), Options(kind=NoteKind.TYPE_ANSWER)
    )
    assert not course.errors and not typed.errors
    return [course, typed]


def test_page_in_chromium(
    tmp_path: Path,
    browser: Chromium,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANKIPRESS_CACHE_DIR", str(cache_dir))
    monkeypatch.chdir(tmp_path)
    plans = _course(tmp_path, MathMode.SVG)
    page = tmp_path / "preview.html"
    write_preview(plans, page)
    browser.open(page.as_uri())

    expected = [
        [str(card.note.location), card.name] for plan in plans for card in preview_cards(plan)
    ]
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('.pv-card'), card => "
        "[card.querySelector('.pv-loc').textContent, "
        "card.querySelector('.pv-card-name').textContent])"
    )
    assert shown == expected
    assert len(expected) == 9
    # Every side is a sandboxed frame, styled by its note type (our CSS sets 20px).
    _wait(
        browser,
        "Array.from(document.querySelectorAll('iframe')).every(f => "
        "f.contentDocument && f.contentDocument.documentElement.dataset.dressed)",
    )
    sides = browser.evaluate(
        "Array.from(document.querySelectorAll('.pv-face iframe'), frame => "
        "frame.getAttribute('sandbox') + ' ' + "
        "frame.contentDocument.querySelectorAll('style').length + ' ' + "
        "getComputedStyle(frame.contentDocument.querySelector('.card')).fontSize)"
    )
    assert sides == ["allow-same-origin 3 20px"] * 18
    # Formulas rendered to SVG at build time are data: images that load under the policy.
    _wait(
        browser,
        "Array.from(document.querySelectorAll('.pv-face'), f => "
        "Array.from(f.querySelector('iframe').contentDocument.querySelectorAll('img'))).flat()"
        ".every(img => img.complete && img.naturalWidth > 0)",
    )
    # The question's formula; on the back, the answer's too.
    assert browser.evaluate(IN_MEAN_CARD % "img") == [1, 2]

    day = browser.evaluate(CARD_STYLE % 0)
    light = browser.screenshot()
    browser.evaluate("document.getElementById('pv-night').click()")
    night = browser.evaluate(CARD_STYLE % 0)
    dark = browser.screenshot()
    # Each side is a document whose <body> is the card, as in Anki: body.card rules match.
    assert day[3:] == ["card card1", "BODY"]
    assert night[3:] == ["card card1 nightMode night_mode", "BODY"]
    # Our night rule is body.card.nightMode: the card takes the note type's night colours.
    assert night[0] == "rgb(29, 30, 33)", night
    assert day[0] != night[0] and day[1] != night[1], (day, night)
    browser.evaluate("document.getElementById('pv-night').click()")
    assert browser.evaluate(CARD_STYLE % 0) == day

    search = (
        "(() => {const box = document.getElementById('pv-search'); box.value = %r;"
        "box.dispatchEvent(new Event('input'));"
        "return document.querySelectorAll('.pv-card:not([hidden])').length;})()"
    )
    assert browser.evaluate(search % "hund") == 2
    assert browser.evaluate(search % "week-1 median") == 1
    assert browser.evaluate(search % "typed.txt") == 1
    assert browser.evaluate(search % "") == len(expected)

    requests = [e["request"]["url"] for e in browser.events("Network.requestWillBeSent")]
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    (tmp_path / "preview-light.png").write_bytes(light)
    (tmp_path / "preview-dark.png").write_bytes(dark)
    if os.environ.get("ANKIPRESS_UPDATE_SCREENSHOT") == "1":  # the README's picture
        browser.resize(1280, 1500)
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / "preview.png").write_bytes(browser.screenshot())


def test_mathjax_typesets_inside_the_cards(
    tmp_path: Path, browser: Chromium, mathjax_install: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    plans = _course(tmp_path, MathMode.MATHJAX)
    bundle = mathjax_install / "node_modules" / "mathjax-full" / "es5" / "tex-svg.js"
    page = tmp_path / "preview.html"
    write_preview(plans, page, mathjax_url=bundle.as_uri())
    browser.open(page.as_uri())
    _wait(browser, "document.documentElement.dataset.math === 'typeset'")
    assert browser.evaluate(IN_MEAN_CARD % "mjx-container > svg") == [1, 2]
    display = browser.evaluate(
        "getComputedStyle(Array.from(document.querySelectorAll('.pv-face')).map(face => "
        "face.querySelector('iframe').contentDocument"
        ".querySelector('mjx-container[display=true]')).find(Boolean)).display"
    )
    assert display == "block"  # MathJax's own stylesheet reached the frame
    assert "\\(" not in html.unescape(browser.evaluate("document.body.innerText"))


HOSTILE = (
    "#separator:tab\n#html:true\n"
    "<img src=x onerror=\"parent.document.title='ran';document.body.dataset.ran=1\">Q"
    "\t<script>parent.document.title='ran';document.body.dataset.ran=1</script>A\n"
    '<a id=link href="https://example.org/">a link</a>'
    '<meta http-equiv=refresh content="0;url=https://example.org/">'
    '\t<form action="https://example.org/"><button id=send>send</button></form>'
    '<img src="https://example.org/pixel.png"><svg><image href="https://example.org/p.png"/></svg>\n'
)


def test_a_cards_scripts_links_forms_and_addresses_do_nothing_in_the_preview(
    tmp_path: Path, browser: Chromium
) -> None:
    """Cards are shown in sandboxed frames under a policy of no script but the page's own."""
    (tmp_path / "shared.txt").write_text(HOSTILE, encoding="utf-8")
    plan = plan_package([tmp_path / "shared.txt"], tmp_path / "shared.apkg", Options())
    page = tmp_path / "preview.html"
    write_preview([plan], page)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page.read_text())
    assert policy is not None
    script_src = html.unescape(policy[1]).split("script-src ")[1].split(";")[0]
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", script_src)  # the page's own script only
    assert "connect-src 'none'" in html.unescape(policy[1])

    browser.open(page.as_uri())
    frames = "Array.from(document.querySelectorAll('.pv-face iframe'))"
    _wait(browser, f"{frames}.every(f => f.contentDocument.documentElement.dataset.dressed)")
    time.sleep(0.5)  # time for an onerror= or a refresh, had either been allowed
    for trigger in ("link", "send"):
        browser.evaluate(
            f"{frames}.map(f => f.contentDocument.getElementById({trigger!r}))"
            ".filter(Boolean).forEach(element => element.click())"
        )
    time.sleep(0.5)

    assert browser.evaluate("document.title") == "Preview: shared.apkg"
    assert (
        browser.evaluate(f"{frames}.map(f => f.getAttribute('sandbox'))")
        == ["allow-same-origin"] * 4
    )
    assert (
        browser.evaluate(f"{frames}.map(f => f.contentDocument.body.dataset.ran || '')") == [""] * 4
    )
    assert (
        browser.evaluate(f"{frames}.map(f => f.contentDocument.location.href)")
        == ["about:srcdoc"] * 4
    )
    assert browser.evaluate("location.href") == page.as_uri()
    answered = [e["response"]["url"] for e in browser.events("Network.responseReceived")]
    assert answered == [page.as_uri()], answered
    blocked = [e.get("blockedReason") for e in browser.events("Network.loadingFailed")]
    assert blocked and set(blocked) == {"csp"}
