"""The Python API: the README's examples run as written, and the library never prints or exits."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import ankipress
from ankipress.cli import cli

from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")

DECK = """\
# Biology

## What is a cell?

The smallest unit of life.

## What is an empty card?

## What does DNA stand for?

Deoxyribonucleic acid.
"""


def _api_examples() -> list[str]:
    section = README.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (tmp_path / "source_cards").mkdir()
    (tmp_path / "source_cards" / "bio.md").write_text(DECK, "utf-8")
    return tmp_path


def test_the_readme_api_examples_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = _api_examples()
    assert len(examples) >= 7
    next_release = project / "next" / "bio.md"
    next_release.parent.mkdir()
    next_release.write_text(DECK.replace("life.", "life, with a membrane."), "utf-8")
    options = ankipress.Options(deck="Biology", tags=("bio",))
    ankipress.convert([next_release], project / "bio-next.apkg", options)
    namespace: dict[str, object] = {}

    for example in examples:
        exec(compile(example, "README.md", "exec"), namespace)

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "True 0 1"
    assert printed[1].startswith("source_cards/bio.md:7: warning: ") and printed[1].endswith(
        " AP1001"
    )
    assert (project / "build" / "bio.apkg").is_file()
    assert zipfile.is_zipfile(project / "bio.apkg")
    assert "0 0 ['What is a cell?']" in printed
    assert (
        printed[-1] == "1 error(s); nothing was written ['no-such-deck.txt: error: no such file']"
    )
    sarif = namespace["sarif"]
    assert isinstance(sarif, dict) and sarif["runs"][0]["results"][0]["ruleId"] == "AP1001"


def test_the_library_never_prints_or_exits(
    project: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (project / "source_cards" / "bad.md").write_text("# Bad\n\n## Q\n\n![](no.png)\n", "utf-8")

    checked = ankipress.check()
    with pytest.raises(ankipress.InputError) as refused:
        ankipress.build()
    with pytest.raises(ankipress.InputError):
        ankipress.preview_page([], project / "preview.html")
    dry = ankipress.pin(["source_cards/bio.md"], write=False)  # type: ignore[list-item]

    assert capfd.readouterr() == ("", "")
    assert not checked.ok and checked.errors == 1 and checked.warnings == 1
    assert [d.rule.id for d in refused.value.diagnostics if d.severity.value == "error"] == [
        "AP3001"
    ]
    assert not (project / "build").exists() and not (project / "preview.html").exists()
    assert [(str(path), count) for path, count in dry.files] == [("source_cards/bio.md", 2)]


def test_check_gives_what_the_command_prints(project: Path) -> None:
    report = ankipress.check()
    printed = json.loads(CliRunner().invoke(cli, ["check", "--format", "json"]).stdout)

    assert [str(d) for d in report.diagnostics] == [
        f"{d['path']}:{d['line']}: {d['severity']}: {d['message']}; {d['hint']}"
        for d in printed["diagnostics"]
    ]
    assert [d["rule"] for d in printed["diagnostics"]] == ["AP1001"]
    assert [len(plan.notes) for plan in report.plans] == [p["notes"] for p in printed["packages"]]


def test_every_exported_name_is_there() -> None:
    for name in ankipress.__all__:
        assert getattr(ankipress, name) is not None, name
    for command in ("check", "build", "convert", "diff_decks", "preview_page", "pin"):
        assert command in ankipress.__all__
    with pytest.raises(AttributeError):
        ankipress.no_such_name  # noqa: B018
