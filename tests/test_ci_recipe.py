"""The commands of docs/ci.md, run as the recipe runs them against source_cards/ in a clone."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.cli import cli

from conftest import ROOT

RECIPE = ROOT / "docs" / "ci.md"


def _commands() -> list[list[str]]:
    """Every ``ankipress …`` command the recipe's workflow steps run, in order, once each."""
    found = re.findall(r"^\s+(?:- |run: )(ankipress [^\n#]+)$", RECIPE.read_text("utf-8"), re.M)
    return [shlex.split(command)[1:] for command in dict.fromkeys(c.strip() for c in found)]


def test_the_recipe_runs_on_the_repositorys_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands()
    assert commands == [["check", "--format", "github"], ["build"]]
    clone = tmp_path / "repo"
    shutil.copytree(ROOT / "source_cards", clone / "source_cards")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "CI",
        "GIT_AUTHOR_EMAIL": "ci@example.invalid",
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.invalid",
        "GIT_AUTHOR_DATE": "@1700000000 +0000",
        "GIT_COMMITTER_DATE": "@1700000000 +0000",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "cards"]):
        subprocess.run(["git", *args], cwd=clone, env=env, check=True)
    monkeypatch.chdir(clone)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    check = CliRunner().invoke(cli, commands[0])
    built = CliRunner().invoke(cli, commands[1])

    assert check.exit_code == 0
    assert check.stdout.startswith(
        "::warning file=source_cards/initialization-and-regularization.txt,line=3::"
    )
    assert built.exit_code == 0
    manifest = json.loads((clone / "build" / "manifest.json").read_text("utf-8"))
    assert [(p["file"], p["notes"]) for p in manifest["packages"]] == [
        ("initialization-and-regularization.apkg", 16)
    ]
    assert built.stdout.startswith("wrote build/initialization-and-regularization.apkg: 16 notes")
    # No SOURCE_DATE_EPOCH: the notes take their time from the commit.
    with zipfile.ZipFile(clone / "build" / "initialization-and-regularization.apkg") as package:
        (tmp_path / "c.db").write_bytes(package.read("collection.anki2"))
    with closing(sqlite3.connect(tmp_path / "c.db")) as db:
        assert db.execute("SELECT DISTINCT mod FROM notes").fetchall() == [(1_700_000_000,)]
