"""Golden tests: every input in ``golden/<area>/`` against the expected file beside it.

* ``<case>.<ext>`` is the input; ``<case>.options.json``, if present, holds build options
  (``{"input_format": "quizlet", "separator": ";"}``: any field of ``ankipress.Options``).
* An input that builds gets ``<case>.expected.json``: the format detected, the notes as read,
  the fields as rendered, and every diagnostic.
* An input with errors gets ``<case>.err``: the lines the command prints for it, exactly.

``pytest --update-goldens`` rewrites the expected files from today's output; review the diff.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from ankipress import readers
from ankipress.building.pipeline import Options, plan_package
from ankipress.errors import InputError
from ankipress.model import ReadOptions, Severity
from ankipress.sources import load

GOLDEN = Path(__file__).parent / "golden"
_SIDECARS = (".expected.json", ".err", ".options.json")
CASES = sorted(
    path
    for path in GOLDEN.glob("*/*")
    if path.is_file() and not path.name.endswith(_SIDECARS) and not path.name.startswith(".")
)


def _options(case: Path) -> Options:
    sidecar = case.with_name(case.stem + ".options.json")
    if not sidecar.exists():
        return Options()
    values = json.loads(sidecar.read_text(encoding="utf-8"))
    for key in ("tags", "columns"):
        if key in values:
            values[key] = tuple(values[key])
    return dataclasses.replace(Options(), **values)


def _read(case: Path, display: str, options: Options) -> dict[str, Any]:
    try:
        source = load(case, display, options.encoding)
        read_options = ReadOptions(
            default_deck=case.stem,
            separator=options.separator,
            card_separator=options.card_separator,
            columns=options.columns,
        )
        reader = (
            readers.get_reader(options.input_format)
            if options.input_format
            else readers.detect(source, read_options)
        )
        read = reader.read(source, read_options)
    except InputError:
        return {}
    return {
        "format": reader.name,
        "encoding": source.encoding,
        "cards_seen": read.cards_seen,
        "decks_declared": list(read.deck_titles),
        "read": [
            {
                "line": note.location.line,
                "answer_line": note.answer_location.line if note.answer_location else None,
                "deck": note.deck,
                "kind": note.kind.value,
                "format": note.text_format.value,
                "guid": note.guid,
                "tags": list(note.tags),
                "question": note.question,
                "answer": note.answer,
            }
            for note in read.notes
        ],
    }


def _outcome(case: Path) -> tuple[str, str]:
    """(suffix of the expected file, its text)."""
    display = f"{case.parent.name}/{case.name}"
    options = _options(case)
    plan = plan_package([case], Path("out.apkg"), options)
    lines = [str(d).replace(str(case), display) for d in plan.diagnostics]
    if any(d.severity is Severity.ERROR for d in plan.diagnostics):
        shown = [
            line
            for line, d in zip(lines, plan.diagnostics, strict=True)
            if d.severity is not Severity.NOTE
        ]
        return ".err", "".join(f"{line}\n" for line in shown)
    result = _read(case, display, options)
    result["diagnostics"] = lines
    result["notes"] = [
        {
            "line": note.location.line,
            "deck": note.deck,
            "kind": note.kind.value,
            "guid": note.guid,
            "tags": list(note.tags),
            "fields": list(note.fields),
        }
        for note in plan.notes
    ]
    return ".expected.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path, update_goldens: bool) -> None:
    suffix, actual = _outcome(case)
    expected_path = case.with_name(case.stem + suffix)
    stale = [
        case.with_name(case.stem + other) for other in (".expected.json", ".err") if other != suffix
    ]
    if update_goldens:
        expected_path.write_text(actual, encoding="utf-8")
        for path in stale:
            path.unlink(missing_ok=True)
        return
    for path in stale:
        assert not path.exists(), f"{path.name} is stale: this case now gives {suffix}"
    assert expected_path.exists(), f"no {expected_path.name}; run pytest --update-goldens"
    assert expected_path.read_text(encoding="utf-8") == actual
