"""A package written in one pass (rows streamed as notes are rendered) is the classic one.

``convert(..., keep_notes=False)`` (the command line's way) renders each note as its row goes
to the database; ``keep_notes=True`` plans every note first. The same inputs must give the
same bytes, the same diagnostics and counts, and a refusal must still write nothing.
"""

from __future__ import annotations

import gc
import os
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from ankipress.building.pipeline import Options, convert
from ankipress.duplicates import OnDuplicate
from ankipress.errors import InputError
from ankipress.model import NoteKind
from ankipress.options import NoteTimes
from ankipress.render import MathMode

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)

DECKS = {
    "plain.csv": (
        "question,answer,tags\n"
        '"What is {{c1::Paris}}?",,geo\n'
        "Capital of Italy?,Rome,geo\n"
        "Capital of Italy?,Rome,extra\n"  # an exact repeat: dropped, its tag merged
        "Capital of Spain?,  Madrid  ,\n"
        "Empty answer?,,\n"
        "Other Deck?,yes,\n"
    ),
    "deck.md": (
        "# Deck\n\n## What is shown?\n\n![dot](dot.png) and $x^2$\n\n"
        "## A list?\n\n- one\n- two\n\n## Code?\n\n```python\nprint(1)\n```\n\n"
        "## Missing picture?\n\n![gone](gone.png)\n"
    ),
    "html.txt": (
        "#separator:tab\n#html:true\n"
        "Script?\t<b>bold</b><script>alert(1)</script>\n"
        "Handler?\t<img src=dot.png onerror=alert(1)>\n"
    ),
}

VARIANTS = {
    "default": Options(),
    "reverse-tags": Options(tags=("t1",), kind=NoteKind.REVERSED, on_duplicate=OnDuplicate.FIRST),
    "strict": Options(strict=True),
    "sanitize": Options(sanitize=True, allow_html=True),
    "math-none": Options(math=MathMode.NONE),
    "deck": Options(deck="One::Two"),
}


def _decks(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    (folder / "dot.png").write_bytes(PNG)
    paths = []
    for name, text in DECKS.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("deck", sorted(DECKS))
def test_one_pass_writes_the_same_package_and_says_the_same(
    tmp_path: Path, deck: str, variant: str
) -> None:
    _decks(tmp_path / "src")
    source = [tmp_path / "src" / deck]
    options = VARIANTS[variant]
    try:
        kept = convert(source, tmp_path / "kept.apkg", options, 1_750_000_000)
    except InputError as refused:
        with pytest.raises(InputError) as again:
            convert(source, tmp_path / "streamed.apkg", options, 1_750_000_000, keep_notes=False)
        assert [str(d) for d in again.value.diagnostics] == [str(d) for d in refused.diagnostics]
        assert not (tmp_path / "streamed.apkg").exists()
        return
    streamed = convert(source, tmp_path / "streamed.apkg", options, 1_750_000_000, keep_notes=False)

    assert (tmp_path / "streamed.apkg").read_bytes() == (tmp_path / "kept.apkg").read_bytes()
    assert [str(d) for d in streamed.diagnostics] == [str(d) for d in kept.diagnostics]
    assert (streamed.cards, streamed.timestamp) == (kept.cards, kept.timestamp)
    assert streamed.plan.note_count == len(kept.plan.notes) == kept.plan.note_count
    assert (streamed.plan.decks, streamed.plan.media) == (kept.plan.decks, kept.plan.media)
    assert streamed.plan.rejected == kept.plan.rejected


def test_a_problem_found_while_the_rows_stream_writes_nothing(tmp_path: Path) -> None:
    # Active content is found while rendering, after rows have gone to the database:
    # with --strict its warning refuses the package, and nothing is left behind.
    (source,) = [p for p in _decks(tmp_path / "src") if p.name == "html.txt"]
    output = tmp_path / "out" / "deck.apkg"
    output.parent.mkdir()
    output.write_bytes(b"the previous package")

    with pytest.raises(InputError) as refused:
        convert([source], output, Options(strict=True), 1_750_000_000, keep_notes=False)

    assert "nothing was written" in str(refused.value)
    assert output.read_bytes() == b"the previous package"
    assert sorted(p.name for p in output.parent.iterdir()) == ["deck.apkg"]


def _git(folder: Path, *args: str, when: int | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, check=True)


def test_note_times_from_git_are_the_same_in_one_pass(tmp_path: Path) -> None:
    folder = tmp_path / "deck"
    folder.mkdir()
    deck = folder / "cards.txt"
    _git(folder, "init", "-q")
    deck.write_text("one?\tyes\ntwo?\tno\n", encoding="utf-8")
    _git(folder, "add", "cards.txt")
    _git(folder, "commit", "-qm", "first", when=1_600_000_000)
    deck.write_text("one?\tyes\ntwo?\tnot at all\nthree?\tmaybe\n", encoding="utf-8")
    _git(folder, "commit", "-qam", "second", when=1_650_000_000)

    def both(cap: int, options: Options | None = None) -> int:
        options = options or Options()
        kept = convert([deck], tmp_path / "kept.apkg", options, cap)
        streamed = convert([deck], tmp_path / "streamed.apkg", options, cap, keep_notes=False)
        assert (tmp_path / "streamed.apkg").read_bytes() == (tmp_path / "kept.apkg").read_bytes()
        assert streamed.timestamp == kept.timestamp
        return kept.timestamp

    assert both(1_700_000_000) == 1_650_000_000  # the newest note's commit
    assert both(1_620_000_000) == 1_620_000_000  # capped
    assert both(1_700_000_000, Options(note_times=NoteTimes.FIXED)) == 1_700_000_000
    with deck.open("a", encoding="utf-8") as uncommitted:
        uncommitted.write("four?\tlater\n")
    assert both(1_700_000_000) == 1_700_000_000  # a line not committed: the package's time


def _peak(tmp_path: Path, notes: int, keep_notes: bool) -> int:
    """The most memory Python objects took while converting a deck of ``notes`` notes."""
    deck = tmp_path / f"deck-{notes}.txt"
    deck.write_text(
        "".join(f"question {i} about a thing?\tits answer, number {i}\n" for i in range(notes)),
        encoding="utf-8",
    )
    gc.collect()
    tracemalloc.start()
    try:
        convert([deck], tmp_path / "out.apkg", Options(), 1_750_000_000, keep_notes=keep_notes)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_deck_at_most_linearly_and_less_in_one_pass(tmp_path: Path) -> None:
    # Ratios only: doubling the deck at most doubles the peak (plus what every run has), and
    # one pass holds less than a plan of every rendered note.
    _peak(tmp_path, 100, True)  # what the first run imports is not the deck's
    small, big = _peak(tmp_path, 1000, False), _peak(tmp_path, 2000, False)
    planned = _peak(tmp_path, 2000, True)
    assert big < 2.2 * small
    assert big < 0.85 * planned
