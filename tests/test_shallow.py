"""A shallow clone (CI's default checkout) is refused where note times come from git."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress.cli import cli

DECK = "# Capitals\n\n## What is the capital of Peru?\n\nLima\n\n"
MORE = "## What is the capital of Chad?\n\nN'Djamena\n"


def _git(folder: Path, *args: str, when: int | None = None) -> None:
    who = {"NAME": "Test", "EMAIL": "test@example.invalid"}
    env = {
        **os.environ,
        **{f"GIT_{role}_{k}": v for role in ("AUTHOR", "COMMITTER") for k, v in who.items()},
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, check=True)


@pytest.fixture
def shallow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of depth 1 of a deck repository of two commits, as the working folder."""
    origin = tmp_path / "origin"
    (origin / "source_cards").mkdir(parents=True)
    deck = origin / "source_cards" / "capitals.md"
    deck.write_text(DECK, "utf-8")
    _git(origin, "init", "-q")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "first", when=1_700_000_000)
    deck.write_text(DECK + MORE, "utf-8")
    _git(origin, "commit", "-q", "-am", "second", when=1_700_100_000)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True
    )
    monkeypatch.chdir(clone)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return clone


def _build(*args: str) -> Result:
    return CliRunner().invoke(cli, ["build", *args])


def _times(package: Path) -> list[int]:
    with zipfile.ZipFile(package) as archive:
        (package.parent / "c.db").write_bytes(archive.read("collection.anki2"))
    with closing(sqlite3.connect(package.parent / "c.db")) as db:
        return [row[0] for row in db.execute("SELECT mod FROM notes ORDER BY sfld")]


def test_a_shallow_clone_is_refused_with_how_to_fetch_the_history(shallow: Path) -> None:
    refused = _build()

    assert refused.exit_code == 1
    assert refused.stderr == (
        "source_cards/capitals.md: error: this file is in a shallow git clone: its history is "
        "cut, so every note would take the time of the newest commit and update in every "
        "user's collection; fetch the whole history (actions/checkout: 'fetch-depth: 0'; "
        "elsewhere 'git fetch --unshallow'), or choose --note-times mtime or fixed, or set "
        "SOURCE_DATE_EPOCH\n"
    )
    assert not (shallow / "build").exists()

    # The hint works: with the whole history each note has the time of its own commit.
    _git(shallow, "fetch", "-q", "--unshallow")
    assert _build("-q").exit_code == 0
    assert _times(shallow / "build" / "capitals.apkg") == [1_700_100_000, 1_700_000_000]


@pytest.mark.parametrize(
    ("how", "args", "env"),
    [
        ("mtime", ["--note-times", "mtime"], {}),
        ("fixed", ["--note-times", "fixed"], {}),
        ("SOURCE_DATE_EPOCH", [], {"SOURCE_DATE_EPOCH": "1750000000"}),
        ("project file", [], {}),
    ],
)
def test_a_shallow_clone_builds_when_told_where_times_come_from(
    shallow: Path, monkeypatch: pytest.MonkeyPatch, how: str, args: list[str], env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if how == "project file":
        (shallow / "ankipress.toml").write_text('[build]\nnote_times = "fixed"\n', "utf-8")

    built = _build("-q", *args)

    assert built.exit_code == 0, built.stderr
    times = _times(shallow / "build" / "capitals.apkg")
    # No history: one time for both notes (the files' time, or the newest commit's under
    # the SOURCE_DATE_EPOCH cap the user chose).
    assert len(set(times)) == 1
    if env:
        assert times[0] <= 1_750_000_000


def test_note_times_in_the_project_file_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ankipress.toml").write_text('[build]\nnote_times = "blame"\n', "utf-8")
    monkeypatch.chdir(tmp_path)

    result = _build()

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "ankipress.toml:2: error: note_times must be one of git, mtime, fixed, not 'blame'"
    )
