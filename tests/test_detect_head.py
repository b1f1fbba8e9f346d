"""A big source's format is told from its head, and it is then read as a stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankipress import readers, sources
from ankipress.building import plan
from ankipress.building.pipeline import Options, convert
from ankipress.model import ReadOptions
from ankipress.sources import Source, load_head


def _deck(path: Path, notes: int) -> Path:
    rows = ["question,answer"] + [f"What is {i} + {i}?,{2 * i}" for i in range(notes)]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "DETECT_WHOLE_BYTES", 2000)
    monkeypatch.setattr(sources, "DETECT_HEAD_BYTES", 500)


@pytest.mark.usefixtures("small_limits")
def test_the_head_is_whole_lines_of_a_big_source_only(tmp_path: Path) -> None:
    big = _deck(tmp_path / "big.csv", 200)
    head = load_head(big, "big.csv")
    assert head is not None
    assert 0 < len(head.text.encode()) <= 500 and head.text.endswith("\n")
    assert big.read_text("utf-8").startswith(head.text)
    assert load_head(_deck(tmp_path / "small.csv", 10)) is None
    assert load_head(big, limit=1000) is None  # too big to read: load() says so
    wide = tmp_path / "wide.csv"
    wide.write_bytes(big.read_text("utf-8").encode("utf-16"))
    assert load_head(wide) is None


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("keep_notes", [False, True])
def test_a_big_source_detected_by_its_head_builds_what_naming_its_format_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep_notes: bool
) -> None:
    deck = _deck(tmp_path / "big.csv", 400)
    seen: list[int] = []
    detect = readers.detect

    def watched(source: Source, options: ReadOptions | None = None) -> readers.Reader:
        seen.append(len(source.text))
        return detect(source, options)

    monkeypatch.setattr(plan.readers, "detect", watched)
    named = convert([deck], tmp_path / "named.apkg", Options(input_format="csv"), 1_750_000_000)
    told = convert([deck], tmp_path / "told.apkg", Options(), 1_750_000_000, keep_notes=keep_notes)

    assert seen and max(seen) <= 500
    assert told.plan.note_count == named.plan.note_count == 400
    assert (tmp_path / "told.apkg").read_bytes() == (tmp_path / "named.apkg").read_bytes()
