"""``convert`` in one pass (the command line's way): a note at a time from a streaming
reader to rows staged beside the target, memory bounded by a chunk, the same bytes and the
same words as the planned build, and nothing left behind when it stops."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ankipress import readers, rules, sources
from ankipress.building import plan as planning
from ankipress.building.pipeline import Options, convert
from ankipress.model import (
    Diagnostic,
    Note,
    NoteStream,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
)
from ankipress.sources import LineSource, Source
from ankipress.writers import apkg


class _Lines:
    """A streaming reader of ``question<TAB>answer<TAB>tags`` lines, a note a line."""

    name = "lines"
    extensions = (".lines",)

    def sniff(self, text: str) -> float:
        return 0.0

    def _notes(self, path: str, lines: Iterator[str], said: list[Diagnostic]) -> Iterator[Note]:
        for number, line in enumerate(lines, 1):
            if not line:
                continue
            if line.startswith("#"):
                where = SourceLocation(path, number)
                said.append(Diagnostic(where, Severity.WARNING, "a comment line: skipped"))
                continue
            question, answer, *tags = line.split("\t")
            yield Note(question, answer, "Lines", SourceLocation(path, number), tuple(tags))

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        said: list[Diagnostic] = []
        notes = self._notes(source.path, iter(source), said)
        return NoteStream(notes, lambda: ReadResult((), tuple(said), 0))

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        return self.stream(LineSource.of(source), options).collect()


@pytest.fixture
def lines_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    real = readers.get_reader
    monkeypatch.setattr(
        readers, "get_reader", lambda name: _Lines() if name == "lines" else real(name)
    )


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_repeats_chunks_apart_merge_their_tags_into_rows_already_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines_reader: None
) -> None:
    # Chunks of 4 notes: an exact repeat's tags go to a note staged chunks before it, a
    # second answer becomes a note of its own, a comment is said before the cleaning notes.
    monkeypatch.setattr(planning, "_SIFT", 4)
    monkeypatch.setattr(apkg, "_CHUNK", 3)
    rows = [f"Question {i}?\tanswer {i}\tt{i % 3}" for i in range(30)]
    rows[12] = "Question 2?\tanswer 2\tlater\textra"  # exact repeat of line 3
    rows[20] = "Question 5?\tanother answer\t"  # same question, another answer
    rows[25] = "# a comment"
    rows[26] = "Question  26?  \tanswer 26\t"  # trailing spaces: a cleaning note
    deck = _write(tmp_path / "deck.lines", rows)
    options = Options(input_format="lines")

    staged: list[int] = []
    finish = apkg.StagedPackage.finish

    def spied(self: apkg.StagedPackage, *args: Any, **kwargs: Any) -> list[Diagnostic]:
        staged.append(self.count)
        return finish(self, *args, **kwargs)

    monkeypatch.setattr(apkg.StagedPackage, "finish", spied)
    kept = convert([deck], tmp_path / "kept.apkg", options, 1_750_000_000)
    streamed = convert([deck], tmp_path / "one.apkg", options, 1_750_000_000, keep_notes=False)

    assert (tmp_path / "one.apkg").read_bytes() == (tmp_path / "kept.apkg").read_bytes()
    said = [str(d) for d in streamed.diagnostics]
    assert said == [str(d) for d in kept.diagnostics]
    assert [d.split(": ")[1] for d in said] == ["warning", "note", "note", "warning"]
    assert said[2].endswith("deck.lines:3; its tags later extra are added there")
    assert staged == [28]
    assert (streamed.plan.note_count, streamed.plan.dropped, streamed.cards) == (28, 1, 28)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.lines", "kept.apkg", "one.apkg"]


def _peak(tmp_path: Path, notes: int) -> int:
    deck = _write(
        tmp_path / f"deck-{notes}.lines", [f"question {i}?\tanswer {i}\t" for i in range(notes)]
    )
    gc.collect()
    # Python keeps up to 2,000 freed tuples of each small size for reuse, and tracemalloc
    # counts them as held: filled before it starts, they are the same for every size.
    spare = [tuple(range(size)) for size in range(1, 12) for _ in range(2000)]
    del spare
    tracemalloc.start()
    try:
        options = Options(input_format="lines")
        convert([deck], tmp_path / "out.apkg", options, 1_750_000_000, keep_notes=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_pass_holds_a_chunk_of_notes_not_the_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines_reader: None
) -> None:
    # Ratios only: four times the notes, about the same peak (chunks of reading, sifting
    # and staging made small, so that both decks are many chunks long).
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(planning, "_SIFT", 32)
    monkeypatch.setattr(apkg, "_CHUNK", 32)
    monkeypatch.setattr(apkg, "_COPY", 4096)
    _peak(tmp_path, 100)  # what the first run imports is not the deck's
    small, big = _peak(tmp_path, 600), _peak(tmp_path, 2400)
    assert big < 1.1 * small


def test_a_signal_while_rows_are_staged_leaves_the_old_package_only(tmp_path: Path) -> None:
    deck = tmp_path / "deck.txt"
    _write(deck, [f"Question {i}, a long one?\tits answer {i}" for i in range(300)])
    output = tmp_path / "out" / "deck.apkg"
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "ankipress", "convert", str(deck), "-o", str(output)]
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    old = output.read_bytes()
    _write(deck, [f"Question {i}, a long one?\tits answer {i}" for i in range(200_000)])

    child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(output.parent.glob("*.tmp/rows.db")):
        assert child.poll() is None and time.monotonic() < deadline, "staging never began"
        time.sleep(0.002)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)

    assert child.returncode == 130
    assert stderr.endswith("ankipress: interrupted; no file was left half-written\n")
    assert sorted(p.name for p in output.parent.iterdir()) == ["deck.apkg"]
    assert output.read_bytes() == old


@pytest.mark.parametrize("keep_notes", [False, True])
def test_a_deck_dated_1970_is_stamped_1980_with_the_note_time_rule_either_way(
    tmp_path: Path, keep_notes: bool
) -> None:
    deck = tmp_path / "old.tsv"
    deck.write_text("question\tanswer\nOne?\tYes\n", "utf-8")
    os.utime(deck, (0, 0))  # dated 1970, as files from some archives are

    report = convert([deck], tmp_path / "old.apkg", Options(), keep_notes=keep_notes)

    (said,) = [d for d in report.diagnostics if "before 1980" in d.message]
    assert said.rule == rules.NOTE_TIME
    assert said.hint == "set SOURCE_DATE_EPOCH"
    assert report.timestamp == 315532800
