"""Golden tests: every ``golden/<area>/<case>.<ext>`` against ``<case>.expected.json``.

Each case is read with format detection, then normalized and rendered as a build would;
the expected file holds the notes as read, the fields as rendered, and every diagnostic.
Run ``pytest --update-goldens`` to rewrite the expected files, then review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ankipress import readers
from ankipress.errors import InputError
from ankipress.pipeline import Options, plan_package
from ankipress.sources import load

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path for path in GOLDEN.glob("*/*") if ".expected." not in path.name)


def _outcome(case: Path) -> dict[str, Any]:
    display = f"{case.parent.name}/{case.name}"
    result: dict[str, Any] = {}
    try:
        source = load(case, display)
        reader = readers.detect(source)
        read = reader.read(source, default_deck=case.stem)
    except InputError as exc:
        result["read_error"] = [str(d) for d in exc.diagnostics]
    else:
        result["format"] = reader.name
        result["cards_seen"] = read.cards_seen
        result["decks_declared"] = list(read.deck_titles)
        result["read"] = [
            {
                "line": note.location.line,
                "answer_line": note.answer_location.line if note.answer_location else None,
                "deck": note.deck,
                "question": note.question,
                "answer": note.answer,
            }
            for note in read.notes
        ]
    plan = plan_package([case], Path("out.apkg"), Options())
    result["diagnostics"] = [str(d).replace(str(case), display) for d in plan.diagnostics]
    result["notes"] = [
        {
            "line": note.location.line,
            "deck": note.deck,
            "guid": note.guid,
            "front": note.fields[0],
            "back": note.fields[1],
        }
        for note in plan.notes
    ]
    return result


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_golden(case: Path, update_goldens: bool) -> None:
    expected_path = case.with_name(case.stem + ".expected.json")
    actual = _outcome(case)
    text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
    if update_goldens or not expected_path.exists():
        expected_path.write_text(text, encoding="utf-8")
        if not update_goldens:
            pytest.fail(f"wrote a new expected file {expected_path.name}; review and commit it")
    assert json.loads(expected_path.read_text(encoding="utf-8")) == actual
