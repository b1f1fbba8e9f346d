"""ankipress diff: what a release changes, between sources and packages."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli

from conftest import SEED

NEW_CARD = (
    "17\nQ\n\nwhat is batch normalization\n\nA\n\nnormalizing activations per batch\n\n"
    "How well did you know this?\n1\nNot at all\n2\n3\n4\n5\nPerfectly\n"
)


def _edited(tmp_path: Path) -> Path:
    text = SEED.read_text("utf-8")
    text = text.replace("weight decay", "weight decay (the L2 penalty)")
    start = text.index("4\nQ\n\nwhat are 2 types of known initializations")
    end = text.index("5\nQ\n\nwhat is the xavier initialization")
    text = text[:start] + text[end:]
    text = text.replace(
        "16\nQ\n\nwhat is the main help of dropout",
        NEW_CARD + "16\nQ\n\nwhat is the main help of dropout",
    )
    edited = tmp_path / "edited" / SEED.name
    edited.parent.mkdir()
    edited.write_text(text, "utf-8")
    return edited


def _diff(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", *args])


def test_diff_names_exactly_the_changed_added_and_removed_cards(tmp_path: Path) -> None:
    edited = _edited(tmp_path)

    result = _diff(str(SEED), str(edited))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "+ what is batch normalization  [Initialization and regularization]\n"
        "- what are 2 types of known initializations  [Initialization and regularization]\n"
        "~ what is the other name of L2 regularization  (field 2)\n"
        "1 added, 1 removed, 1 changed\n"
    )


def test_a_source_and_its_package_do_not_differ_and_exit_code(tmp_path: Path) -> None:
    package = tmp_path / "seed.apkg"
    convert([SEED], package, Options(), 1_750_000_000)
    edited = _edited(tmp_path)

    same = _diff(str(SEED), str(package), "--exit-code")
    differs = _diff(str(package), str(edited), "--exit-code", "--format", "json")

    assert same.exit_code == 0 and same.stdout == "0 added, 0 removed, 0 changed\n"
    assert differs.exit_code == 1
    data = json.loads(differs.stdout)
    assert [len(data[key]) for key in ("added", "removed", "changed")] == [1, 1, 1]
    assert data["changed"][0]["fields"] == [2]


def test_markdown_release_notes(tmp_path: Path) -> None:
    result = _diff(str(SEED), str(_edited(tmp_path)), "--format", "markdown")

    assert result.stdout.startswith("## Changes to the deck\n\n### Added (1)\n\n")
    assert "### Changed (1)\n\n- what is the other name of L2 regularization: field 2\n" in (
        result.stdout
    )
