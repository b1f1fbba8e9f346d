"""Imports on demand: a command loads what it runs, nothing else (issue 19).

Each case runs in a fresh interpreter (this one has loaded everything already) and lists
the modules loaded when it ends. No timing: what is loaded is what costs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ankipress
from ankipress import readers, writers
from ankipress.cli import cli

# Third-party and standard modules that cost milliseconds each to import.
_HEAVY = {
    "genanki",
    "google.protobuf",
    "zstandard",
    "markdown_it",
    "pygments",
    "charset_normalizer",
    "yaml",
    "selectolax",
    "nh3",
    "asyncio",
    "ssl",
    "importlib.metadata",
    "sqlite3",
    "tomllib",
    "zipfile",
}

# What only reading a package needs, only Markdown needs, only other encodings need…
_NOT_FOR_A_CSV_PACKAGE = _HEAVY - {"genanki", "yaml", "asyncio", "ssl", "sqlite3", "zipfile"}


def _loaded(code: str, cwd: Path | None = None) -> set[str]:
    """The modules loaded when ``code`` has run in a fresh interpreter."""
    probe = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.__stdout__.write('\\nMODULES ' + ' '.join(sys.modules)))\n"
        + code
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "1700000000"},
    )
    marker = completed.stdout.rfind("MODULES ")
    assert marker >= 0, completed.stderr
    return set(completed.stdout[marker + len("MODULES ") :].split())


def _heavy(modules: set[str], wanted: set[str]) -> set[str]:
    return {m for m in modules if m in wanted or m.split(".")[0] in wanted}


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    loaded = _loaded("import ankipress.cli")
    assert _heavy(loaded, _HEAVY) == set()
    # Nor any reader, writer or the pipeline: a command loads the one it runs.
    ours = {m for m in loaded if m.startswith("ankipress.")}
    assert not {m for m in ours if m.startswith(("ankipress.writers", "ankipress.building"))}
    assert not {m for m in ours if m.startswith("ankipress.readers.")}


def test_version_loads_not_even_the_command_line() -> None:
    loaded = _loaded(
        "sys.argv = ['ankipress', '--version']\nfrom ankipress.__main__ import main\nmain()"
    )
    assert "click" not in loaded
    assert _heavy(loaded, _HEAVY) == set()


def test_version_line_is_the_one_click_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from ankipress.__main__ import main

    argv = sys.argv
    sys.argv = ["ankipress", "--version"]
    try:
        main()
    finally:
        sys.argv = argv
    fast = capsys.readouterr().out
    result = CliRunner().invoke(cli, ["--version"], prog_name="ankipress")
    assert result.exit_code == 0
    assert fast == result.output == f"ankipress, version {ankipress.__version__}\n"


def _convert(path: Path, *extra: str) -> str:
    argv = ["ankipress", "convert", str(path), "-o", "out.apkg", *extra]
    return (
        f"sys.argv = {argv!r}\n"
        "from ankipress.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
    )


def test_a_csv_package_loads_no_markdown_yaml_reader_or_screen(tmp_path: Path) -> None:
    deck = tmp_path / "cards.csv"
    deck.write_text(
        "question,answer\n" + "".join(f"Question {i}?,Answer {i}\n" for i in range(16)),
        encoding="utf-8",
    )
    loaded = _loaded(_convert(deck), cwd=tmp_path)
    assert (tmp_path / "out.apkg").is_file()
    assert _heavy(loaded, _NOT_FOR_A_CSV_PACKAGE) == set()
    assert "genanki" in loaded  # the package is written, by genanki


def test_markdown_without_code_loads_no_highlighter(tmp_path: Path) -> None:
    deck = tmp_path / "cards.md"
    deck.write_text(
        "".join(f"## What is $x_{i}$ in **bold**?\n\n- one\n- two\n\n" for i in range(16)),
        encoding="utf-8",
    )
    loaded = _loaded(_convert(deck, "--from", "markdown"), cwd=tmp_path)
    assert "markdown_it" in loaded
    assert (
        _heavy(loaded, {"pygments", "google.protobuf", "zstandard", "charset_normalizer"}) == set()
    )
    # Only the reader named by --from is loaded.
    assert {m for m in loaded if m.startswith("ankipress.readers.")} <= {
        "ankipress.readers.markdown",
        "ankipress.readers.mdcards",
        "ankipress.readers.mddeck",
        "ankipress.readers.mdmedia",
        "ankipress.readers.mdsyntax",
        "ankipress.readers.reporting",
        "ankipress.readers.frontmatter",
    }


def test_the_registries_name_what_they_load() -> None:
    """The format names listed without importing the readers are the readers' own."""
    assert readers.format_names() == [r.name for r in readers.READERS + readers.BINARY_READERS]
    for name in readers.format_names()[:-1]:
        assert readers.get_reader(name).name == name
    assert [w.name for w in writers.TEXT_WRITERS] == ["markdown", "ankitext", "csv", "crowdanki"]
