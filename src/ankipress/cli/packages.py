"""``ankipress convert`` and ``ankipress build``: the commands that write packages."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from ankipress.cli.common import (
    SafePath,
    api,
    common_options,
    config_option,
    handle_errors,
    no_lock_option,
    note_times_option,
    pipeline,
    project_file,
    run_build,
    timestamp_from_env,
)
from ankipress.errors import UsageError
from ankipress.options import NoteTimes

__all__ = ["build", "convert"]


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=SafePath(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=SafePath(path_type=Path),
    help="The file to write: a package (.apkg) or a text deck (.md, .txt, .csv).",
)
@click.option(
    "--out-dir",
    type=SafePath(path_type=Path, file_okay=False),
    help="Convert each input on its own into this folder, instead of one -o file.",
)
@click.option(
    "--to",
    metavar="FORMAT",
    help=(
        "The output format when the extension does not say (apkg, markdown, ankitext, csv, "
        "crowdanki: a folder)."
    ),
)
@click.option(
    "--media-dir",
    type=SafePath(path_type=Path, file_okay=False),
    help="Where a text output puts media files (default: <output>.media/ beside it).",
)
@click.option(
    "--keep-formulas",
    is_flag=True,
    help="CSV output: write cells starting with = + - @ as they are, not escaped with ' "
    "(a spreadsheet runs them as formulas).",
)
@note_times_option
@common_options
@handle_errors
def convert(
    inputs: tuple[Path, ...],
    output: Path | None,
    out_dir: Path | None,
    to: str | None,
    media_dir: Path | None,
    keep_formulas: bool,
    note_times: str | None,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Convert flashcard files into one Anki package, or decks back into text."""
    if (output is None) == (out_dir is None):
        raise UsageError("give either -o FILE (one output) or --out-dir DIR (one per input)")
    timestamp = timestamp_from_env()

    def work(options: pipeline.Options) -> list[pipeline.PackageReport]:
        options = dataclasses.replace(
            options, to=to, media_dir=media_dir, keep_formulas=keep_formulas
        )
        if note_times is not None:
            options = dataclasses.replace(options, note_times=NoteTimes(note_times))
        if out_dir is not None:
            return pipeline.convert_each(list(inputs), out_dir, options, timestamp)
        assert output is not None
        return [pipeline.convert(list(inputs), output, options, timestamp, keep_notes=False)]

    run_build(work, kwargs, verbose)


@click.command()
@click.option(
    "--source",
    "source_dir",
    type=SafePath(path_type=Path),
    help="Folder of source card files (default: the project file's, else source_cards).",
)
@click.option(
    "--out",
    "out_dir",
    type=SafePath(path_type=Path),
    help="Folder the packages are written to (default: the project file's, else build).",
)
@config_option
@click.option("--force", is_flag=True, help="Rebuild packages that are up to date too.")
@no_lock_option
@note_times_option
@common_options
@handle_errors
def build(
    source_dir: Path | None,
    out_dir: Path | None,
    config: Path | None,
    force: bool,
    no_lock: bool,
    note_times: str | None,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Build one package per file or folder of the source folder, or as the project file says."""
    timestamp = timestamp_from_env()
    project = project_file.load_project(Path(), config)

    def work(options: pipeline.Options) -> list[pipeline.PackageReport]:
        if note_times is not None:
            options = dataclasses.replace(options, note_times=NoteTimes(note_times))
        return api.build(
            source_dir,
            out_dir,
            options,
            project=project,
            force=force,
            lock=not no_lock,
            timestamp=timestamp,
        )

    run_build(work, kwargs, verbose)
