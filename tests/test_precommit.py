"""The pre-commit hook (.pre-commit-hooks.yaml): its fields, its files, and its entry run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from ankipress import readers

from conftest import ROOT

# The keys pre-commit reads from a hook definition (its manifest schema).
HOOK_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
    "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
    "pass_filenames", "description", "language_version", "log_file", "minimum_pre_commit_version",
    "require_serial", "stages", "verbose",
}  # fmt: skip


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert isinstance(hooks, list)
    assert [hook["id"] for hook in hooks] == ["ankipress-check"]
    hook = hooks[0]
    assert isinstance(hook, dict)
    return hook


def test_the_hook_is_a_python_hook_running_check_on_the_files_passed() -> None:
    hook = _hook()

    assert set(hook) <= HOOK_KEYS
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["language"] == "python"  # pre-commit installs this repository, ankipress
    assert shlex.split(str(hook["entry"])) == ["ankipress", "check"]
    assert hook.get("pass_filenames", True) is True


def test_the_hook_takes_the_deck_files_of_the_source_folder_by_extension() -> None:
    files = re.compile(str(_hook()["files"]))
    # Every extension a reader declares is a deck file (.json: CrowdAnki's deck.json).
    for extension in {e for r in (*readers.READERS, *readers.BINARY_READERS) for e in r.extensions}:
        name = "deck.json" if extension == ".json" else f"cards{extension}"
        assert files.search(f"source_cards/biology/{name}"), f"add {extension} to the hook"

    taken = ["source_cards/a.md", "source_cards/b/c.csv", "sub/source_cards/d.tsv"]
    left = ["README.md", "docs/ci.md", "source_cards/b/cell.png", "source_cards/x/data.json"]
    assert [bool(files.search(path)) for path in taken + left] == [True] * 3 + [False] * 4


def test_the_entry_on_a_list_of_files_reports_each_problem_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "source_cards").mkdir()
    good = tmp_path / "source_cards" / "capitals.md"
    good.write_text("# Capitals\n\n## Capital of Peru?\n\nLima\n", "utf-8")
    bad = tmp_path / "source_cards" / "words.csv"
    bad.write_text('question,answer\ncat,chat\n"dog,chien\n', "utf-8")
    entry = shlex.split(str(_hook()["entry"]))
    command = [str(Path(sys.executable).parent / entry[0]), *entry[1:]]
    files = ["source_cards/capitals.md", "source_cards/words.csv"]

    fine = subprocess.run(
        [*command, files[0]], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    both = subprocess.run(
        [*command, *files], cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert fine.returncode == 0, fine.stderr
    assert fine.stdout.startswith("would write build/capitals.apkg: 1 note")
    assert both.returncode == 1
    assert both.stderr.startswith("source_cards/words.csv:3: error:")
