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
from ankipress.ondemand import stand_ins

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
# (genanki's PyYAML and asyncio are not loaded either: see writers.collection.load_genanki).
_NOT_FOR_A_CSV_PACKAGE = _HEAVY - {"genanki", "sqlite3", "zipfile"}


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
    # Each command is imported when it runs.
    assert not ours & {"ankipress.cli.check", "ankipress.cli.packages", "ankipress.cli.tools"}


def test_a_mistyped_command_is_matched_against_every_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ankipress", "conver", "cards.txt"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "No such command 'conver'. Did you mean 'convert'?" in completed.stderr


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
    assert not loaded & {"ankipress.cli.check", "ankipress.cli.tools"}  # other commands
    # Without --from every reader sniffs the file; none loads what only its reading needs.
    assert "ankipress.readers.orgmode" in loaded
    assert not loaded & {"ankipress.readers.orgmarkup", "statistics"}
    # Nor what only a build follows (project file, lock file, build state); our templates
    # are read as plain files.
    assert not loaded & {
        "ankipress.building.config",
        "ankipress.building.lock",
        "ankipress.building.lockmatch",
        "ankipress.building.state",
        "ankipress.writers.csv",
        "importlib.resources",
    }


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


def _csv_deck(folder: Path) -> Path:
    deck = folder / "cards.csv"
    deck.write_text("question,answer\nQuestion?,Answer\n", encoding="utf-8")
    return deck


def test_genanki_is_loaded_without_asyncio_and_yaml_and_leaves_them_real(tmp_path: Path) -> None:
    """The stand-ins genanki is imported with are gone once it is: a program that then
    imports asyncio, PyYAML or cached_property gets the real ones, and genanki's own use of
    PyYAML (note types as YAML text) imports it."""
    check = (
        "assert not {'asyncio', 'yaml', 'cached_property'} & set(sys.modules), sys.modules\n"
        "import asyncio, yaml, cached_property, genanki\n"
        "async def answer():\n    return 42\n"
        "assert asyncio.run(answer()) == 42\n"
        "assert yaml.safe_load('a: 1') == {'a': 1} and sys.modules['yaml'] is yaml\n"
        "assert cached_property.threaded_cached_property\n"
        "model = genanki.Model(1, 'm', fields='- name: Front', templates='- name: Card 1')\n"
        "assert model.fields == [{'name': 'Front'}] and model.templates == [{'name': 'Card 1'}]\n"
        "print('CHECKED')\n"
    )
    probe = "import sys\n" + _convert(_csv_deck(tmp_path)) + check
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert "CHECKED" in completed.stdout, completed.stderr
    assert (tmp_path / "out.apkg").is_file()


def test_genanki_takes_the_real_modules_a_program_has_loaded(tmp_path: Path) -> None:
    probe = (
        "import sys, asyncio, yaml, cached_property\n"
        + _convert(_csv_deck(tmp_path))
        + "import genanki.model, genanki.note\n"
        "assert genanki.model.cached_property is cached_property.cached_property\n"
        "assert genanki.note.cached_property is cached_property.cached_property\n"
        "assert genanki.model.yaml is yaml and sys.modules['yaml'] is yaml\n"
        "print('CHECKED')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert "CHECKED" in completed.stdout, completed.stderr


def test_stand_ins_leave_sys_modules_as_found() -> None:
    name = "colorsys"  # small, and loaded by nothing of ours
    saved = sys.modules.pop(name, None)
    try:
        with stand_ins({name: {"marker": 1}, "json": {"marker": 2}}):
            stand_in = sys.modules[name]
            assert stand_in.marker == 1
            assert not hasattr(sys.modules["json"], "marker")  # loaded already: untouched
        assert name not in sys.modules  # never read: removed
        with stand_ins({name: {}}):
            stand_in = sys.modules[name]
            # A read imports the real module, which stays.
            assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
            real = sys.modules[name]
            assert real is not stand_in
        assert sys.modules[name] is real
        assert stand_in.hsv_to_rgb(0.0, 1.0, 1.0) == (1.0, 0.0, 0.0)  # still forwards
        assert not hasattr(stand_in, "__path__")  # probes are not uses
    finally:
        sys.modules.pop(name, None)
        if saved is not None:
            sys.modules[name] = saved
