"""The Brainscape and Quizlet readers read a line at a time, with the same notes and
diagnostics (text and order) as the readers they replaced (kept in ``before_streaming``).

Decks are drawn at random, from a seed, out of the shapes each format finds hard: answers
holding numbers, ``Q``/``A`` lines and count lines, trailers written oddly, titles, blank
runs; Quizlet's separators, continued definitions, Flashcards Deluxe preambles, HTML.
The window the Brainscape reader reads through is made tiny too, so that every card
crosses its edges.
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable

import pytest

from ankipress.model import ReadOptions, ReadResult
from ankipress.readers import brainscape, quizlet
from ankipress.sources import LineSource, Source
from before_streaming import brainscape as old_brainscape
from before_streaming import quizlet as old_quizlet

_WORDS = ("alpha", "beta", "gamma", "x = 1", "1. first", "2) second", "(note)", "a, b")
_BRAINSCAPE_ODD = (
    "",
    "",
    "  ",
    "Q",
    "A",
    " A ",
    "q",
    "1",
    "2",
    "3",
    "12",
    "How well did you know this?",
    "how WELL did you know this?",
    "Not at all",
    "1 Not at all 2",
    "3 4 5",
    "Perfectly",
    "(3 cards)",
    "(1 card)",
    "(1 234 Cards)",
    "Chemistry Flashcards",
    "Deck",
    "text (with a paren)",
)
_TRAILER = ["How well did you know this?", "1", "Not at all", "2", "3", "4", "5", "Perfectly"]


def _brainscape_deck(rng: random.Random) -> str:
    lines: list[str] = []
    odd = rng.choice((0.0, 0.1, 0.5))  # how often a card holds an odd line
    if rng.random() < 0.7:
        lines += [rng.choice(("Biology Flashcards", "Deck", "Flashcards", "A Flashcards"))]
        if rng.random() < 0.8:
            lines += [""] * rng.randint(0, 2) + [f"({rng.randint(0, 6)} cards)"]
    number = 0
    for _ in range(rng.randint(0, 8)):
        number += 1 if rng.random() < 0.9 else rng.choice((0, 2, -1))
        if rng.random() < 0.9:
            lines += [""] * rng.randint(0, 1) + [str(number)]
        lines += [""] * rng.randint(0, 4) + ["Q"]
        for _ in range(rng.randint(0, 3)):
            lines += [rng.choice(_BRAINSCAPE_ODD if rng.random() < odd else _WORDS)]
        if rng.random() < 0.9:
            lines += [""] * rng.randint(0, 2) + [rng.choice(("A", "A", " A"))]
        for _ in range(rng.randint(0, 4)):
            odd_line = rng.choice((*_BRAINSCAPE_ODD, str(number + 1)))
            lines += [odd_line if rng.random() < odd else rng.choice(_WORDS)]
        if rng.random() < odd:  # the next card's number and Q inside this answer
            lines += [str(number + 1), "Q", "inner"]
        roll = rng.random()
        if roll < 0.6:
            lines += [""] * rng.randint(0, 1) + _TRAILER
        elif roll < 0.8:  # a trailer written oddly, or cut off
            trailer = list(_TRAILER[: rng.randint(1, 8)])
            for _ in range(rng.randint(0, 2)):
                trailer.insert(rng.randint(1, len(trailer)), rng.choice(("", "2 3", "x")))
            lines += trailer
        if rng.random() < 0.1:  # a second deck of the page
            lines += ["", rng.choice(("Physics Flashcards", "Q", "7")), "", "(2 cards)"]
        if rng.random() < 0.1:
            lines += [rng.choice(_WORDS + _BRAINSCAPE_ODD)]
    if rng.random() < 0.2:
        lines += [rng.choice(_WORDS)] + [""] * rng.randint(0, 3)
    for _ in range(rng.randint(0, 3) if odd else 0):  # stray lines anywhere
        lines.insert(rng.randint(0, len(lines)), rng.choice(_WORDS + _BRAINSCAPE_ODD))
    return rng.choice(("\n", "\r\n")).join(lines) + rng.choice(("", "\n"))


def _same(got: ReadResult, expected: ReadResult, seed: int, text: str) -> None:
    """The same notes and diagnostics, in the same order, and the same rules said."""
    assert got == expected, (seed, text)
    assert [d.rule for d in got.diagnostics] == [d.rule for d in expected.diagnostics]


def _streamed(reader: brainscape.BrainscapeReader, source: Source) -> ReadResult:
    return reader.stream(LineSource.of(source), ReadOptions(default_deck="deck")).collect()


@pytest.mark.parametrize("window", [(1, 1), (2, 3), (1024, 4096)], ids=["tiny", "small", "real"])
def test_brainscape_reads_random_decks_as_before(
    window: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    block, keep = window
    monkeypatch.setattr(brainscape, "_BLOCK", block)
    monkeypatch.setattr(brainscape, "_KEEP", keep)
    reader, before = brainscape.BrainscapeReader(), old_brainscape.BrainscapeReader()
    options = ReadOptions(default_deck="deck")
    for seed in range(800):
        text = _brainscape_deck(random.Random(seed))
        source = Source.from_text("deck.txt", text)
        expected = before.read(source, options)
        _same(_streamed(reader, source), expected, seed, text)
        _same(reader.read(source, options), expected, seed, text)


_TERM_SEPS = ("\t", "\t", " - ", ",", ";", "::", " = ", ":", "|", " \u2013 ")
_CARD_SEPS = ("\n", "\n", "\n\n", "\n\n\n", ";", ";\n", "||")
_QUIZLET_WORDS = (
    "alpha",
    "beta gamma",
    "x < y",
    "<b>bold</b>",
    "a > b",
    "1. first",
    "",
    "  ",
    "\\theta",
    "a, b",
    "c - d",
    "e; f",
    "k: v",
    '"quoted"',
)


def _quizlet_deck(rng: random.Random) -> tuple[str, ReadOptions]:
    term = rng.choice(_TERM_SEPS)
    card = rng.choice(_CARD_SEPS)
    odd = rng.choice((0.0, 0.1, 0.4))
    cards = []
    for _ in range(rng.randint(0, 12)):
        question = rng.choice(_QUIZLET_WORDS) if rng.random() < odd else f"term{rng.randint(0, 99)}"
        answer = (
            rng.choice(_QUIZLET_WORDS) if rng.random() < odd else f"definition {rng.randint(0, 99)}"
        )
        if rng.random() < odd:  # a definition over several lines
            answer += rng.choice(("\n", "\n\n", "\n  \n")) + rng.choice(_QUIZLET_WORDS)
        if rng.random() < odd / 2:
            answer += term + rng.choice(_QUIZLET_WORDS)
        cards.append(question + (term if rng.random() > odd / 3 else " ") + answer)
    text = card.join(cards)
    if rng.random() < 0.3:
        text += rng.choice((card, card.rstrip("\n"), "\n", "  \n"))
    if rng.random() < 0.15:
        text = rng.choice(("Some text before\n", "\n\n")) + text
    if rng.random() < 0.1:  # Flashcards Deluxe settings and column names
        preamble = ["*\tCard Count\t3", "*\tName\tdeck"][: rng.randint(1, 2)]
        if rng.random() < 0.5:
            preamble.append("Text 1\tText 2")
        text = "\n".join(preamble) + "\n" + text
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    sep = card_sep = None
    if rng.random() < 0.3:
        sep = rng.choice((term, term, "\\t", ",", " - ", "::"))
    if rng.random() < 0.3:
        card_sep = rng.choice((card, card.replace("\n", "\\n"), ";", "\\n\\n"))
    return text, ReadOptions("deck", separator=sep, card_separator=card_sep)


@pytest.mark.parametrize("guess_lines", [2, 5, 5000])
@pytest.mark.parametrize("again", [True, False], ids=["again", "once"])
def test_quizlet_reads_random_exports_as_before(
    guess_lines: int, again: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few lines to guess from: the rest of the file is read as the streaming reader reads it
    # (a first pass, then the notes), and as the reader before it read it.
    monkeypatch.setattr(quizlet, "_GUESS_LINES", guess_lines)
    monkeypatch.setattr(old_quizlet, "_GUESS_LINES", guess_lines)
    reader, before = quizlet.QuizletReader(), old_quizlet.QuizletReader()
    for seed in range(400):
        text, options = _quizlet_deck(random.Random(seed))
        source = Source.from_text("export.txt", text)
        expected = before.read(source, options)
        lines = LineSource.of(source) if again else LineSource("export.txt", iter(source.lines))
        _same(reader.stream(lines, options).collect(), expected, seed, text)


def _peak_while_streamed(reader_name: str, text: str) -> int:
    """The most memory the reader takes while its notes are streamed and let go (the
    source's lines already in memory are not counted)."""
    source = Source.from_text("deck.txt", text)
    reader = (
        brainscape.BrainscapeReader() if reader_name == "brainscape" else quizlet.QuizletReader()
    )
    tracemalloc.start()
    try:
        stream = reader.stream(LineSource.of(source), ReadOptions(default_deck="deck"))
        count = sum(1 for _ in stream)  # each note let go as the next comes
        assert not stream.result().diagnostics
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count > 0
    return peak


def _brainscape_cards(count: int) -> str:
    return (
        "Deck Flashcards\n\n"
        + f"({count} cards)\n"
        + "".join(
            f"{i}\nQ\n\nquestion {i}?\n\nA\n\nanswer {i}\n\n" + "\n".join(_TRAILER) + "\n"
            for i in range(1, count + 1)
        )
    )


def _quizlet_cards(count: int) -> str:
    return "".join(f"term {i}\tdefinition {i}\n" for i in range(count))


@pytest.mark.parametrize(
    ("reader_name", "deck"), [("brainscape", _brainscape_cards), ("quizlet", _quizlet_cards)]
)
def test_a_streamed_reader_takes_no_more_memory_for_a_bigger_deck(
    reader_name: str, deck: Callable[[int], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both decks longer than the lines Quizlet's separators are guessed from, and than the
    # window Brainscape's page is read through.
    monkeypatch.setattr(quizlet, "_GUESS_LINES", 200)
    small = _peak_while_streamed(reader_name, deck(1_000))
    big = _peak_while_streamed(reader_name, deck(5_000))
    assert big < small * 1.5 + 100_000, (small, big)
