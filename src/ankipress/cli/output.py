"""What the commands print: problems, coloured by severity, and a summary line a package."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ankipress import __version__
from ankipress.model import Diagnostic, Severity
from ankipress.ondemand import OnUse

if TYPE_CHECKING:
    from ankipress import ciformats
    from ankipress import report as reporting
    from ankipress.building import pipeline
else:
    ciformats = OnUse("ankipress.ciformats")
    reporting = OnUse("ankipress.report")

__all__ = ["plan_summary", "plural", "print_for_ci", "report_all", "show", "show_all"]


COLOURS = {
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
    Severity.NOTE: "cyan",
}


def show(diagnostic: Diagnostic) -> None:
    text = str(diagnostic)
    label = f": {diagnostic.severity}:"
    head, sep, tail = text.partition(label)
    if sep:
        styled = click.style(label, fg=COLOURS[diagnostic.severity], bold=True)
        text = head + styled + tail
    click.echo(text, err=True)


def show_all(diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.NOTE or verbose:
            show(diagnostic)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: pipeline.PackageReport) -> str:
    if report.skipped:
        return (
            f"up to date {report.plan.output}: its inputs and settings are unchanged "
            "(--force rebuilds it)"
        )
    return plan_summary(report.plan, "wrote", report.diagnostics, report.cards or None)


def plan_summary(
    plan: pipeline.PackagePlan,
    verb: str,
    diagnostics: Sequence[Diagnostic] | None = None,
    cards: int | None = None,
) -> str:
    """One line on a package: its notes, the cards Anki makes of them where that differs (a
    cloze note makes one per number), the cards read, decks, and the count of problems.
    ``cards`` is the package's count of cards; without it, counted from the plan's notes."""
    if diagnostics is None:
        diagnostics = plan.diagnostics
    if cards is None and plan.notes:
        from ankipress.notetypes.cards import card_ords

        cards = sum(len(card_ords(note)) for note in plan.notes)
    decks = ", ".join(f"'{deck}'" for deck in plan.decks)
    deck_label = "deck" if len(plan.decks) == 1 else "decks"
    made = f" ({cards} cards in Anki)" if cards is not None and cards != plan.note_count else ""
    parts = [
        f"{plural(plan.note_count, 'note')}{made} from {plural(plan.cards_read, 'card')} "
        f"in {deck_label} {decks}"
    ]
    if plan.dropped:
        parts.append(f"{plan.dropped} dropped as duplicates")
    if plan.changed:
        parts.append(f"{plan.changed} changed by normalization (--verbose lists them)")
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    if errors:
        parts.append(plural(errors, "error"))
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    parts.append(plural(warnings, "warning"))
    return f"{verb} {plan.output}: " + "; ".join(parts)


def report_all(reports: Sequence[pipeline.PackageReport], verbose: bool, quiet: bool) -> None:
    for report in reports:
        show_all(report.diagnostics, verbose)
        if not quiet:
            click.echo(summary(report))


def print_for_ci(output_format: str, diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    """Print ``diagnostics`` as GitHub annotations, SARIF or GitLab Code Quality JSON."""
    shown = [d for d in diagnostics if d.severity is not Severity.NOTE or verbose]
    root = ciformats.repository_root(Path.cwd())
    if output_format == "sarif":
        log = ciformats.sarif_log(shown, root, __version__)
        click.echo(json.dumps(log, indent=2, ensure_ascii=False))
    elif output_format == "gitlab":
        issues = ciformats.gitlab_report(shown, root)
        click.echo(json.dumps(issues, indent=2, ensure_ascii=False))
    else:
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        for line in ciformats.github_lines(shown, summary=bool(summary)):
            click.echo(line)
        if summary:
            reporting.append_text(Path(summary), ciformats.step_summary(shown), "the step summary")
