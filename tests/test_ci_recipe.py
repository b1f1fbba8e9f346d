"""The commands of docs/ci.md, run as the recipe runs them against source_cards/ in a clone."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ankipress.cli import cli

from conftest import ROOT

RECIPE = ROOT / "docs" / "ci.md"


def _commands() -> list[list[str]]:
    """Every ``ankipress …`` command the recipe's workflow steps run, in order, once each."""
    found = re.findall(r"^\s+(?:- |run: )(ankipress [^\n#]+)$", RECIPE.read_text("utf-8"), re.M)
    # A command's output redirected to a file (> report.json) is its standard output here.
    commands = dict.fromkeys(c.split(" > ")[0].strip() for c in found)
    return [shlex.split(command)[1:] for command in commands]


def test_the_recipe_runs_on_the_repositorys_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands()
    assert commands == [["check", "--format", "gitlab"], ["build"]]
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
    problems = json.loads(check.stdout)
    assert [(p["severity"], p["location"]) for p in problems] == [
        (
            "minor",
            {"path": "source_cards/initialization-and-regularization.txt", "lines": {"begin": 3}},
        )
    ]
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


def _workflow() -> dict[str, Any]:
    """The GitHub Actions workflow of the recipe (its first YAML block naming jobs)."""
    blocks = re.findall(r"```yaml\n(.*?)```", RECIPE.read_text("utf-8"), re.S)
    found = [yaml.safe_load(block) for block in blocks if block.startswith("name: decks\n")]
    assert len(found) == 1
    workflow = found[0]
    assert isinstance(workflow, dict)
    return workflow


def test_the_workflow_checks_pull_requests_and_builds_tags_with_the_action() -> None:
    workflow = _workflow()
    # PyYAML reads the key "on" as True (YAML 1.1); the runner reads it as "on".
    assert workflow[True] == {"pull_request": None, "push": {"tags": ["v*"]}}
    check, release = workflow["jobs"]["check"], workflow["jobs"]["release"]
    action = check["steps"][1]["uses"]
    action_inputs = set(yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))["inputs"])

    assert action.endswith("/ankipress@v1")
    assert check["steps"][1]["with"] == {"command": "check"}
    assert release["steps"][0]["with"] == {"fetch-depth": 0}
    assert release["steps"][1] == {"id": "build", "uses": action, "with": {"command": "build"}}
    for step in (check["steps"][1], release["steps"][1]):
        assert set(step["with"]) <= action_inputs
    assert "--fail-on removed,guid-changed,notetype-changed" in release["steps"][2]["run"]
    assert release["steps"][3]["env"]["MANIFEST"] == "${{ steps.build.outputs.manifest }}"


def test_the_release_notes_step_diffs_against_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = _workflow()["jobs"]["release"]["steps"][2]
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "source_cards", repo / "source_cards")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "CI",
        "GIT_AUTHOR_EMAIL": "ci@example.invalid",
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.invalid",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "1"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    assert CliRunner().invoke(cli, ["build", "-q"]).exit_code == 0
    released = tmp_path / "v1"
    released.mkdir()
    shutil.copy(repo / "build" / "initialization-and-regularization.apkg", released)
    seed = repo / "source_cards" / "initialization-and-regularization.txt"
    seed.write_text(seed.read_text("utf-8").replace("weight decay", "weight decay (L2)"), "utf-8")
    for args in (["commit", "-q", "-am", "2"], ["tag", "v2"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    assert CliRunner().invoke(cli, ["build", "-q"]).exit_code == 0
    # gh stands in for the release page: "release download v1 ... --dir D" gives v1's packages.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(
        '#!/bin/sh\n[ "$1 $2 $3" = "release download v1" ] || exit 9\n'
        f'mkdir -p "$7" && cp "{released}"/*.apkg "$7"/\n',
        "utf-8",
    )
    (bin_dir / "gh").chmod(0o755)
    path = os.pathsep.join((str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]))

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env={
            **os.environ,
            "PATH": path,
            "GITHUB_REF_NAME": "v2",
            "PACKAGES": "build/initialization-and-regularization.apkg",
        },
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert (repo / "notes.md").read_text("utf-8") == (
        "# initialization-and-regularization\n\n## Changes to the deck\n\n### Changed (1)\n\n"
        "- what is the other name of L2 regularization: field 2\n"
    )
