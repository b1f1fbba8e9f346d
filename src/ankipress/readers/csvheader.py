"""Whether the first row of a table names its columns.

A first row is a header when it names the question column (``question``, ``front``,
``term``, ``q``, in any case), or when all its cells are short, distinct labels unlike the
rows below them: at least two of them, and two thirds of them, differ from their column's
text by a sign a label gives (a usual column name such as ``Meaning``; over three rows or
more, Latin letters over a column in another script, a word over a column of numbers, a
word a quarter the length of the column's cells) and none of them is a value its column
holds again.

Exporters write such rows (Notion: ``Word,Meaning,Tags``; Brainscape:
``Question,Answer,Name``); a hand-made vocabulary list starts with its first word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ankipress.ondemand import OnUse

if TYPE_CHECKING:
    import statistics
else:
    statistics = OnUse("statistics")  # with fractions and decimal: for few tables' headers

__all__ = ["QUESTION_NAMES", "SAMPLE_ROWS", "header_reason"]

QUESTION_NAMES = frozenset(("question", "front", "term", "q"))
"""Names of the question column, compared case-insensitively."""

_KNOWN = frozenset(
    (
        *QUESTION_NAMES,
        *("answer", "back", "definition", "a", "tags", "tag", "deck", "guid", "id", "notetype"),
        *("word", "words", "meaning", "meanings", "translation", "translations", "example"),
        *("examples", "sentence", "sentences", "reading", "readings", "pronunciation"),
        *("romaji", "kana", "kanji", "hiragana", "katakana", "pinyin", "hanzi", "furigana"),
        *("note", "notes", "hint", "hints", "extra", "comment", "comments", "remarks"),
        *("name", "category", "categories", "type", "part of speech", "pos", "gender"),
        *("plural", "audio", "sound", "image", "picture", "source", "context", "synonyms"),
        *("antonyms", "explanation", "description", "details", "info", "level", "lesson"),
        *("chapter", "topic", "topics", "subject", "section", "title", "phrase", "expression"),
        *("english", "native", "target", "foreign", "prompt", "response", "solution"),
        *("vocab", "vocabulary", "character", "characters", "concept", "meaning (english)"),
        *("verb", "noun", "adjective", "conjugation", "infinitive", "tense", "stroke count"),
        *("country", "capital", "city", "date", "year", "event", "person", "author", "quote"),
        *(
            "formula",
            "key",
            "value",
            "item",
            "clue",
            "keyword",
            "keywords",
            "label",
            "transcription",
        ),
        *("spanish", "french", "german", "italian", "portuguese", "japanese", "chinese", "korean"),
        *("russian", "latin", "dutch", "arabic", "hindi", "mandarin", "cantonese", "greek"),
        *("swedish", "norwegian", "danish", "finnish", "polish", "turkish", "vietnamese", "thai"),
        *("hebrew", "indonesian", "czech", "ukrainian", "persian", "language", "lang"),
    )
)
_LABEL_CHARS = 40
_LABEL_WORDS = 4
_SENTENCE_END = tuple(".?!;:")
SAMPLE_ROWS = 50
"""How many rows below a first row tell whether it is a header."""
_MOSTLY = 0.8
_FEWEST = 3


def _label_like(cell: str) -> bool:
    """A short single-line name: a few words, a letter in it, no markup, no sentence."""
    return (
        len(cell) <= _LABEL_CHARS
        and len(cell.split()) <= _LABEL_WORDS
        and "\n" not in cell
        and "<" not in cell
        and not cell.endswith(_SENTENCE_END)
        and any(char.isalpha() for char in cell)
    )


def _number(text: str) -> bool:
    return text.replace(".", "", 1).replace(",", "").replace("-", "", 1).strip().isdigit()


def _unlike(label: str, values: Sequence[str]) -> bool:
    """Whether ``label`` reads as the name of a column holding ``values``."""
    key = label.casefold()
    if not values or any(value.casefold() == key for value in values):
        return False
    if key in _KNOWN:
        return True
    if len(values) < _FEWEST:
        return False  # too few rows to tell a label's shape from theirs
    share = len(values) * _MOSTLY
    return (
        (label.isascii() and sum(not value.isascii() for value in values) >= share)
        or (not _number(label) and sum(_number(value) for value in values) >= share)
        or len(label) * 4 <= statistics.median(len(value) for value in values)
    )


def header_reason(first: Sequence[str], below: Sequence[Sequence[str]]) -> str | None:
    """Why ``first`` is a header row over the rows ``below`` it; ``None`` if it is not."""
    cells = [cell.strip() for cell in first]
    named = [cell for cell in cells if cell]
    if not named or not all(_label_like(cell) for cell in named):
        return None
    if len({cell.casefold() for cell in named}) != len(named):
        return None
    question = next((cell for cell in named if cell.casefold() in QUESTION_NAMES), None)
    if question is not None:
        return f"it names the question column ({question!r})"
    sample = below[:SAMPLE_ROWS]
    unlike = 0
    for index, cell in enumerate(cells):
        if cell:
            column = [row[index].strip() for row in sample if index < len(row)]
            unlike += _unlike(cell, [value for value in column if value])
    if unlike >= 2 and unlike * 3 >= len(named) * 2:
        return "its cells are short labels unlike the rows below"
    return None
