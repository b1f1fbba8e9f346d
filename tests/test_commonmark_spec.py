"""How closely Markdown in cards follows CommonMark: the spec's own examples, measured.

The examples of the sections that matter on cards (lists, list items, emphasis, code spans,
fenced and indented code, links) and GitHub's table and strikethrough extensions
(``tests/data/commonmark_examples.json``, see ``tests/data/README.md``) are rendered with
raw HTML allowed and math on, as a card's field is, and compared with the spec's HTML
after normalizing what a card shows the same: white space between blocks, attribute order,
a line break inside a paragraph (cards keep line breaks as written, the spec makes them
spaces), Pygments' spans and ``<div class="highlight">`` around code, and a table's
``style="text-align:…"`` for ``align="…"``.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ankipress.render.markdown import MarkdownRenderer
from ankipress.sources import field_problem

EXAMPLES = json.loads(
    (Path(__file__).parent / "data" / "commonmark_examples.json").read_text(encoding="utf-8")
)
FLOOR = 0.99
"""The share of the examples that must match (the README states the share measured)."""
EXACT_SECTIONS = {"Lists", "List items", "Emphasis and strong emphasis", "Code spans", "Links"}
"""Sections every example of which must match."""

_BLOCK_TAG = r"</?(?:p|li|ul|ol|pre|table|thead|tbody|tr|th|td|blockquote|h\d|hr)\b[^>]*>"


class _Normalizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
            return
        if tag in {"span", "div"}:  # Pygments' highlighting
            return
        kept = {name: value or "" for name, value in attrs if name != "class"}
        style = kept.pop("style", "")
        align = re.fullmatch(r"text-align:\s*(\w+);?", style)
        if align:
            kept["align"] = align.group(1)
        elif style:
            kept["style"] = style
        self.out.append(
            f"<{tag}" + "".join(f' {k}="{html.escape(v)}"' for k, v in sorted(kept.items())) + ">"
        )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"br", "span", "div"}:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def normalized(text: str) -> str:
    """HTML with what a reader does not see told apart removed (see the module docstring)."""
    parser = _Normalizer()
    parser.feed(text)
    parser.close()
    flat = re.sub(r"\s+", " ", "".join(parser.out))
    return re.sub(rf"\s*({_BLOCK_TAG})\s*", r"\1", flat).strip()


def test_commonmark_and_gfm_examples_render_as_the_specs_say() -> None:
    renderer = MarkdownRenderer(allow_html=True)
    matched: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failed: list[str] = []
    for example in EXAMPLES:
        section = example["section"]
        total[section] += 1
        if normalized(renderer.render(example["markdown"])) == normalized(example["html"]):
            matched[section] += 1
        else:
            failed.append(f"{section} #{example['example']}: {example['markdown']!r}")
    share = sum(matched.values()) / sum(total.values())
    report = "\n".join(f"{s}: {matched[s]}/{n}" for s, n in total.items())
    print(f"\nCommonMark/GFM examples matched: {share:.1%}\n{report}")
    assert share >= FLOOR, "\n".join(failed)
    assert all(matched[s] == total[s] for s in EXACT_SECTIONS), "\n".join(failed)
    assert len(EXAMPLES) == 369


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Steps:\n- one\n- two", "<p>Steps:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        (
            "- a\n  - b\n    - c",
            "<ul>\n<li>a\n<ul>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n</ul>",
        ),
        ("1. a\n   - b", "<ol>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ol>"),
        ("- a\n    - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"),
        ("~~gone~~ $x_1$", "<p><del>gone</del> \\(x_1\\)</p>"),
    ],
    ids=[
        "list-after-a-paragraph-line",
        "nested-by-two",
        "nested-by-three",
        "nested-by-four",
        "strike-and-math",
    ],
)
def test_lists_as_people_write_them(text: str, expected: str) -> None:
    assert MarkdownRenderer().render(text) == expected


def test_lists_nested_as_deep_as_the_reader_takes_keep_every_item() -> None:
    text = "".join("  " * level + f"- item{level}\n" for level in range(65))
    assert field_problem(text, markdown=True) is None
    html_text = MarkdownRenderer().render(text)
    assert html_text.count("<li>") == 65
    assert all(re.search(rf"item{level}\b", html_text) for level in range(65))
