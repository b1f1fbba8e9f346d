"""The commands around a build: ``pin``, ``diff``, ``preview`` and ``formats``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ankipress import readers
from ankipress.cli.common import (
    SafePath,
    api,
    common_options,
    config_option,
    deck_diff,
    handle_errors,
    make_options,
    no_lock_option,
    paths_source_option,
    project_file,
)
from ankipress.cli.output import plural, show_all
from ankipress.errors import InputError

__all__ = ["diff_command", "list_formats", "pin", "preview"]


@click.command()
@click.argument("paths", nargs=-1, type=SafePath(path_type=Path))
@paths_source_option
@config_option
@click.option("--dry-run", is_flag=True, help="Say which files would change; write nothing.")
@no_lock_option
@common_options
@handle_errors
def pin(
    paths: tuple[Path, ...],
    source_dir: Path | None,
    config: Path | None,
    dry_run: bool,
    no_lock: bool,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Write each Markdown card's id into its file as <!-- guid: ... -->, as a build gives it."""
    kwargs.pop("report")
    quiet: bool = kwargs.pop("quiet")
    project = project_file.load_project(Path(), config)
    done = api.pin(
        paths,
        make_options(**kwargs),
        project=project,
        source_dir=source_dir,
        lock=not no_lock,
        write=not dry_run,
    )
    show_all(done.diagnostics, verbose)
    verb = "would pin" if dry_run else "pinned"
    for path, count in done.files if not quiet else ():
        click.echo(f"{verb} {path}: {plural(count, 'card')}")
    if not done.files and not quiet:
        click.echo("nothing to pin: every Markdown card has its id in its file")


@click.command(name="diff")
@click.argument("old", type=SafePath(path_type=Path))
@click.argument("new", type=SafePath(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Text, JSON, or Markdown for release notes.",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when the two differ (as git diff does).")
@click.option(
    "--fail-on",
    metavar="KINDS",
    help="Exit 1, listing them, when NEW would remove notes, re-key notes or change a note "
    "type of OLD: any of removed,guid-changed,notetype-changed.",
)
@no_lock_option
@common_options
@handle_errors
def diff_command(
    old: Path,
    new: Path,
    output_format: str,
    exit_code: bool,
    fail_on: str | None,
    no_lock: bool,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Notes added, removed and changed between two releases (packages, files or folders)."""
    kwargs.pop("report")
    kwargs.pop("quiet")
    guards = deck_diff.parse_fail_on(fail_on) if fail_on is not None else frozenset()
    result = api.diff_decks(old, new, make_options(**kwargs), lock=not no_lock)
    if output_format == "json":
        click.echo(json.dumps(deck_diff.as_data(result), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(deck_diff.as_markdown(result), nl=False)
    else:
        click.echo(deck_diff.as_text(result), nl=False)
    refused = deck_diff.guard(result, guards)
    if refused:
        raise InputError(
            f"{plural(len(refused), 'problem')} the new release would cause in users' "
            f"collections (--fail-on {fail_on})",
            refused,
        )
    if exit_code and not result.empty:
        sys.exit(1)


@click.command()
@click.argument("inputs", nargs=-1, type=SafePath(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=SafePath(path_type=Path, dir_okay=False),
    help="The HTML page to write.",
)
@click.option(
    "--mathjax-url",
    metavar="URL",
    help="Load MathJax 3 (tex-svg.js) from this address to show formulas; without it the "
    "page makes no network request and shows formulas as TeX (or as SVG with --math svg).",
)
@click.option(
    "--config",
    type=SafePath(path_type=Path, dir_okay=False),
    help="The project file, when no INPUT is given.",
)
@common_options
@handle_errors
def preview(
    inputs: tuple[Path, ...],
    output: Path,
    mathjax_url: str | None,
    config: Path | None,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Write one HTML page showing every card, front and back, as Anki will show it."""
    kwargs.pop("report")
    quiet: bool = kwargs.pop("quiet")
    project = project_file.load_project(Path(), config)
    done = api.preview_page(
        inputs, output, make_options(**kwargs), project=project, mathjax_url=mathjax_url
    )
    show_all(done.diagnostics, verbose)
    if not quiet:
        click.echo(f"wrote {output}: {plural(done.cards, 'card')} of {len(done.plans)} package(s)")


@click.command(name="formats")
def list_formats() -> None:
    """List the input formats ankipress reads, with their extensions and options."""
    described: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]] = [
        (r.name, r.extensions, r.description, r.options) for r in readers.READERS
    ] + [(r.name, r.extensions, r.description, r.options) for r in readers.BINARY_READERS]
    for name, extensions_of, description, reader_options in described:
        extensions = ", ".join(extensions_of) or "-"
        click.echo(f"{name:<12} {extensions:<18} {description}")
        if reader_options:
            click.echo(f"{'':<12} {'':<18} options: {' '.join(reader_options)}")
