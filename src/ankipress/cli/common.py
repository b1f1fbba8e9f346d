"""What the commands share: the options of a build, errors turned into exit codes, a run.

The library modules a command uses are loaded when it runs (``api``, ``pipeline`` ...), so that
``ankipress --help`` and the start of every command cost little.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ankipress import readers
from ankipress.cli.output import report_all, show_all
from ankipress.duplicates import OnDuplicate
from ankipress.errors import AnkipressError, InputError, UsageError
from ankipress.model import NoteKind, Severity
from ankipress.ondemand import OnUse
from ankipress.options import NoteTimes, parse_size
from ankipress.paths import path_problem, shown_path
from ankipress.render import MathMode

if TYPE_CHECKING:
    from ankipress import api, ciformats
    from ankipress import diff as deck_diff
    from ankipress import report as reporting
    from ankipress.building import config as project_file
    from ankipress.building import pipeline
else:
    # What a command runs is loaded when it runs: `ankipress --help` and the start of every
    # command go without readers, writers, genanki or SQLite (tests/test_imports.py).
    api = OnUse("ankipress.api")
    ciformats = OnUse("ankipress.ciformats")
    deck_diff = OnUse("ankipress.diff")
    pipeline = OnUse("ankipress.building.pipeline")
    project_file = OnUse("ankipress.building.config")
    reporting = OnUse("ankipress.report")

__all__ = [
    "UNFINISHED",
    "Progress",
    "SafePath",
    "Terminated",
    "api",
    "ciformats",
    "common_options",
    "config_option",
    "deck_diff",
    "handle_errors",
    "make_options",
    "no_lock_option",
    "note_times_option",
    "paths_source_option",
    "pipeline",
    "project_file",
    "reporting",
    "run_build",
    "timestamp_from_env",
]

F = TypeVar("F", bound=Callable[..., Any])


class SafePath(click.Path):
    """``click.Path`` that first refuses a path no file can have (NUL, too long): exit 2."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str | os.PathLike):
            problem = path_problem(value)
            if problem is not None:
                self.fail(f"{shown_path(value)!r}: {problem}", param, ctx)
        return super().convert(value, param, ctx)


# Said on Ctrl-C and SIGTERM: each file is replaced whole or not at all.
UNFINISHED = "no file was left half-written"


class Terminated(BaseException):
    """SIGTERM, raised where the program is so that cleanup runs (as KeyboardInterrupt)."""


def handle_errors(command: F) -> F:
    """Turn library exceptions into messages and exit codes, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        try:
            return command(*args, **kwargs)
        except UsageError as exc:
            show_all(exc.diagnostics, verbose)
            click.echo(f"ankipress: error: {exc}", err=True)
            sys.exit(2)
        except AnkipressError as exc:
            show_all(exc.diagnostics, verbose)
            # One error and nothing else said: that line is the whole story.
            only = exc.diagnostics[0] if len(exc.diagnostics) == 1 else None
            if only is None or only.severity is not Severity.ERROR:
                click.echo(f"ankipress: error: {exc}", err=True)
            sys.exit(1)
        except click.exceptions.Exit:
            raise
        except KeyboardInterrupt:
            click.echo(f"ankipress: interrupted; {UNFINISHED}", err=True)
            sys.exit(130)
        except Terminated:
            click.echo(f"ankipress: terminated; {UNFINISHED}", err=True)
            sys.exit(128 + signal.SIGTERM)
        except Exception as exc:  # a bug of ours: say so in one line, not a traceback
            if os.environ.get("ANKIPRESS_DEBUG"):
                raise
            click.echo(
                f"ankipress: internal error: {type(exc).__name__}: {exc} "
                "(set ANKIPRESS_DEBUG=1 for a traceback, and please report it)",
                err=True,
            )
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def timestamp_from_env() -> int | None:
    return pipeline.parse_source_date_epoch(os.environ)


def common_options(command: F) -> F:
    options = [
        click.option(
            "--from",
            "input_format",
            type=click.Choice(readers.format_names(), case_sensitive=False),
            help="Input format (default: detected per file).",
        ),
        click.option("--deck", help="Put every note in this deck ('::' for subdecks)."),
        click.option(
            "--tag",
            "tags",
            multiple=True,
            metavar="TAG",
            help="Add this tag to every note (repeatable).",
        ),
        click.option("--markdown", is_flag=True, help="Treat plain-text fields as Markdown."),
        click.option(
            "--template",
            type=SafePath(path_type=Path, file_okay=False),
            help="Folder with your own front.html, back.html and style.css for basic notes.",
        ),
        click.option(
            "--reverse", is_flag=True, help="Make reversed notes: a second card asks back."
        ),
        click.option("--type-answer", is_flag=True, help="Make notes whose answer is typed in."),
        click.option(
            "--math",
            type=click.Choice([mode.value for mode in MathMode]),
            default=MathMode.MATHJAX.value,
            show_default=True,
            help="Formulas as MathJax that Anki renders, SVG rendered now (offline, needs "
            "Node), or left as written.",
        ),
        click.option(
            "--allow-html",
            "--html",
            "allow_html",
            is_flag=True,
            help="Fields hold HTML: rendered, not shown as text (in Markdown: raw HTML kept; "
            "in plain text formats: every field is HTML, as Anki's 'Allow HTML').",
        ),
        click.option(
            "--sanitize",
            is_flag=True,
            help="Remove scripts, frames and event handlers from HTML fields (nh3).",
        ),
        click.option("--encoding", help="Encoding of the inputs (default: UTF-8, or the BOM's)."),
        click.option(
            "--max-source-size",
            metavar="SIZE",
            help="Read text sources up to this size (default 256M; K, M, G or bytes).",
        ),
        click.option(
            "--sep",
            "separator",
            metavar="TEXT",
            help="Field separator (Quizlet, CSV): a character, \\t, or tab/comma/...",
        ),
        click.option(
            "--card-sep",
            "card_separator",
            metavar="TEXT",
            help="Card separator (Quizlet): \\n (default), ;, or any text.",
        ),
        click.option(
            "--columns",
            metavar="NAMES",
            help="Columns of a table, e.g. question,answer,example,tags (other names are fields).",
        ),
        click.option(
            "--on-duplicate",
            type=click.Choice([policy.value for policy in OnDuplicate]),
            default=OnDuplicate.AUTO.value,
            show_default=True,
            help="A question asked twice in a deck: auto (keep each different answer as a "
            "note of its own, drop exact repeats), keep the first, keep the last, or always "
            "an error.",
        ),
        click.option(
            "--report",
            type=SafePath(path_type=Path, dir_okay=False),
            help="Write every change, drop and warning, with its location, to this JSON file.",
        ),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
        click.option(
            "-v", "--verbose", is_flag=True, help="Also list every change normalization made."
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars and no summary lines."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_options(
    input_format: str | None,
    deck: str | None,
    tags: tuple[str, ...],
    markdown: bool,
    allow_html: bool,
    encoding: str | None,
    strict: bool,
    separator: str | None,
    card_separator: str | None,
    columns: str | None,
    on_duplicate: str,
    reverse: bool,
    type_answer: bool,
    template: Path | None,
    math: str,
    sanitize: bool,
    max_source_size: str | None = None,
) -> pipeline.Options:
    if reverse and type_answer:
        raise UsageError("--reverse and --type-answer cannot be used together")
    texts = {
        "--deck": [deck or ""],
        "--tag": list(tags),
        "--encoding": [encoding or ""],
        "--sep": [separator or ""],
        "--card-sep": [card_separator or ""],
        "--columns": [columns or ""],
    }
    for flag, values in texts.items():
        for value in values:
            # Bytes that are not UTF-8 on the command line arrive as lone surrogates.
            if any("\ud800" <= char <= "\udfff" for char in value) or "\x00" in value:
                raise UsageError(f"{flag} {value!r} is not text: not UTF-8, or a NUL")
    kind = NoteKind.REVERSED if reverse else NoteKind.TYPE_ANSWER if type_answer else None
    return pipeline.Options(
        input_format=input_format,
        deck=deck,
        tags=tags,
        strict=strict,
        markdown=markdown,
        allow_html=allow_html,
        encoding=encoding,
        separator=pipeline.parse_separator(separator) if separator is not None else None,
        card_separator=(
            pipeline.parse_separator(card_separator) if card_separator is not None else None
        ),
        columns=tuple(c.strip() for c in columns.split(",")) if columns else None,
        on_duplicate=OnDuplicate(on_duplicate),
        kind=kind,
        template=template,
        math=MathMode(math),
        sanitize=sanitize,
        max_source_bytes=parse_size(max_source_size) if max_source_size is not None else None,
    )


class Progress:
    """A bar per package on a terminal, for decks big enough to wait for."""

    BIG = 2000

    def __init__(self) -> None:
        self._bar: Any = None
        self._package = ""
        self._done = 0

    def __call__(self, package: str, done: int, total: int) -> None:
        if total < self.BIG:
            return
        if package != self._package:
            self.close()
            self._package, self._done = package, 0
            self._bar = click.progressbar(length=total, label=package, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def run_build(
    work: Callable[[pipeline.Options], list[pipeline.PackageReport]],
    kwargs: dict[str, Any],
    verbose: bool,
) -> None:
    """Run a build, print what it says, and write the --report file either way."""
    report_path: Path | None = kwargs.pop("report")
    quiet: bool = kwargs.pop("quiet")
    options = make_options(**kwargs)
    if report_path is not None:
        reporting.check_report_target(report_path)
    progress = Progress() if not quiet and sys.stderr.isatty() else None
    if progress is not None:
        options = dataclasses.replace(options, progress=progress)
    try:
        reports = work(options)
    except InputError as exc:
        if report_path is not None:
            reporting.write_report(report_path, reporting.report_data([], exc.diagnostics))
        raise
    finally:
        if progress is not None:
            progress.close()
    if report_path is not None:
        reporting.write_report(report_path, reporting.report_data(reports))
    report_all(reports, verbose, quiet)


note_times_option = click.option(
    "--note-times",
    type=click.Choice([source.value for source in NoteTimes]),
    help="Each note's time: the commit time of its lines (git, the default; build refuses a "
    "shallow clone), the previous build's or the inputs' time (mtime), or one for all (fixed).",
)
"""The --note-times option of the commands that write packages (build, convert)."""

config_option = click.option(
    "--config",
    type=SafePath(path_type=Path, dir_okay=False),
    help="The project file (default: ankipress.toml, else [tool.ankipress] in pyproject.toml).",
)
"""The --config option of the commands that follow the project file (build, check, pin)."""

no_lock_option = click.option(
    "--no-lock",
    is_flag=True,
    help="Ignore ankipress.lock: ids from deck and question only, and the lock file is not "
    "updated.",
)
"""The --no-lock option of the commands that follow the lock file (build, check, pin, diff)."""

paths_source_option = click.option(
    "--source",
    "source_dir",
    type=SafePath(path_type=Path),
    help="Folder of source cards, when no PATH is given (default: as build).",
)
"""The --source option of the commands that take PATHs or else a source folder (check, pin)."""
