"""The streamed-reading contract shared by readers and the build: NoteStream, LineSource."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankipress import readers
from ankipress.model import Diagnostic, Note, NoteStream, ReadResult, Severity, SourceLocation
from ankipress.sources import LineSource, Source, open_lines


def _note(question: str, line: int) -> Note:
    return Note(question, "answer", "Deck", SourceLocation("deck.txt", line))


def test_a_read_result_streams_its_notes_then_gives_the_rest() -> None:
    said = Diagnostic(SourceLocation("deck.txt", 2), Severity.WARNING, "odd line")
    result = ReadResult((_note("a", 1), _note("b", 3)), (said,), 2, ("Deck",))
    stream = NoteStream.of(result)
    assert [note.question for note in stream] == ["a", "b"]
    rest = stream.result()
    assert rest.notes == () and rest.diagnostics == (said,) and rest.cards_seen == 2
    assert rest.deck_titles == ("Deck",)


def test_a_stream_is_read_once_and_collects_back_into_its_result() -> None:
    result = ReadResult((_note("a", 1),), (), 1)
    assert NoteStream.of(result).collect() == result
    stream = NoteStream.of(result)
    list(stream)
    with pytest.raises(RuntimeError):
        iter(stream)


def test_a_line_source_gives_the_physical_lines_of_a_file_once(tmp_path: Path) -> None:
    path = tmp_path / "deck.txt"
    path.write_bytes("\ufeffone\r\ntwo\rthree\nfour".encode())
    lines = open_lines(path, "deck.txt")
    assert (lines.path, lines.encoding) == ("deck.txt", "utf-8")
    assert list(lines) == ["one", "two", "three", "four"]
    assert list(lines) == []
    assert lines.location(2) == SourceLocation("deck.txt", 2)
    source = Source.from_text("x.txt", "a\nb")
    assert list(LineSource.of(source)) == ["a", "b"]


def test_streaming_names_only_readers_that_can_read_a_line_at_a_time() -> None:
    reader = readers.get_reader("csv")
    assert readers.streaming(reader) in (None, reader)
    assert readers.streaming(readers.get_reader("org")) is None
