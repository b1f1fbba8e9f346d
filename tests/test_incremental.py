"""Decks as code: incremental builds, the manifest, and note times from git history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.building.pipeline import Options, build
from ankipress.cli import cli

from ankiengine import AnkiCollection
from conftest import SEED

CARD = "{n}\nQ\n\n{q}\n\nA\n\n{a}\n\n"


def _git(folder: Path, *args: str, when: int | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    done = subprocess.run(
        ["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "source_cards" / "course" / "week1").mkdir(parents=True)
    shutil.copy(SEED, root / "source_cards" / "seed.txt")
    (root / "source_cards" / "course" / "week1" / "a.txt").write_text(
        CARD.format(n=1, q="week one?", a="yes"), encoding="utf-8"
    )
    return root


def test_a_second_build_rewrites_nothing_and_a_touched_source_rebuilds_only_its_package(
    project: Path,
) -> None:
    source, out = project / "source_cards", project / "build"
    first = build(source, out, Options())
    stamps = {path.name: path.stat().st_mtime_ns for path in out.glob("*.apkg")}

    second = build(source, out, Options())
    seed = source / "seed.txt"
    os.utime(seed, ns=(seed.stat().st_atime_ns, seed.stat().st_mtime_ns + 5_000_000_000))
    third = build(source, out, Options())

    assert [r.skipped for r in first] == [False, False]
    assert [r.skipped for r in second] == [True, True]
    assert [(r.plan.output.name, r.skipped) for r in third] == [
        ("course.apkg", True),
        ("seed.apkg", False),
    ]
    assert (out / "course.apkg").stat().st_mtime_ns == stamps["course.apkg"]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [(p["file"], p["notes"], p["cards"]) for p in manifest["packages"]] == [
        ("course.apkg", 1, 1),
        ("seed.apkg", 16, 16),
    ]
    assert manifest["packages"][1]["decks"] == ["Initialization and regularization"]


def test_force_and_damaged_outputs_rebuild(project: Path) -> None:
    source, out = project / "source_cards", project / "build"
    build(source, out, Options())
    (out / "course.apkg").write_bytes(b"damaged")

    again = build(source, out, Options())
    forced = build(source, out, Options(), force=True)

    assert [r.skipped for r in again] == [False, True]
    assert [r.skipped for r in forced] == [False, False]
    # Built without a lock file, as the library does by default: --no-lock keeps to that.
    result = CliRunner().invoke(
        cli, ["build", "--source", str(source), "--out", str(out), "--no-lock"]
    )
    assert result.stdout.startswith(f"up to date {out / 'course.apkg'}: its inputs and settings")


def test_an_edited_and_committed_answer_updates_one_note_in_anki(
    project: Path, tmp_path: Path, anki: AnkiCollection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "first", when=1_700_000_000)
    source, out = project / "source_cards", project / "build"
    first = build(source, out, Options())
    anki.import_package(out / "seed.apkg")
    seed = source / "seed.txt"
    seed.write_text(
        seed.read_text("utf-8").replace("weight decay", "weight decay (L2)"), encoding="utf-8"
    )
    _git(project, "commit", "-q", "-am", "fix an answer", when=1_700_100_000)

    second = build(source, out, Options())
    counts = anki.import_package(out / "seed.apkg")

    assert (counts.new, counts.updated, counts.duplicate) == (0, 1, 15)
    assert first[1].timestamp == 1_700_000_000 and second[1].timestamp == 1_700_100_000
    changed = [n for n in anki.notes() if "L2)" in n.fields["Back"]]
    assert len(changed) == 1


def test_two_clones_of_one_commit_build_the_same_bytes(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "first", when=1_700_000_000)
    digests = []
    for name in ("one", "two"):
        clone = tmp_path / name
        subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
        os.utime(clone / "source_cards" / "seed.txt", (1_800_000_000 + len(name),) * 2)
        build(clone / "source_cards", clone / "build", Options())
        digests.append((clone / "build" / "seed.apkg").read_bytes())

    assert digests[0] == digests[1]


def _porcelain_times(path: Path) -> list[int | None]:
    """Each line's commit time as ``git blame --porcelain`` gives it, line by line: the
    slow, plain reading that :func:`git_line_times` must agree with."""
    out = subprocess.run(
        ["git", "blame", "--porcelain", "--", path.name],
        cwd=path.parent,
        capture_output=True,
        check=True,
    ).stdout
    times: dict[bytes, int] = {}
    lines: list[int | None] = []
    commit = b""
    for raw in out.split(b"\n"):
        if raw.startswith(b"\t"):
            lines.append(None if not commit.strip(b"0") else times.get(commit))
        elif raw.startswith(b"committer-time "):
            times[commit] = int(raw.split()[1])
        elif raw and len(raw.split(b" ")[0]) == 40:
            commit = raw.split(b" ")[0]
    return lines


def test_line_times_from_git_agree_with_blame_line_by_line(tmp_path: Path) -> None:
    from ankipress.building.notetimes import git_line_times

    deck = tmp_path / "deck.md"
    _git(tmp_path, "init", "-q")
    lines = [f"line {n}\n" for n in range(40)]
    deck.write_text("".join(lines), encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one", when=1_700_000_000)
    # Edits, insertions and a deletion over several commits, then an uncommitted edit.
    for step, (at, new) in enumerate([(3, "three"), (20, "twenty"), (4, "four"), (39, "end")]):
        lines[at] = f"{new}\n"
        lines.insert(at + 1, f"added after {new}\n")
        if step == 2:
            del lines[10]
        deck.write_text("".join(lines), encoding="utf-8")
        _git(tmp_path, "commit", "-q", "-am", new, when=1_700_000_000 + 1000 * (step + 1))
    lines[30] = "not committed\n"
    lines.append("a new last line\n")
    deck.write_text("".join(lines), encoding="utf-8")

    times = git_line_times(deck)

    assert times == _porcelain_times(deck)
    assert times is not None and len(times) == len(lines)
    assert {t for t in times if t is not None} == {1_700_000_000 + 1000 * k for k in range(5)}
    assert times[30] is None and times[-1] is None
    assert git_line_times(tmp_path / "missing.md") is None
    outside = tmp_path.parent / f"{tmp_path.name}-untracked.md"
    outside.write_text("q\n", encoding="utf-8")
    assert git_line_times(outside) is None
