"""``open_lines`` streams a file a chunk at a time, and reads and refuses it as ``load`` does.

Every refusal (size, NUL, invalid UTF-8, unknown encodings, UTF-16 damage), the control
character warning, BOMs and the legacy-encoding guess must come out of both with the same
words; the lines must be the same at any chunk size (a CRLF or a UTF-8 sequence cut in two).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ankipress import sources
from ankipress.errors import InputError
from ankipress.sources import load, open_lines

GOLDEN = Path(__file__).parent / "golden"
TEXT_CASES = sorted(
    path
    for path in GOLDEN.glob("*/*")
    if path.suffix in (".txt", ".csv", ".tsv", ".md") and ".expected" not in path.name
)
ENCODINGS = (None, "utf-8", "UTF8", "utf-8-sig", "cp1252", "latin-9", "base64", "nope")


def _read(how: str, path: Path, encoding: str | None, limit: int | None) -> tuple[object, ...]:
    try:
        if how == "load":
            source = load(path, "deck.txt", encoding, limit)
            lines = list(source.lines)
            said = [str(d) for d in source.diagnostics]
        else:
            streamed = open_lines(path, "deck.txt", encoding, limit)
            lines = list(streamed)
            said = [str(d) for d in streamed.diagnostics]
            encoding_read = streamed.encoding
            return ("read", lines, encoding_read, said)
        return ("read", lines, source.encoding, said)
    except InputError as exc:
        return ("refused", str(exc), [str(d) for d in exc.diagnostics])


def _same(path: Path, encoding: str | None = None, limit: int | None = None) -> None:
    assert _read("stream", path, encoding, limit) == _read("load", path, encoding, limit)


@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_text_fixture_reads_and_is_refused_as_load_reads_it(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for encoding in ENCODINGS:
        _same(case, encoding)
    _same(case, None, 40)  # the size limit, and its hint
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 5)
    _same(case)


_PIECES = (
    "a",
    "question",
    "\t",
    ",",
    '"',
    " ",
    "\n",
    "\r",
    "\r\n",
    "\n\r",
    "é",
    "日本",
    "🙂",
    "\x07",
    "\x1f",
    "\ufeff",
)


def _random_bytes(rng: random.Random) -> bytes:
    text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60)))
    data = text.encode()
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.1 and data:  # damage: a NUL, a lone byte, UTF-16
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice((b"\x00", b"\xe9", b"\xff\xfe", b"\xc3")) + data[at:]
    if rng.random() < 0.05:
        data = text.encode("cp1252", errors="ignore")
    return data


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_read_the_same_at_any_chunk_size(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    path = tmp_path / "deck.txt"
    for _ in range(60):
        path.write_bytes(_random_bytes(rng))
        monkeypatch.setattr(sources, "_CHUNK_BYTES", rng.randint(1, 9))
        _same(path, rng.choice((None, None, "utf-8")), rng.choice((None, None, 30)))


def test_a_line_break_cut_between_two_chunks_is_one_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deck.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n\xc3\xa9\r\n\r\n")
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 4)  # "one\r" | "\ntwo" ...
    assert list(open_lines(path)) == ["one", "two", "three", "é", "", ""]


def test_a_streamed_file_is_read_again_and_refused_if_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "deck.txt"
    path.write_text("a\tb\nc\td\n", encoding="utf-8")
    lines = open_lines(path, "deck.txt")
    again = lines.again()
    assert again is not None
    assert list(lines) == list(again) == ["a\tb", "c\td", ""]
    changed = lines.again()
    assert changed is not None
    path.write_text("a\tb\nc\tD\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"deck\.txt: error: the file changed while it was read"):
        list(changed)


def test_a_file_that_is_not_utf8_is_read_whole_and_can_be_read_again(tmp_path: Path) -> None:
    path = tmp_path / "deck.txt"
    path.write_bytes("caf\xe9\tcoffee\n".encode("cp1252"))
    lines = open_lines(path, "deck.txt")
    assert lines.encoding == "cp1252"
    assert [str(d) for d in lines.diagnostics] == [
        "deck.txt: info: not UTF-8; read as cp1252 (detected); "
        "if the text looks wrong, name the encoding with --encoding"
    ]
    again = lines.again()
    assert again is not None and list(lines) == list(again) == ["café\tcoffee", ""]


def test_streaming_holds_a_chunk_not_the_file(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "deck.txt"
    line = "What is the capital of France?\tParis, on the Seine\n"
    path.write_text(line * 120_000, encoding="utf-8")  # 6 MiB
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_lines(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 120_001
    assert peak < path.stat().st_size // 3
