"""The machine-readable report of a build (``--report FILE.json``)."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ankipress import rules
from ankipress.building.pipeline import PackagePlan, PackageReport
from ankipress.errors import WriteError
from ankipress.model import Diagnostic, Severity, SourceLocation
from ankipress.writers.common import check_target


def diagnostic_record(diagnostic: Diagnostic) -> dict[str, Any]:
    """A diagnostic as a JSON object: where, how bad, what, the fix, and its rule's id."""
    location = diagnostic.location
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "rule": diagnostic.rule.id,
    }


def _counts(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    counted = Counter(d.severity for d in diagnostics)
    return {severity.value: counted.get(severity, 0) for severity in Severity}


def _cards(plan: PackagePlan) -> int:
    """The cards Anki makes of the plan's notes, by Anki's rules (a cloze note makes one per
    deletion number, a reversed one two)."""
    from ankipress.notetypes.cards import card_ords

    return sum(len(card_ords(note)) for note in plan.notes)


def report_data(
    reports: Sequence[PackageReport], failure: Sequence[Diagnostic] | None = None
) -> dict[str, Any]:
    """The report as JSON-ready data: each written package, or why nothing was written."""
    if failure is not None:
        return {
            "ok": False,
            "counts": _counts(failure),
            "diagnostics": [diagnostic_record(d) for d in failure],
            "packages": [],
            "removed": [],
        }
    everything = [d for report in reports for d in report.diagnostics]
    return {
        "ok": True,
        "counts": _counts(everything),
        "diagnostics": [diagnostic_record(d) for d in everything],
        "packages": [
            {
                "output": str(report.plan.output),
                "inputs": [str(path) for path in report.plan.inputs],
                "decks": list(report.plan.decks),
                "cards_read": report.plan.cards_read,
                "notes": report.plan.note_count,
                # The cards Anki makes of them (a cloze note one per number): the package's.
                "cards": report.cards or _cards(report.plan),
                "changed": report.plan.changed,
                "dropped": report.plan.dropped,
                "timestamp": report.timestamp,
                "counts": _counts(report.diagnostics),
            }
            for report in reports
        ],
        # Notes the lock file records as gone from the sources: Anki never deletes on import.
        "removed": [
            {
                "guid": record.guid,
                "deck": record.deck,
                "question": record.question,
                "file": record.file,
                "this_build": now,
            }
            for report in reports
            for record, now in report.removed
        ],
    }


def plans_data(plans: Sequence[PackagePlan]) -> dict[str, Any]:
    """What ``check --format json`` prints: every package that would be built, and why not."""
    everything = [d for plan in plans for d in plan.diagnostics]
    return {
        "ok": not any(d.severity is Severity.ERROR for d in everything),
        "counts": _counts(everything),
        "diagnostics": [diagnostic_record(d) for d in everything],
        "packages": [
            {
                "output": str(plan.output),
                "inputs": [str(path) for path in plan.inputs],
                "decks": list(plan.decks),
                "cards_read": plan.cards_read,
                "notes": plan.note_count,
                "cards": _cards(plan),
                "changed": plan.changed,
                "dropped": plan.dropped,
                "counts": _counts(plan.diagnostics),
            }
            for plan in plans
        ],
    }


def check_report_target(path: Path) -> None:
    """Raise :class:`WriteError` when the report could not be written at ``path`` at all.

    Checked before a build, so that a report under a file (``afile/r.json``) or over a
    device stops the build before any package is written.
    """
    problem = None
    try:
        check_target(path)
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            problem = f"{folder} is a file, not a folder"
    except OSError as exc:
        problem = exc.strerror or str(exc)
    if problem is not None:
        message = f"cannot write the report: {problem}"
        where = SourceLocation(str(path))
        diagnostic = Diagnostic(where, Severity.ERROR, message, rule=rules.WRITE_FAILED)
        raise WriteError(str(diagnostic), [diagnostic])


def write_report(path: Path, data: dict[str, Any]) -> None:
    """Write the report as JSON, atomically."""
    temporary: str | None = None
    try:
        check_target(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        diagnostic = Diagnostic(
            SourceLocation(str(path)),
            Severity.ERROR,
            f"cannot write the report: {exc.strerror or exc}",
            rule=rules.WRITE_FAILED,
        )
        raise WriteError(str(diagnostic), [diagnostic]) from None


def append_text(path: Path, text: str, what: str) -> None:
    """Add ``text`` at the end of ``path`` (a file CI gathers, such as the step summary)."""
    try:
        with path.open("a", encoding="utf-8", errors="replace") as stream:
            stream.write(text)
    except OSError as exc:
        diagnostic = Diagnostic(
            SourceLocation(str(path)),
            Severity.ERROR,
            f"cannot write {what}: {exc.strerror or exc}",
            rule=rules.WRITE_FAILED,
        )
        raise WriteError(str(diagnostic), [diagnostic]) from None
