"""Diagnostics in the shapes CI systems read: SARIF, GitLab Code Quality, GitHub annotations.

Each function turns diagnostics into text or JSON-ready data and returns it; nothing here
prints or writes (the CLI does). Every result carries its rule (:mod:`ankipress.rules`),
whose id never changes, and a path relative to the repository's root, as code scanning
and merge request widgets expect.

- SARIF 2.1.0 (GitHub code scanning, Azure DevOps, IDE viewers): :func:`sarif_log`.
- GitLab Code Quality (the merge request widget): :func:`gitlab_report`.
- GitHub Actions workflow commands: :func:`github_lines` keeps to the 10 annotations of
  each kind that GitHub shows per step; :func:`step_summary` is the full table for
  ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ankipress.model import Diagnostic, Severity
from ankipress.rules import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""The address SARIF files name as their ``$schema`` (SchemaStore's copy of OASIS's)."""

GITHUB_LIMIT = 10
"""Annotations of one kind (error, warning, notice) GitHub shows for one step."""

STEP_SUMMARY_LIMIT = 512 * 1024
"""Bytes of Markdown at most: GitHub takes 1 MiB per step summary, shared with other tools."""

_SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.NOTE: "note",
}
_GITLAB_SEVERITIES = {
    Severity.ERROR: "major",
    Severity.WARNING: "minor",
    Severity.INFO: "info",
    Severity.NOTE: "info",
}
_GITHUB_KINDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.NOTE: "notice",
}


def repository_root(start: Path) -> Path:
    """The folder holding ``.git`` at or above ``start``; ``start`` itself outside any."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def relative_path(path: str, root: Path) -> str | None:
    """``path`` relative to ``root`` with ``/`` separators; ``None`` when outside it."""
    try:
        relative = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive
        return None
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        return None
    return PurePosixPath(*Path(relative).parts).as_posix()


def _text(diagnostic: Diagnostic) -> str:
    return diagnostic.message + (f"; {diagnostic.hint}" if diagnostic.hint else "")


def _fingerprints(diagnostics: Sequence[Diagnostic], paths: Sequence[str]) -> list[str]:
    """A stable hash per diagnostic: rule, file and message, with a count for repeats.

    No line number goes in, so a problem keeps its fingerprint when lines are added above
    it; two equal problems in one file are told apart by their order.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    prints = []
    for diagnostic, path in zip(diagnostics, paths, strict=True):
        key = (diagnostic.rule.id, path, _text(diagnostic))
        seen[key] += 1
        data = "\0".join((*key, str(seen[key])))
        prints.append(hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest())
    return prints


def sarif_log(diagnostics: Sequence[Diagnostic], root: Path, version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: one result per diagnostic, with the rules they use.

    A path inside ``root`` is written relative to it (``uriBaseId`` ``SRCROOT``, which
    ``originalUriBaseIds`` maps to ``root``); one outside it as an absolute ``file:`` URI.
    A diagnostic about a whole file is placed on its line 1 (code scanning needs a line).
    """
    root = root.absolute()
    used: dict[str, Rule] = {}
    for diagnostic in diagnostics:
        used.setdefault(diagnostic.rule.id, diagnostic.rule)
    rules = sorted(used.values(), key=lambda rule: rule.id)
    index = {rule.id: number for number, rule in enumerate(rules)}
    paths = [relative_path(d.location.path, root) for d in diagnostics]
    shown = [path or d.location.path for path, d in zip(paths, diagnostics, strict=True)]
    prints = _fingerprints(diagnostics, shown)
    results = []
    for diagnostic, path, fingerprint in zip(diagnostics, paths, prints, strict=True):
        location = diagnostic.location
        artifact: dict[str, Any]
        if path is not None:
            artifact = {"uri": quote(path), "uriBaseId": "SRCROOT"}
        else:
            artifact = {"uri": Path(os.path.abspath(location.path)).as_uri()}
        region: dict[str, Any] = {"startLine": location.line or 1}
        if location.line is not None and location.column is not None:
            region["startColumn"] = location.column
        results.append(
            {
                "ruleId": diagnostic.rule.id,
                "ruleIndex": index[diagnostic.rule.id],
                "level": _SARIF_LEVELS[diagnostic.severity],
                "message": {"text": _text(diagnostic)},
                "locations": [
                    {"physicalLocation": {"artifactLocation": artifact, "region": region}}
                ],
                "partialFingerprints": {"ankipress/v1": fingerprint},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ankipress",
                        "version": version,
                        "rules": [
                            {
                                "id": rule.id,
                                "name": rule.name,
                                "shortDescription": {"text": rule.summary},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": root.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def gitlab_report(diagnostics: Sequence[Diagnostic], root: Path) -> list[dict[str, Any]]:
    """GitLab's Code Quality report: one issue per diagnostic, paths from the repository root.

    A diagnostic about a whole file is placed on its line 1 (GitLab needs a line).
    """
    root = root.absolute()
    paths = [relative_path(d.location.path, root) or d.location.path for d in diagnostics]
    return [
        {
            "description": _text(diagnostic),
            "check_name": str(diagnostic.rule),
            "fingerprint": fingerprint,
            "severity": _GITLAB_SEVERITIES[diagnostic.severity],
            "location": {"path": path, "lines": {"begin": diagnostic.location.line or 1}},
        }
        for diagnostic, path, fingerprint in zip(
            diagnostics, paths, _fingerprints(diagnostics, paths), strict=True
        )
    ]


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command, so the problem shows on the pull request's line."""
    location = diagnostic.location
    properties = [f"file={_escape_property(location.path)}"]
    if location.line is not None:
        properties.append(f"line={location.line}")
    if location.column is not None:
        properties.append(f"col={location.column}")
    kind = _GITHUB_KINDS[diagnostic.severity]
    return f"::{kind} {','.join(properties)}::{_escape_data(_text(diagnostic))}"


def github_lines(diagnostics: Sequence[Diagnostic], summary: bool) -> list[str]:
    """Annotations for the first :data:`GITHUB_LIMIT` diagnostics of each kind, then a line
    saying how many more there are and where they are listed (``summary``: in the step
    summary)."""
    shown: Counter[str] = Counter()
    more: Counter[str] = Counter()
    lines = []
    for diagnostic in diagnostics:
        kind = _GITHUB_KINDS[diagnostic.severity]
        if shown[kind] < GITHUB_LIMIT:
            shown[kind] += 1
            lines.append(github_annotation(diagnostic))
        else:
            more[kind] += 1
    if more:
        counted = " and ".join(
            f"{more[kind]} more {kind}{'' if more[kind] == 1 else 's'}"
            for kind in ("error", "warning", "notice")
            if more[kind]
        )
        where = (
            "the step summary lists every problem"
            if summary
            else "ankipress check without --format github lists every problem"
        )
        lines.append(
            f"ankipress: {counted} not shown as annotations "
            f"(GitHub shows {GITHUB_LIMIT} of each kind per step); {where}"
        )
    return lines


def _cell(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, ``|`` escaped, lines joined by <br>."""
    escaped = html.escape(text, quote=False).replace("|", "\\|")
    return "<br>".join(escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def step_summary(diagnostics: Sequence[Diagnostic], title: str = "ankipress check") -> str:
    """Every diagnostic as a Markdown table, for ``$GITHUB_STEP_SUMMARY``.

    Kept under :data:`STEP_SUMMARY_LIMIT` bytes: past it, a last line says how many rows
    were left out.
    """
    counts = Counter(d.severity for d in diagnostics)
    said = [
        _plural(counts[severity], str(severity))
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO, Severity.NOTE)
        if counts[severity]
    ]
    head = f"### {_cell(title)}: {', '.join(said) if said else 'no problems'}"
    if not diagnostics:
        return head + "\n"
    lines = [head, "", "| severity | where | rule | problem |", "| --- | --- | --- | --- |"]
    size = sum(len(line.encode("utf-8")) + 1 for line in lines)
    for number, diagnostic in enumerate(diagnostics):
        row = (
            f"| {diagnostic.severity} | {_cell(str(diagnostic.location))} | "
            f"{_cell(str(diagnostic.rule))} | {_cell(_text(diagnostic))} |"
        )
        size += len(row.encode("utf-8", "surrogateescape")) + 1
        if size > STEP_SUMMARY_LIMIT:
            left = len(diagnostics) - number
            lines.append("")
            lines.append(f"{_plural(left, 'more problem')} not listed (the summary is full).")
            break
        lines.append(row)
    return "\n".join(lines) + "\n"
