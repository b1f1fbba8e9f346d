"""The project file: packages from folder trees and mixed files, validated with line numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.cli import cli

from ankiengine import AnkiCollection
from conftest import SEED

CARD = "{n}\nQ\n\n{q}\n\nA\n\n{a}\n\n"


def _run(folder: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"SOURCE_DATE_EPOCH": "1750000000"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    tree = root / "decks" / "biology"
    (tree / "cells").mkdir(parents=True)
    (tree / "intro.md").write_text("## What is life?\n\nHard to say.\n", "utf-8")
    (tree / "cells" / "parts.csv").write_text("question,answer\nnucleus?,the core\n", "utf-8")
    (root / "exports").mkdir()
    shutil.copy(SEED, root / "exports" / "seed.txt")
    (root / "exports" / "quiz.txt").write_text("chat\tcat\nchien\tdog\n", "utf-8")
    (root / "exports" / "words.csv").write_text("front,back\nHund,dog\n", "utf-8")
    (root / "ankipress.toml").write_text(
        """[build]
out = "dist"

[[package]]
name = "biology"
sources = ["decks/biology/"]
tags = ["bio"]

[[package]]
name = "mixed"
sources = ["exports/*.txt", "exports/words.csv"]
deck = "Mixed"
reverse = true
""",
        "utf-8",
    )
    monkeypatch.chdir(root)
    return root


def test_a_project_file_builds_its_packages(project: Path, anki: AnkiCollection) -> None:
    code, out, err = _run(project, "build")

    assert code == 0, err
    assert out.splitlines() == [
        "wrote dist/biology.apkg: 2 notes from 2 cards in decks 'biology::cells', "
        "'biology'; 0 warnings",
        "wrote dist/mixed.apkg: 19 notes (38 cards in Anki) from 19 cards in deck 'Mixed'; "
        "1 warning",
    ]
    anki.import_package(project / "dist" / "biology.apkg")
    anki.import_package(project / "dist" / "mixed.apkg")
    notes = anki.notes()
    assert {n.fields["Front"]: n.decks for n in notes if "bio" in n.tags} == {
        "<p>What is life?</p>": ["biology"],
        "nucleus?": ["biology::cells"],
    }
    mixed = [n for n in notes if n.decks == ["Mixed"]]
    assert len(mixed) == 19 and {n.notetype for n in mixed} == {
        "ankipress Basic (and reversed card)"
    }
    assert len(anki.cards()) == 2 + 19 * 2

    again = _run(project, "build")
    assert again[1].count("up to date") == 2


def test_unknown_keys_and_bad_values_name_their_lines(project: Path) -> None:
    (project / "ankipress.toml").write_text(
        """[build]
out = "dist"
mth = "svg"

[[package]]
name = "biology"
sources = ["decks/nowhere/"]
revers = true
strict = "yes"
""",
        "utf-8",
    )

    code, _, err = _run(project, "build")

    assert code == 1
    assert err == (
        "ankipress.toml:3: error: unknown key 'mth' in [build]; did you mean 'math'?\n"
        "ankipress.toml:8: error: unknown key 'revers' in [package]; did you mean 'reverse'?\n"
        "ankipress.toml:9: error: strict must be true or false\n"
        "ankipress.toml:7: error: 'decks/nowhere/' matches no file or folder\n"
        "ankipress: error: 4 error(s) in ankipress.toml; nothing was written\n"
    )
    assert not (project / "dist").exists()


def test_tool_ankipress_in_pyproject(project: Path) -> None:
    (project / "ankipress.toml").unlink()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "course"\n\n[tool.ankipress.build]\nout = "out"\n', "utf-8"
    )
    (project / "source_cards").mkdir()
    shutil.copy(SEED, project / "source_cards" / "seed.txt")

    code, out, err = _run(project, "build")

    assert code == 0, err
    assert out.startswith("wrote out/seed.apkg: 16 notes")


def test_no_project_file_builds_source_cards(project: Path) -> None:
    (project / "ankipress.toml").unlink()
    (project / "source_cards").mkdir()
    shutil.copy(SEED, project / "source_cards" / "seed.txt")

    code, out, _ = _run(project, "build")

    assert code == 0
    assert out.startswith("wrote build/seed.apkg")
