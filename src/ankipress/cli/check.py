"""``ankipress check``: everything a build does but writing, every problem reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ankipress.cli.common import (
    SafePath,
    api,
    common_options,
    config_option,
    handle_errors,
    make_options,
    no_lock_option,
    paths_source_option,
    project_file,
    reporting,
)
from ankipress.cli.output import plan_summary, print_for_ci, show_all
from ankipress.errors import InputError

__all__ = ["check"]


@click.command()
@click.argument("paths", nargs=-1, type=SafePath(path_type=Path))
@paths_source_option
@config_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "sarif", "gitlab"]),
    default="text",
    show_default=True,
    help="How to print diagnostics: text, JSON, GitHub Actions annotations (and the step "
    "summary), SARIF 2.1.0 for code scanning, or a GitLab Code Quality report.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when problems are found (a usage error still exits 2).",
)
@no_lock_option
@common_options
@handle_errors
def check(
    paths: tuple[Path, ...],
    source_dir: Path | None,
    config: Path | None,
    output_format: str,
    exit_zero: bool,
    no_lock: bool,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Read, clean and render everything a build would, write nothing, report every problem."""
    report_path: Path | None = kwargs.pop("report")
    quiet: bool = kwargs.pop("quiet")
    options = make_options(**kwargs)
    if report_path is not None:
        reporting.check_report_target(report_path)
    try:
        project = project_file.load_project(Path(), config)
        found = api.check(paths, options, project=project, source_dir=source_dir, lock=not no_lock)
    except InputError as exc:
        # A project or lock file that cannot be read is a problem of the checked repository:
        # reported in the format asked for, so that CI shows it where it shows the others.
        if report_path is not None:
            reporting.write_report(report_path, reporting.report_data([], exc.diagnostics))
        if output_format == "text" or output_format == "json":
            if not exit_zero:
                raise
            show_all(exc.diagnostics, verbose)
            click.echo(f"ankipress: error: {exc}", err=True)
            return
        print_for_ci(output_format, exc.diagnostics, verbose)
        if not exit_zero:
            sys.exit(1)
        return
    plans = list(found.plans)
    if report_path is not None:
        reporting.write_report(report_path, reporting.plans_data(plans))
    if output_format == "json":
        click.echo(json.dumps(reporting.plans_data(plans), indent=2, ensure_ascii=False))
    elif output_format == "text":
        show_all(found.diagnostics, verbose)
        for plan in plans if not quiet else ():
            click.echo(plan_summary(plan, "would write"))
    else:
        print_for_ci(output_format, found.diagnostics, verbose)
    if not found.ok and not exit_zero:
        sys.exit(1)
