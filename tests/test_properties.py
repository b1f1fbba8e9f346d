"""Properties that hold for any input, checked on inputs hypothesis makes up.

* Every reader turns any bytes into notes or diagnostics: never an exception.
* Our own formats read back as they were written: text → notes → text → notes, and the
  second text is the first.
* A note's GUID depends on its deck and its question, normalized, and on nothing else.
* Plain text never becomes active HTML.

Bounded (a hundred or two examples each, no deadline) to run in seconds; ``fuzz/`` holds
the long run.
"""

from __future__ import annotations

import dataclasses
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankipress import ids
from ankipress.building.pipeline import Options, convert, plan_package, plan_text
from ankipress.errors import InputError
from ankipress.model import Note, SourceLocation, TextFormat
from ankipress.normalize import normalize
from ankipress.render import render_plain
from ankipress.render.sanitize import active_content

_BOUNDED = settings(
    max_examples=120,
    deadline=None,
    database=None,  # nothing written into the working tree; a failure prints its example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Pieces that mean something to one reader or another, so that made-up files reach past
# the first check of each: separators, quotes, headers, headings, Brainscape's lines.
_TOKENS = [
    "\t", ",", ";", "|", ":", " - ", '"', '""', "\n", "\r\n", "\r", "\n\n", " ", "#",
    "#separator:tab\n", "#separator:Comma\n", "#html:true\n", "#html:false\n", "#deck:D\n",
    "#guid column:1\n", "#notetype column:2\n", "#tags column:3\n", "#columns:Front\tBack\n",
    "#notetype:Cloze\n", "## ", "# ", "### ", "---\n", "%\n", "```\n", "~~~", "<!-- ", " -->",
    "guid: x", "kind: cloze", "format: html", "| ", "[#tag]()", "Q\n", "A\n",
    "Deck Flashcards\n", "(3 cards)\n", "1\n", "How well did you know this?\n",
    "Not at all\n", "Perfectly\n", "question,answer\n", "front,back,tags,deck\n", "sep=;\n",
    "{{c1::", "}}", "$", "$$", "\\(", "\\)", "[", "]", "(", ")", "![x](", "<", ">", "&", "*",
    "_", "`", "<b>", "<script>", "é", "e\u0301", "\u00a0", "\ufeff", "\x1f", "\x00", "\ud7ff",
    "\U0001f600", "term", "definition", "deck: [a", "tags: [x, y]\n", "media: m\n",
]  # fmt: skip
_TEXT = st.lists(
    st.sampled_from(_TOKENS) | st.text(alphabet="abcXYZ019 \t\n", max_size=6), max_size=40
).map("".join)
_BYTES = st.one_of(
    st.binary(max_size=400),
    _TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    _TEXT.map(lambda text: text.encode("utf-16")),
    _TEXT.map(lambda text: text.encode("cp1252", "replace")),
)
# (the reader's --from token, or None to detect; the file's extension)
_READERS = [
    ("ankitext", ".txt"),
    ("brainscape", ".txt"),
    ("markdown", ".md"),
    ("quizlet", ".txt"),
    ("csv", ".csv"),
    (None, ".txt"),
    (None, ".md"),
    (None, ".csv"),
]


@pytest.mark.parametrize(("reader", "suffix"), _READERS, ids=[f"{r}{s}" for r, s in _READERS])
@_BOUNDED
@given(data=_BYTES)
def test_any_bytes_are_notes_or_diagnostics(reader: str | None, suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deck{suffix}"
        path.write_bytes(data)
        plan = plan_package([path], Path(folder) / "out.apkg", Options(input_format=reader))
    assert plan.notes or plan.errors  # "no cards found" is an error too
    assert all(str(diagnostic) for diagnostic in plan.diagnostics)


@_BOUNDED
@given(data=st.binary(max_size=600) | st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b))
def test_any_bytes_named_apkg_are_notes_or_one_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        path.write_bytes(data)
        plan = plan_package([path], Path(folder) / "out.apkg", Options())
    assert plan.errors >= 1  # not one of these is a package


# -- our own formats read back as written ---------------------------------------------------

_LINE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\t"),
    max_size=20,
)
_FIELD = st.lists(
    st.sampled_from(["%", "## heading", "# title", "```", "~~~", "<!-- x -->", "[#t]()", ""])
    | _LINE,
    min_size=1,
    max_size=4,
).map("\n".join)


def _essence(note: Note) -> tuple[object, ...]:
    return (note.question, note.answer, note.deck, note.tags, note.guid, note.text_format)


def _round_trip(source: Path, folder: Path, suffix: str) -> None:
    """source → text → text: the two texts are one, and read as the source's notes."""
    try:
        first = plan_text([source], folder / "x.md", Options())
    except InputError:
        return
    if first.plan.errors:
        return
    written = folder / f"once{suffix}"
    again = folder / f"twice{suffix}"
    convert([source], written, Options())
    convert([written], again, Options())
    back = plan_text([written], folder / "x.md", Options())

    assert [_essence(n) for n in back.notes] == [_essence(n) for n in first.notes]
    assert again.read_text("utf-8") == written.read_text("utf-8")


@_BOUNDED
@given(cards=st.lists(st.tuples(_FIELD, _FIELD, st.sampled_from(list(TextFormat))), max_size=6))
def test_markdown_text_notes_text_notes_is_stable(
    cards: list[tuple[str, str, TextFormat]],
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        lines = ["# Deck"]
        for index, (question, answer, text_format) in enumerate(cards):
            lines += [f"## Card {index} {(question.splitlines() or [''])[0].strip('# ')}"]
            lines += [f"<!-- format: {text_format.value} -->", answer or "x"]
        source = folder / "deck.md"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _round_trip(source, folder, ".md")


_CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from('\t"\n#'),
    min_size=1,
    max_size=15,
)


@_BOUNDED
@given(
    rows=st.lists(st.tuples(_CELL, _CELL, st.sampled_from(["", "tag", "a::b c"])), max_size=6),
    html=st.booleans(),
)
def test_anki_text_text_notes_text_notes_is_stable(
    rows: list[tuple[str, str, str]], html: bool
) -> None:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        lines = ["#separator:tab", f"#html:{str(html).lower()}", "#tags column:3"]
        lines += ["\t".join(cell(value) for value in row) for row in rows]
        source = folder / "deck.txt"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _round_trip(source, folder, ".txt")


# -- GUIDs -------------------------------------------------------------------------------------

_QUESTION = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda text: text.strip())


def _respaced(text: str) -> str:
    """The same words, white space between them changed."""
    return "  \n\t".join(text.split())


@_BOUNDED
@given(
    deck=_QUESTION,
    question=_QUESTION,
    answers=st.tuples(st.text(max_size=10), st.text(max_size=10)),
    tags=st.lists(st.sampled_from(["a", "b::c", "d"]), max_size=3),
    text_format=st.sampled_from([TextFormat.PLAIN, TextFormat.MARKDOWN]),
)
def test_a_guid_is_the_deck_and_the_normalized_question_only(
    deck: str,
    question: str,
    answers: tuple[str, str],
    tags: list[str],
    text_format: TextFormat,
) -> None:
    where = SourceLocation("deck.txt", 1)
    first = Note(question, answers[0], deck, where, text_format=text_format)
    variants = [
        dataclasses.replace(first, answer=answers[1], tags=tuple(tags)),
        dataclasses.replace(first, question=unicodedata.normalize("NFD", question)),
        dataclasses.replace(first, question=_respaced(question)),
    ]
    guids = {normalize([note]).guids[0] for note in [first, *variants]}
    assert guids == {ids.note_guid(deck, question)}
    other = dataclasses.replace(first, question=question + " ?")
    assert normalize([other]).guids[0] != ids.note_guid(deck, question)


# -- plain text stays text ----------------------------------------------------------------------


@_BOUNDED
@given(text=_TEXT)
def test_plain_text_never_becomes_active_html(text: str) -> None:
    assert active_content(render_plain(text)) == []
