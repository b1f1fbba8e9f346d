"""The CSV and Anki text readers read a line at a time, and find what they always found.

A reader's ``stream()`` over a file streamed from the disk (``open_lines``: read a chunk at
a time, and read again for the second pass) must give the notes and the diagnostics, in
order and word for word, that ``read()`` gives of the file loaded whole, on seeded random
tables with tricky quoting, CR/LF mixes and headers. (When the readers began to stream, the
same tables were also read with the readers of commit ``e5e2fa6``, which read a whole file at
a time, over 180 seeds, with the same outcome; the goldens keep that behaviour since.)
"""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from ankipress import sources
from ankipress.model import ReadOptions, ReadResult, Severity
from ankipress.readers import ankitext, csv
from ankipress.readers.ankitext import AnkiTextReader
from ankipress.readers.csv import CsvReader
from ankipress.sources import load, open_lines

NEW = {"csv": CsvReader(), "ankitext": AnkiTextReader()}

_WORDS = ("cat", "Capital of France?", "Paris", "a b", "日本", "é", "", " ", "x<b>y</b>", "1")
_TAGS = ("geo", "geo::europe", "leech", "tag_1", "")


def _cell(rng: random.Random, delimiter: str) -> str:
    roll = rng.random()
    word = rng.choice(_WORDS)
    if roll < 0.55:
        return word
    if roll < 0.7:
        inner = word + rng.choice(("\n", "\r\n", "\r", delimiter, '""', "")) + rng.choice(_WORDS)
        return f'"{inner}"'
    if roll < 0.78:
        return f'"{word}" tail'  # text after a closing quote
    if roll < 0.82:
        return f'"{word}'  # a quote never closed (on this line)
    if roll < 0.86:
        return f'{word}"{word}'  # a quote inside a field
    if roll < 0.9:
        return rng.choice(_TAGS)
    if roll < 0.93:
        return "#" + word
    return f" {word} "


def _table(rng: random.Random, delimiter: str, anki: bool) -> str:
    lines: list[str] = []
    if anki and rng.random() < 0.6:
        names = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
        headers = [
            f"#separator:{names.get(delimiter, delimiter)}",
            rng.choice(("#html:true", "#html:false", "#html:maybe")),
            f"#columns:Front{delimiter}Back{delimiter}Tags",
            rng.choice(
                ("#notetype:Basic", "#notetype:Cloze", "#notetype:Vocab", "#notetype:Basic+")
            ),
            "#deck:Course::Week 1",
            "#tags:week1 physics",
            f"#guid column:{rng.randint(1, 4)}",
            f"#notetype column:{rng.randint(1, 4)}",
            f"#tags column:{rng.randint(1, 5)}",
            "#seperator:tab",
            "# a comment",
        ]
        lines += rng.sample(headers, rng.randint(1, 4))
    elif not anki and rng.random() < 0.1:
        lines.append(f"sep={delimiter}")
    if rng.random() < 0.5:
        header = rng.choice(
            (
                ["question", "answer", "tags"],
                ["Front", "Back"],
                ["Word", "Meaning", "Notes"],
                ["term", "definition", "deck", "notetype"],
                ["q", "a", "guid"],
            )
        )
        lines.append(delimiter.join(header))
    width = rng.randint(1, 5)
    for _ in range(rng.randint(0, 40)):
        roll = rng.random()
        if roll < 0.05:
            lines.append(rng.choice(("", " ", delimiter * 3)))
            continue
        count = width + (rng.randint(-1, 2) if roll < 0.2 else 0)
        lines.append(delimiter.join(_cell(rng, delimiter) for _ in range(max(count, 1))))
    breaks = rng.choice((["\n"], ["\r\n"], ["\n", "\r\n", "\r"]))
    text = "".join(line + rng.choice(breaks) for line in lines)
    return text if rng.random() < 0.7 else text.rstrip("\r\n")


def _options(rng: random.Random, reader: str) -> ReadOptions:
    if reader == "ankitext":
        return ReadOptions("Deck", allow_html=rng.random() < 0.1)
    separator = rng.choice((None, None, None, ",", ";", "\t", "ab"))
    columns = rng.choice(
        (None, None, None, ("question", "answer"), ("answer", "question", "tags"), ("q", "skip"))
    )
    return ReadOptions("Deck", separator=separator, columns=columns)


def _outcome(result: ReadResult) -> tuple[object, ...]:
    return (
        result.notes,
        [str(d) for d in result.diagnostics],
        [d.rule for d in result.diagnostics],
        result.cards_seen,
        result.deck_titles,
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("reader", sorted(NEW))
def test_streamed_reading_finds_what_reading_the_whole_file_found(
    reader: str,
    seed: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(f"{reader}-{seed}")
    new = NEW[reader]
    for index in range(25):
        delimiter = rng.choice((",", "\t", ";", "|"))
        suffix = rng.choice((".csv", ".tsv", ".txt"))
        path = tmp_path / f"deck{index}{suffix}"
        path.write_bytes(_table(rng, delimiter, reader == "ankitext").encode())
        options = _options(rng, reader)
        monkeypatch.setattr(sources, "_CHUNK_BYTES", rng.choice((3, 64, 1 << 18)))
        # Read once (the rows kept), or twice (the lines read again).
        monkeypatch.setattr(csv, "_KEEP_ROWS", rng.choice((0, 1, 4096)))
        monkeypatch.setattr(ankitext, "_KEEP_RECORDS", rng.choice((0, 1, 4096)))
        source = load(path, path.name)
        before = _outcome(new.read(source, options))
        streamed = _outcome(new.stream(open_lines(path, path.name), options).collect())
        assert streamed == before, path.read_bytes()


def _peak(reader: str, path: Path) -> int:
    tracemalloc.start()
    try:
        stream = NEW[reader].stream(open_lines(path, path.name), ReadOptions("Deck"))
        count = sum(1 for _ in stream)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count and all(d.severity is not Severity.ERROR for d in stream.result().diagnostics)
    return peak


@pytest.mark.parametrize("reader", sorted(NEW))
def test_streamed_reading_holds_as_much_for_a_big_file_as_for_a_smaller_one(
    reader: str, tmp_path: Path
) -> None:
    head = "#separator:tab\n#html:false\n" if reader == "ankitext" else "question\tanswer\ttags\n"
    row = 'What is the capital of France, number {0}?\t"Paris,\nfar away"\tgeo\n'
    peaks = []
    for size in (4_500, 10_000):
        path = tmp_path / f"deck{size}.tsv"
        path.write_text(head + "".join(row.format(i) for i in range(size)), encoding="utf-8")
        peaks.append(_peak(reader, path))
    assert peaks[1] < peaks[0] * 1.3, peaks
