"""Bad input in the note apps' formats, as a user meets it on the command line.

Each located error case among the goldens of CrowdAnki, Obsidian (both plugins), Logseq and
anki-panky is converted by the CLI: the error is said at its line with what to do, the exit
status is 1, and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.cli import cli

GOLDEN = Path(__file__).parent / "golden"
_LOCATED = re.compile(r"^[^:\n]+:\d+(?::\d+)?: error: .+$", re.M)


def _cases() -> list[Path]:
    found = []
    for area in ("crowdanki", "obsidian", "logseq", "panky"):
        for err in sorted((GOLDEN / area).glob("*.err")):
            if _LOCATED.search(err.read_text(encoding="utf-8")):
                found.extend(
                    p
                    for p in err.parent.glob(f"{err.stem}.*")
                    if p.suffix in {".json", ".md"}
                    and not p.name.endswith((".options.json", ".expected.json"))
                )
    return found


def test_every_format_has_three_located_bad_input_cases() -> None:
    areas = [case.parent.name for case in _cases()]
    counts = {area: areas.count(area) for area in ("crowdanki", "logseq", "panky")}
    obsidian = [c.name for c in _cases() if c.parent.name == "obsidian"]
    counts["obsidian-sr"] = sum(name.startswith("sr_") for name in obsidian)
    counts["obsidian-to-anki"] = sum(name.startswith("o2a_") for name in obsidian)
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_located_error_exits_1_and_writes_nothing(case: Path, tmp_path: Path) -> None:
    copy = tmp_path / case.parent.name / case.name
    copy.parent.mkdir()
    shutil.copy(case, copy)
    args = ["convert", str(copy), "-o", str(tmp_path / "out.apkg")]
    options = case.with_name(f"{case.stem}.options.json")
    if options.exists() and "input_format" in json.loads(options.read_text()):
        args[1:1] = ["--from", json.loads(options.read_text())["input_format"]]
    result = CliRunner().invoke(cli, args, env={"SOURCE_DATE_EPOCH": "1750000000"})
    assert result.exit_code == 1, result.output
    expected = (case.with_name(f"{case.stem}.err")).read_text(encoding="utf-8")
    first = _LOCATED.search(expected)
    assert first is not None
    shown = first.group(0).replace(f"{case.parent.name}/", f"{copy.parent}{os.sep}", 1)
    assert shown in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.parent.name]


def test_a_panky_picture_that_is_missing_is_an_error_at_its_card(tmp_path: Path) -> None:
    deck = tmp_path / "maps.md"
    deck.write_text("# Which map is this?\n\n![map](maps/gone.png)\n\n# 1 + 1?\n\n2\n")
    result = CliRunner().invoke(
        cli, ["convert", "--from", "anki-panky", str(deck), "-o", str(tmp_path / "m.apkg")]
    )
    assert result.exit_code == 1
    assert f"{deck}:1: error: media file 'maps/gone.png' not found" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps.md"]
