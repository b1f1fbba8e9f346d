"""Markdown: math-safe rendering, the Markdown deck reader, and a deck through the real Anki."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.building.pipeline import convert
from ankipress.cli import cli
from ankipress.model import ReadOptions, ReadResult, Severity
from ankipress.readers.frontmatter import MAX_FRONT_MATTER_BYTES
from ankipress.readers.markdown import MarkdownReader
from ankipress.render.markdown import MarkdownRenderer
from ankipress.sources import Source

from ankiengine import AnkiCollection

T0 = 1_750_000_000

# -- rendering ---------------------------------------------------------------------------

RENDERED = [
    ("$x_1 + x_2$", r"<p>\(x_1 + x_2\)</p>", "underscores-in-dollar-math"),
    (r"\(x_1 + x_2\)", r"<p>\(x_1 + x_2\)</p>", "backslash-paren-kept"),
    (r"see \[a_1 * b_1\] here", r"<p>see \[a_1 * b_1\] here</p>", "backslash-bracket-kept"),
    ("$$a_1 * b_1$$", r"<p>\[a_1 * b_1\]</p>", "display-dollars"),
    ("$$\na_1\n+ b_1\n$$", "<p>\\[\na_1\n+ b_1\n\\]</p>", "display-over-lines"),
    ("a $x_1 +\ny_1$ b", "<p>a \\(x_1 +\ny_1\\) b</p>", "inline-over-a-line-break"),
    ("$$\na\n- b\n$$", "<p>\\[\na\n- b\n\\]</p>", "display-lines-are-no-list"),
    ("`$x_1$` and $y$", r"<p><code>$x_1$</code> and \(y\)</p>", "dollar-in-code-span"),
    (
        "```\n$x_1$ $y_2$\n```",
        '<div class="highlight"><pre><span></span><code>$x_1$ $y_2$\n</code></pre></div>',
        "dollar-in-fenced-code",
    ),
    (
        "    $x_1$",
        '<div class="highlight"><pre><span></span><code>$x_1$\n</code></pre></div>',
        "dollar-in-indented-code",
    ),
    ("costs $5 and $10", "<p>costs $5 and $10</p>", "prices-are-not-math"),
    ("$x$1 and $ y$ and $z $", "<p>$x$1 and $ y$ and $z $</p>", "dollar-rules"),
    (r"\$x\$ and \$5", "<p>$x$ and $5</p>", "escaped-dollar-is-literal"),
    (r"\$x$y$", r"<p>$x\(y\)</p>", "escaped-dollar-then-math"),
    ("*a* $b*c*d$ _e_", r"<p><em>a</em> \(b*c*d\) <em>e</em></p>", "math-beside-emphasis"),
    ("*a $b*c$ d*", r"<p><em>a \(b*c\) d</em></p>", "math-inside-emphasis"),
    (r"$\{x\} \_ a \\ b$", r"<p>\(\{x\} \_ a \\ b\)</p>", "latex-escapes-kept"),
    (r"$\$5$", r"<p>\(\$5\)</p>", "escaped-dollar-inside-math"),
    ("$a<b$ & $c>d$", r"<p>\(a&lt;b\) &amp; \(c&gt;d\)</p>", "html-characters-escaped"),
    ("$a &lt; b$", r"<p>\(a &amp;lt; b\)</p>", "entity-inside-math-is-text"),
    (r"\\(x\)", r"<p>\(x)</p>", "escaped-backslash-is-not-math"),
    (r"\\\(x_1\)", r"<p>\\(x_1\)</p>", "escaped-backslash-then-math"),
    (r"\(\) and $$ $$", "<p>() and $$ $$</p>", "empty-math-is-text"),
    ("$a `b` c$", "<p>$a <code>b</code> c$</p>", "code-span-wins-over-math"),
    ("[$x_1$](https://example.org)", '<p><a href="https://example.org">\\(x_1\\)</a></p>', "link"),
    ("- $x_1$\n- *b*", "<ul>\n<li>\\(x_1\\)</li>\n<li><em>b</em></li>\n</ul>", "list"),
    (
        "| a | b |\n|---|---|\n| $x_1$ | `$` |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
        "<td>\\(x_1\\)</td>\n<td><code>$</code></td>\n</tr>\n</tbody>\n</table>",
        "table",
    ),
    (
        "```python\nprint('$x_1$')\n```",
        (
            '<div class="highlight"><pre><span></span><code><span class="nb">print</span>'
            '<span class="p">(</span><span class="s1">\'$x_1$\'</span><span class="p">)'
            "</span>\n</code></pre></div>"
        ),
        "fenced-code-with-language",
    ),
    ("<b>$x$</b>", r"<p>&lt;b&gt;\(x\)&lt;/b&gt;</p>", "raw-html-escaped"),
    ("one\ntwo", "<p>one<br>\ntwo</p>", "line-breaks-kept"),
    ("a <!-- note to self --> b", "<p>a  b</p>", "inline-comment-hidden"),
    ("<!-- md2apkg type x -->\n\nText", "<p>Text</p>", "block-comment-hidden"),
    ("<!--\nover\n\nlines\n-->\nafter", "<p>after</p>", "comment-over-lines-hidden"),
    ("one\n<!-- c -->\ntwo", "<p>one</p>\n<p>two</p>", "comment-ends-a-paragraph"),
    (
        "a\n\n<!-- never closed\nb",
        "<p>a</p>\n<p>&lt;!-- never closed<br>\nb</p>",
        "unclosed-comment-shown",
    ),
    (
        "`<!-- c -->` <!-- d -->",
        "<p><code>&lt;!-- c --&gt;</code> </p>",
        "comment-in-code-span-kept",
    ),
    (
        "```\n<!-- c -->\n```",
        '<div class="highlight"><pre><span></span><code>&lt;!-- c --&gt;\n</code></pre></div>',
        "comment-in-fenced-code-kept",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for t, e, _ in RENDERED], ids=[i for *_, i in RENDERED]
)
def test_markdown_renders_math_untouched(text: str, expected: str) -> None:
    assert MarkdownRenderer().render(text) == expected


def test_one_renderer_gives_the_same_html_field_after_field() -> None:
    renderer = MarkdownRenderer()
    first = [renderer.render(text) for text, _, _ in RENDERED]
    assert [renderer.render(text) for text, _, _ in RENDERED] == first


def test_allow_html_keeps_html_and_math() -> None:
    renderer = MarkdownRenderer(allow_html=True)
    assert renderer.render("<b>$x_1$</b>") == r"<p><b>\(x_1\)</b></p>"


def test_without_math_dollars_are_plain_markdown() -> None:
    assert MarkdownRenderer(math=False).render("$x_1 + x_2$") == "<p>$x_1 + x_2$</p>"


def test_math_runs_before_escapes_and_emphasis() -> None:
    rules = MarkdownRenderer()._parser.inline.ruler.get_active_rules()
    names = [name for name in rules if name in {"math", "escape", "backticks", "emphasis"}]
    assert names == ["math", "escape", "backticks", "emphasis"]


def test_a_paragraph_of_unclosed_delimiters_renders_quickly() -> None:
    text = "\\( \\[ $$ $a " * 3000
    start = time.perf_counter()
    MarkdownRenderer().render(text)
    assert time.perf_counter() - start < 2


# -- reading -----------------------------------------------------------------------------


def _read(text: str, path: str = "deck.md") -> ReadResult:
    return MarkdownReader().read(Source.from_text(path, text), ReadOptions(default_deck="deck"))


@pytest.mark.parametrize(
    ("path", "text", "score"),
    [
        pytest.param("a.md", "## Q\nA\n", 0.8, id="md-with-cards"),
        pytest.param("a.markdown", "# T\n## Q\nA\n", 0.8, id="markdown-with-cards"),
        pytest.param("a.txt", "# T\n## Q\nA\n", 0.5, id="text-with-title-and-cards"),
        pytest.param("a.txt", "## Q\nA\n", 0.0, id="text-without-title"),
        pytest.param("a.txt", "# T\n```\n## Q\n```\n", 0.0, id="headings-only-in-code"),
        pytest.param("a.md", "just prose\n", 0.4, id="md-without-cards"),
    ],
)
def test_sniff(path: str, text: str, score: float) -> None:
    assert MarkdownReader().sniff(Source.from_text(path, text)) == score


def test_crlf_lines_and_locations() -> None:
    result = _read("# T\r\n\r\n## Q?\r\n\r\nA\r\n")
    assert [(n.question, n.answer, n.deck) for n in result.notes] == [("Q?", "A", "T")]
    note = result.notes[0]
    assert (note.location.line, note.answer_location and note.answer_location.line) == (3, 5)


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for number in range(1, 12):
        previous, name = chr(ord("a") + number - 1), chr(ord("a") + number)
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    text = "---\n" + "\n".join(levels) + "\ntags: *l\n---\n## Q\nA\n"
    start = time.perf_counter()
    result = _read(text)
    assert time.perf_counter() - start < 1
    assert [str(d) for d in result.diagnostics] == [
        "deck.md:3: error: the front matter may not use YAML aliases ('*name')"
    ]
    assert [n.tags for n in result.notes] == [()]


def test_deeply_nested_front_matter_is_refused_quickly() -> None:
    text = "---\ntags: " + "[" * 20_000 + "]" * 20_000 + "\n---\n## Q\nA\n"
    start = time.perf_counter()
    result = _read(text)
    assert time.perf_counter() - start < 2
    assert [str(d) for d in result.diagnostics] == [
        "deck.md:2: error: the front matter is nested too deeply"
    ]


def test_front_matter_over_the_size_limit_is_not_parsed() -> None:
    text = "---\ndeck: " + "x" * MAX_FRONT_MATTER_BYTES + "\n---\n## Q\nA\n"
    result = _read(text)
    assert [(d.location.line, d.severity) for d in result.diagnostics] == [(1, Severity.ERROR)]
    assert "too large" in result.diagnostics[0].message
    assert [n.deck for n in result.notes] == ["deck"]


def test_yaml_tags_cannot_construct_objects() -> None:
    result = _read("---\ndeck: !!python/object/apply:os.system [echo hi]\n---\n## Q\nA\n")
    assert [str(d) for d in result.diagnostics] == [
        "deck.md:2: error: 'deck' must be a deck name, not a list; write the deck's name "
        "after 'deck:'"
    ]


# -- end to end --------------------------------------------------------------------------

DECK = r"""---
deck: Statistics::Basics
tags: [stats, week 1]
---
# A title the front matter overrides

## What is the mean of $x_1 + x_2$?

$\bar{x} = \frac{x_1 + x_2}{2}$, costs $5.

$$
\sigma^2 = \frac{1}{n}\sum_i (x_i - \bar{x})^2
$$

- first *item*
- second, with \(a < b\)

```python
cost = "$5"
```

[#formulas]()

## {{c1::\(x_1 + x_2\)}} is the sum
"""
BACK = (
    "<p>\\(\\bar{x} = \\frac{x_1 + x_2}{2}\\), costs $5.</p>\n"
    "<p>\\[\n\\sigma^2 = \\frac{1}{n}\\sum_i (x_i - \\bar{x})^2\n\\]</p>\n"
    "<ul>\n<li>first <em>item</em></li>\n<li>second, with \\(a &lt; b\\)</li>\n</ul>\n"
    '<div class="highlight"><pre><span></span><code><span class="n">cost</span> '
    '<span class="o">=</span> <span class="s2">"$5"</span>\n</code></pre></div>'
)


def test_a_markdown_deck_imports_into_anki_with_math_intact(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "stats.md"
    source.write_text(DECK, encoding="utf-8")
    package = tmp_path / "stats.apkg"

    convert([source], package, timestamp=T0)
    counts = anki.import_package(package)

    assert (counts.new, counts.conflicting) == (2, 0)
    basic, cloze = anki.notes()
    assert basic.notetype == "ankipress Basic"
    assert basic.fields == {
        "Front": r"<p>What is the mean of \(x_1 + x_2\)?</p>",
        "Back": BACK,
    }
    assert sorted(basic.tags) == ["formulas", "stats", "week_1"]
    assert basic.decks == ["Statistics::Basics"]
    assert cloze.notetype == "ankipress Cloze"
    assert cloze.fields["Text"] == r"<p>{{c1::\(x_1 + x_2\)}} is the sum</p>"
    assert sorted(cloze.tags) == ["stats", "week_1"]
    assert anki.deck_names() == ["Statistics", "Statistics::Basics"]
    cards = {card.note_guid: card for card in anki.cards()}
    front = cards[basic.guid]
    assert r'<div class="card-q" dir="auto"><p>What is the mean of \(x_1 + x_2\)?</p></div>' in (
        front.question_body
    )
    assert BACK in front.answer_body
    assert r"\(x_1 + x_2\)" in cards[cloze.guid].answer_body
    assert r"\(x_1 + x_2\)" not in cards[cloze.guid].question_body


def test_cli_skips_a_card_without_answer_as_mdanki_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deck.md").write_text("# Deck\n\n## Has an answer\n\nYes\n\n## Has none\n", "utf-8")

    result = CliRunner().invoke(
        cli, ["convert", "deck.md", "-o", "deck.apkg"], env={"SOURCE_DATE_EPOCH": str(T0)}
    )

    assert result.exit_code == 0
    assert result.stdout == "wrote deck.apkg: 1 note from 2 cards in deck 'Deck'; 1 warning\n"
    assert result.stderr == (
        "deck.md:7: warning: the card 'Has none' has no answer: skipped, as mdanki does; write "
        "the answer under the heading, or make the card a cloze with {{c1::…}}\n"
    )


# -- duplicates through the real Anki -----------------------------------------------------

HOMONYMS = "# Spanish\n\n## my\n\n{first}\n\n## my\n\nmí (stressed)\n"


def test_one_question_with_two_answers_is_two_notes_in_anki_that_survive_edits(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    source = tmp_path / "spanish.md"
    package = tmp_path / "spanish.apkg"
    source.write_text(HOMONYMS.format(first="mi"), encoding="utf-8")
    convert([source], package, timestamp=T0)

    counts = anki.import_package(package)

    assert (counts.new, counts.duplicate, counts.conflicting) == (2, 0, 0)
    before = {note.guid: note.fields["Back"] for note in anki.notes()}
    assert sorted(before.values()) == ["<p>mi</p>", "<p>mí (stressed)</p>"]

    source.write_text(HOMONYMS.format(first="mi (unstressed)"), encoding="utf-8")
    convert([source], package, timestamp=T0 + 60)
    counts = anki.import_package(package)

    assert counts.new == 0
    after = {note.guid: note.fields["Back"] for note in anki.notes()}
    assert after.keys() == before.keys()
    assert sorted(after.values()) == ["<p>mi (unstressed)</p>", "<p>mí (stressed)</p>"]


# -- the shortcuts around the parser give the parser's HTML ------------------------------

_PIECES = [
    *("a", "word", "é", " ", "  ", "\n", "\n\n", "\t", "*", "**", "_", "`", "```", "$", "$$"),
    *("\\", "\\(", "\\[", "[", "]", "(", ")", "<", ">", "<!--", "-->", "!", "#", "&", '"'),
    *("'", "-", "- ", "\n- ", "+", "=", "|", ":", "~~", "1", "1.", "2)", "\u00a0", "x_1"),
    *("http://x.y", "{{c1::", "}}", "<b>", "</b>", "[a]: /u", "\\\\"),
]


@pytest.mark.parametrize("allow_html", [False, True], ids=["escaped-html", "allow-html"])
def test_fields_rendered_without_the_block_parser_read_as_it_reads_them(
    allow_html: bool,
) -> None:
    """Random fields of markup pieces: wherever a shortcut applies, the same HTML as the
    whole parser's (which CommonMark's spec test measures)."""
    import random

    from ankipress.render.markdown import plain_paragraphs, simple_blocks

    rng = random.Random(19)
    renderer = MarkdownRenderer(allow_html=allow_html)
    shortcut = 0
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 20)))
        if plain_paragraphs(text) is None and simple_blocks(text) is not None:
            shortcut += 1
            assert renderer.render(text) == renderer._parser.render(text).removesuffix("\n")
    assert shortcut > 500  # the case is exercised


def test_paragraphs_and_lists_rendered_without_the_block_parser_read_as_it_reads_them() -> None:
    """Random fields of lines, list items ("- x", and lines a list reads otherwise) and
    blank lines: wherever the shortcut applies, the parser's HTML."""
    import random

    from ankipress.render.markdown import plain_paragraphs, simple_blocks

    inline = ["a", "word", " ", "  ", "*", "`", "$x$", "\\", "[", "<", "&", '"', "-", "1.", "#"]
    prefixes = ["", "", "- ", "- ", "-", "-  ", " - ", "* ", "1. "]
    breaks = ["\n", "\n", "\n\n", "\n \n"]
    rng = random.Random(19)
    renderer = MarkdownRenderer()
    shortcut = 0
    for _ in range(6000):
        text = "".join(
            rng.choice(prefixes)
            + "".join(rng.choice(inline) for _ in range(rng.randint(0, 4)))
            + rng.choice(breaks)
            for _ in range(rng.randint(1, 6))
        )
        if plain_paragraphs(text) is None and simple_blocks(text) is not None:
            shortcut += 1
            assert renderer.render(text) == renderer._parser.render(text).removesuffix("\n")
    assert shortcut > 200


def test_the_quick_markup_test_agrees_with_the_pattern() -> None:
    """``has_markup`` answers as ``_MARKUP.search`` does, line ends and Unicode spaces too."""
    import random

    from ankipress.render.markdown import _MARKUP, has_markup

    pieces = ["a", "1", "12", ".", ")", "-", " ", "\t", "\n", "\n\n", "\u00a0", "\x1c", "\r"]
    pieces += ["\u2028", "\x85", "\f", "*", "é", "-1", "1.", "x y"]
    rng = random.Random(19)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert has_markup(text) == bool(_MARKUP.search(text)), repr(text)


class _Recorder:
    """A math handler that writes down each formula it is given, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool, str]] = []

    def __call__(self, tex: str, display: bool, original: str) -> str:
        self.calls.append((tex, display, original))
        return f"[{len(self.calls)}:{tex}]"


_BLOCK_LINES = [
    *("a", "word $x$", "`c` d", '"q" > r', "- item", "- $y$ z", "1. one", "", "", " "),
    *("```", "```python", "``` py extra", "````", "```x`", "~~~", "~~~ c`", "  ```", "    ```"),
    *("$$", "$$ a $$", "$$a", "b$$", "\\[", "\\]", "\\[ x \\]", "$$x$$ y", "x = 1", "\\frac{1}{2}"),
    *("  code", "\t", "| a |", "# h", "> q", "<b>", "a  ", "---", "===", "$$ $$", "``", "~~~~"),
    *("```   ", "- ```", "text ```", "<!-- c -->", "*e*"),
]


@pytest.mark.parametrize("math", [True, False], ids=["math", "no-math"])
@pytest.mark.parametrize("allow_html", [False, True], ids=["escaped-html", "allow-html"])
def test_code_and_display_math_rendered_without_the_block_parser_read_as_it_reads_them(
    allow_html: bool, math: bool
) -> None:
    """Random fields of lines (fences, display math, paragraphs, lists): wherever the
    shortcut finds fenced code or display math, the parser's HTML, and the formulas given
    to the handler in the parser's order (display first: an SVG handler numbers them)."""
    import random

    from ankipress.render.markdown import CodeBlock, MathBlock, plain_paragraphs, simple_blocks

    rng = random.Random(19)
    recorder = _Recorder()
    renderer = MarkdownRenderer(allow_html=allow_html, math=recorder if math else False)
    shortcut = 0
    for _ in range(8000):
        text = "\n".join(rng.choice(_BLOCK_LINES) for _ in range(rng.randint(1, 10)))
        blocks = None if plain_paragraphs(text) is not None else simple_blocks(text, math)
        if not blocks or not any(isinstance(b, (CodeBlock, MathBlock)) for b in blocks):
            continue
        shortcut += 1
        recorder.calls.clear()
        quick = renderer.render(text)
        quick_calls = list(recorder.calls)
        recorder.calls.clear()
        assert quick == renderer._parser.render(text).removesuffix("\n"), repr(text)
        assert quick_calls == recorder.calls, repr(text)
    assert shortcut > 60


@pytest.mark.parametrize("math", [True, False], ids=["math", "no-math"])
def test_code_spans_and_formulas_rendered_without_the_inline_parser_read_as_it_reads_them(
    math: bool,
) -> None:
    """Random inline text of code spans, formulas and what looks like them: wherever the
    inline shortcut applies, the parser's HTML and the same formulas in the same order."""
    import random

    from ankipress.render.markdown import inline_pieces

    pieces = ["a", "word", " ", "  ", "\n", "`", "``", "```", "$", "$$", "$x$", "$ x$", "$x $"]
    pieces += ["\\(", "\\[x\\]", '"', ">", "<", "&", "*", "_", "[", "]", "!", "=", "~", "{", "}"]
    pieces += ["#", "-", ":", "5", "x_1", "\u00a0", "é", "\t", "a b", "` \u00a0 `", "`a&<b`"]
    rng = random.Random(19)
    recorder = _Recorder()
    renderer = MarkdownRenderer(math=recorder if math else False)
    shortcut = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        if inline_pieces(text, math) is None:
            continue
        shortcut += 1
        recorder.calls.clear()
        quick = renderer._inline(text, {})
        quick_calls = list(recorder.calls)
        recorder.calls.clear()
        assert quick == renderer._parser.renderInline(text, {}), repr(text)
        assert quick_calls == recorder.calls, repr(text)
    assert shortcut > 500


# -- the Markdown deck reader's shortcuts read as it reads line by line --------------------

_DECK_LINES = [
    *("# Deck", "## Q one", "## Q *two* ##", "##", "## ", "###  sub", "# ", "#x", "answer", ""),
    *("", "  ", "%", " % ", "%x", "[#tag]()", "  [#a](x) [#b]", "[#notag", "```", "```python"),
    *("  ```", "   ```", "~~~", "code ```", "x = 1 ```", "    indented", "{{c1::cloze}}"),
    *("<!-- guid: abc | tags: t1 -->", "<!-- kind: reversed -->", "<!-- bad: x -->", "- item"),
    *("$$", "---", "deck: D", "\t", "\u3000", "## Q\u3000", "#\u3000", "%\u3000"),
]


def _random_deck(rng: random.Random) -> str:
    lines = [rng.choice(_DECK_LINES) for _ in range(rng.randint(1, 30))]
    if rng.random() < 0.2:
        lines = ["---", "deck: Front", "tags: [a, b]", "---", *lines]
    return "\n".join(lines) + "\n" * rng.randint(0, 1)


def test_the_deck_reader_finds_fences_and_headings_as_a_line_by_line_pass_does() -> None:
    """The lines one search over the text marks, and the fences read from them alone, are
    those a test of every line finds."""
    from ankipress.readers.mdsyntax import FENCE_OR_HEADING, fenced

    rng = random.Random(19)
    for _ in range(1500):
        text = _random_deck(rng)
        source = Source.from_text("deck.md", text)
        marked = FENCE_OR_HEADING.find(source.text, source.lines)
        assert marked == [
            i for i, line in enumerate(source.lines) if re.match(r" {0,3}[`~]|#", line)
        ]
        start = rng.randint(0, 4)
        assert fenced(source.lines, start, marked) == fenced(source.lines, start)
    crlf = Source.from_text("deck.md", "## a\r\nb\r\n")
    assert FENCE_OR_HEADING.find(crlf.text, crlf.lines) is None


def test_cards_read_without_a_pass_a_line_read_as_they_read_line_by_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Random decks (headings, '%' and tag lines, fences, metadata): the same notes and
    diagnostics whether cards without special lines take the shortcut or not."""
    from ankipress.readers import mdcards, mddeck

    rng = random.Random(19)
    decks = [_random_deck(rng) for _ in range(1500)]

    def read_all() -> list[ReadResult]:
        options = ReadOptions(default_deck="x")
        return [
            MarkdownReader().read(Source.from_text(f"d{i}.md", deck), options)
            for i, deck in enumerate(decks)
        ]

    quick = read_all()
    assert sum(len(result.notes) for result in quick) > 500
    monkeypatch.setattr(mdcards.CardReader, "_plain_cards", lambda self: None)
    monkeypatch.setattr(mddeck, "FENCE_OR_HEADING", _Unmarked())
    assert read_all() == quick


class _Unmarked:
    """Stands for a search that cannot mark lines: every line is tested."""

    def find(self, text: str, lines: object) -> None:
        return None
