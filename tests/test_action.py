"""The GitHub Action (action.yml): its run: lines, run as a workflow runs them.

Each `run:` step's expressions are filled in as the runner fills them (inputs with their
defaults, the github context), then the script runs with `bash -eo pipefail` in a git
repository with history, with GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files; the `uses:` step
(actions/setup-python) is the Python already running. pip is stood in for by a stub that
records what it was asked to install: the ankipress under test is the one of this checkout.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT

ACTION = ROOT / "action.yml"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
DECK = "# Capitals\n\n## What is the capital of Peru?\n\nLima\n\n"
MORE = "## What is the capital of Chad?\n\nN'Djamena\n"


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _fill(text: str, context: Mapping[str, str]) -> str:
    """``${{ name }}`` replaced as the runner would; a name the test does not know fails."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in context, f"action.yml uses ${{{{ {name} }}}}, unknown to this test"
        return context[name]

    return _EXPRESSION.sub(value, text)


def _outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: name=value, or name<<DELIMITER lines DELIMITER."""
    found: dict[str, str] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, end = line.split("<<", 1)
            body = []
            for more in lines:
                if more == end:
                    break
                body.append(more)
            found[name] = "\n".join(body)
        elif line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


@dataclass
class Run:
    status: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    pip: list[str]


def _run_action(repo: Path, tmp: Path, only: str | None = None, **inputs: str) -> Run:
    """Run the action's steps in ``repo`` with these inputs, as a workflow step would
    (``only``: the step of that name alone)."""
    action = _action()
    context = {
        f"inputs.{name}": str(spec.get("default", "")) for name, spec in action["inputs"].items()
    }
    context.update({f"inputs.{name.replace('_', '-')}": value for name, value in inputs.items()})
    context.update(
        {
            "github.action_path": str(ROOT),
            "github.action_repository": "someone/ankipress",
            "github.server_url": "https://git.example.invalid",
        }
    )
    stub = tmp / "stub"
    stub.mkdir(exist_ok=True)
    log = tmp / "pip.log"
    # "python -m pip ..." is recorded; any other use of python is this test's Python.
    (stub / "python").write_text(
        '#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then\n'
        f'  shift 2; echo "$*" >> "{log}"; exit 0\nfi\nexec "{sys.executable}" "$@"\n',
        "utf-8",
    )
    (stub / "python").chmod(0o755)
    summary = tmp / "summary.md"
    env_path = f"{stub}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    status, printed = 0, []
    for step in action["runs"]["steps"]:
        if only is not None and step.get("name") != only:
            continue
        if "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            assert step["with"] == {"python-version": "${{ inputs.python-version }}"}
            continue
        assert step["shell"] == "bash"
        output = tmp / f"output-{step.get('id', 'step')}"
        output.write_text("", "utf-8")
        env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
        env.update({k: _fill(str(v), context) for k, v in step.get("env", {}).items()})
        env.update(PATH=env_path, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _fill(step["run"], context)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        printed.append(done.stdout + done.stderr)
        if "id" in step:
            for name, value in _outputs(output).items():
                context[f"steps.{step['id']}.outputs.{name}"] = value
        if done.returncode != 0:
            status = done.returncode
            break
    outputs = {
        name: _fill(spec["value"], {**dict.fromkeys(_missing(spec), ""), **context})
        for name, spec in action["outputs"].items()
    }
    return Run(
        status,
        "".join(printed),
        outputs,
        summary.read_text("utf-8") if summary.exists() else "",
        log.read_text("utf-8").splitlines() if log.exists() else [],
    )


def _missing(spec: Mapping[str, str]) -> list[str]:
    """Output names no step set: the runner reads them as empty."""
    return [name for name in _EXPRESSION.findall(spec["value"]) if name.startswith("steps.")]


def _git(folder: Path, *args: str, when: int) -> None:
    who = {"NAME": "Test", "EMAIL": "test@example.invalid"}
    env = {
        **os.environ,
        **{f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER") for k, v in who.items()},
    }
    env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, check=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A deck repository of two commits: Peru's card, then Chad's."""
    root = tmp_path / "repo"
    (root / "source_cards").mkdir(parents=True)
    deck = root / "source_cards" / "capitals.md"
    deck.write_text(DECK, "utf-8")
    (root / ".gitignore").write_text("build/\n", "utf-8")
    _git(root, "init", "-q", when=0)
    _git(root, "add", ".", when=0)
    _git(root, "commit", "-q", "-m", "Peru", when=1_700_000_000)
    deck.write_text(DECK + MORE, "utf-8")
    _git(root, "commit", "-q", "-am", "Chad", when=1_700_100_000)
    return root


def test_build_installs_the_actions_own_ankipress_and_gives_packages_and_manifest(
    repo: Path, tmp_path: Path
) -> None:
    run = _run_action(repo, tmp_path, command="build")

    assert run.status == 0, run.stdout
    assert run.pip == [f"install --disable-pip-version-check --quiet {ROOT}"]
    assert run.outputs == {
        "packages": "build/capitals.apkg",
        "manifest": "build/manifest.json",
    }
    assert "wrote build/capitals.apkg: 2 notes" in run.stdout
    manifest = json.loads((repo / "build" / "manifest.json").read_text("utf-8"))
    sha = manifest["packages"][0]["sha256"]
    assert run.summary == (
        "### ankipress build\n\n| package | notes | cards | decks | sha256 |\n"
        "| --- | ---: | ---: | --- | --- |\n"
        f"| capitals.apkg | 2 | 2 | Capitals | `{sha[:12]}` |\n\n"
    )
    # The history is there: each note has the time of its own commit.
    with zipfile.ZipFile(repo / "build" / "capitals.apkg") as package:
        (tmp_path / "c.db").write_bytes(package.read("collection.anki2"))
    with closing(sqlite3.connect(tmp_path / "c.db")) as db:
        times = [row[0] for row in db.execute("SELECT mod FROM notes ORDER BY sfld")]
    assert times == [1_700_100_000, 1_700_000_000]


def test_check_prints_annotations_and_fails_on_an_error(repo: Path, tmp_path: Path) -> None:
    clean = _run_action(repo, tmp_path, command="check")
    (repo / "source_cards" / "capitals.md").write_text(
        DECK + MORE + "## What is the capital of Mali?\n\n![map](mali.png)\n", "utf-8"
    )
    (tmp_path / "again").mkdir()
    broken = _run_action(repo, tmp_path / "again")

    assert clean.status == 0, clean.stdout
    assert clean.outputs == {"packages": "", "manifest": ""}
    # check --format github writes the summary itself: every problem in a table.
    assert clean.summary == "### ankipress check: no problems\n"
    assert broken.status == 1
    assert "::error file=source_cards/capitals.md,line=" in broken.stdout
    assert broken.summary.startswith("### ankipress check: 1 error\n\n| severity | where |")
    assert "| error | source_cards/capitals.md:" in broken.summary
    assert "AP3001 media-missing" in broken.summary


def test_version_installs_a_release_or_a_commit(repo: Path, tmp_path: Path) -> None:
    asked = {
        "1.2.0": "ankipress==1.2.0",
        "v1.2.0": "ankipress==1.2.0",
        "0123abc": "git+https://git.example.invalid/someone/ankipress@0123abc",
    }
    for version, installed in asked.items():
        (tmp_path / version).mkdir()
        run = _run_action(repo, tmp_path / version, "Install ankipress", version=version)

        assert run.status == 0, run.stdout
        assert run.pip == [f"install --disable-pip-version-check --quiet {installed}"]


def test_a_wrong_command_or_args_stop_with_an_annotation(repo: Path, tmp_path: Path) -> None:
    command = _run_action(repo, tmp_path, command="publish")
    args = _run_action(repo, tmp_path, command="build", args="--deck 'Cap")

    assert command.status == 2
    assert "::error title=ankipress::command must be check or build, not 'publish'" in (
        command.stdout
    )
    assert args.status == 2
    assert "::error title=ankipress::args cannot be split as a shell would" in args.stdout
