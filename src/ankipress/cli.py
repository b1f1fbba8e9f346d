"""The ``ankipress`` command: a thin layer over :mod:`ankipress.building.pipeline`.

The only module that prints or exits. Exit codes: 0 success, 1 bad input or a failed
write (nothing written), 2 a usage error, 130 and 143 interrupted by SIGINT or SIGTERM
(no file half-written), 70 a bug of ours (one line, no traceback).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ankipress import __version__, readers
from ankipress.errors import AnkipressError, InputError, UsageError
from ankipress.model import Diagnostic, NoteKind, Severity
from ankipress.normalize import OnDuplicate
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

F = TypeVar("F", bound=Callable[..., Any])


class _SafePath(click.Path):
    """``click.Path`` that first refuses a path no file can have (NUL, too long): exit 2."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str | os.PathLike):
            problem = path_problem(value)
            if problem is not None:
                self.fail(f"{shown_path(value)!r}: {problem}", param, ctx)
        return super().convert(value, param, ctx)


# Said on Ctrl-C and SIGTERM: each file is replaced whole or not at all.
_UNFINISHED = "no file was left half-written"


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that cleanup runs (as KeyboardInterrupt)."""


_COLOURS = {
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
    Severity.NOTE: "cyan",
}


def _show(diagnostic: Diagnostic) -> None:
    text = str(diagnostic)
    label = f": {diagnostic.severity}:"
    head, sep, tail = text.partition(label)
    if sep:
        styled = click.style(label, fg=_COLOURS[diagnostic.severity], bold=True)
        text = head + styled + tail
    click.echo(text, err=True)


def _show_all(diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
    for diagnostic in diagnostics:
        if diagnostic.severity is not Severity.NOTE or verbose:
            _show(diagnostic)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(report: pipeline.PackageReport) -> str:
    if report.skipped:
        return (
            f"up to date {report.plan.output}: its inputs and settings are unchanged "
            "(--force rebuilds it)"
        )
    return _plan_summary(report.plan, "wrote", report.diagnostics)


def _plan_summary(
    plan: pipeline.PackagePlan, verb: str, diagnostics: Sequence[Diagnostic] | None = None
) -> str:
    if diagnostics is None:
        diagnostics = plan.diagnostics
    decks = ", ".join(f"'{deck}'" for deck in plan.decks)
    deck_label = "deck" if len(plan.decks) == 1 else "decks"
    parts = [
        f"{_plural(plan.note_count, 'note')} from {_plural(plan.cards_read, 'card')} "
        f"in {deck_label} {decks}"
    ]
    if plan.dropped:
        parts.append(f"{plan.dropped} dropped as duplicates")
    if plan.changed:
        parts.append(f"{plan.changed} changed by normalization (--verbose lists them)")
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    if errors:
        parts.append(_plural(errors, "error"))
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    parts.append(_plural(warnings, "warning"))
    return f"{verb} {plan.output}: " + "; ".join(parts)


def _handle_errors(command: F) -> F:
    """Turn library exceptions into messages and exit codes, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        try:
            return command(*args, **kwargs)
        except UsageError as exc:
            _show_all(exc.diagnostics, verbose)
            click.echo(f"ankipress: error: {exc}", err=True)
            sys.exit(2)
        except AnkipressError as exc:
            _show_all(exc.diagnostics, verbose)
            # One error and nothing else said: that line is the whole story.
            only = exc.diagnostics[0] if len(exc.diagnostics) == 1 else None
            if only is None or only.severity is not Severity.ERROR:
                click.echo(f"ankipress: error: {exc}", err=True)
            sys.exit(1)
        except click.exceptions.Exit:
            raise
        except KeyboardInterrupt:
            click.echo(f"ankipress: interrupted; {_UNFINISHED}", err=True)
            sys.exit(130)
        except _Terminated:
            click.echo(f"ankipress: terminated; {_UNFINISHED}", err=True)
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


def _timestamp() -> int | None:
    return pipeline.parse_source_date_epoch(os.environ)


def _common(command: F) -> F:
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
            type=_SafePath(path_type=Path, file_okay=False),
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
            type=_SafePath(path_type=Path, dir_okay=False),
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


def _options(
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


class _Progress:
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


def _run(
    work: Callable[[pipeline.Options], list[pipeline.PackageReport]],
    kwargs: dict[str, Any],
    verbose: bool,
) -> None:
    """Run a build, print what it says, and write the --report file either way."""
    report_path: Path | None = kwargs.pop("report")
    quiet: bool = kwargs.pop("quiet")
    options = _options(**kwargs)
    if report_path is not None:
        reporting.check_report_target(report_path)
    progress = _Progress() if not quiet and sys.stderr.isatty() else None
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
    _report(reports, verbose, quiet)


def _report(reports: Sequence[pipeline.PackageReport], verbose: bool, quiet: bool) -> None:
    for report in reports:
        _show_all(report.diagnostics, verbose)
        if not quiet:
            click.echo(_summary(report))


_note_times_option = click.option(
    "--note-times",
    type=click.Choice([source.value for source in NoteTimes]),
    help="Each note's time: the commit time of its lines (git, the default; build refuses a "
    "shallow clone), the previous build's or the inputs' time (mtime), or one for all (fixed).",
)
"""The --note-times option of the commands that write packages (build, convert)."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ankipress")
def cli() -> None:
    """Turn flashcard text into Anki decks (.apkg)."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=_SafePath(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=_SafePath(path_type=Path),
    help="The file to write: a package (.apkg) or a text deck (.md, .txt, .csv).",
)
@click.option(
    "--out-dir",
    type=_SafePath(path_type=Path, file_okay=False),
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
    type=_SafePath(path_type=Path, file_okay=False),
    help="Where a text output puts media files (default: <output>.media/ beside it).",
)
@click.option(
    "--keep-formulas",
    is_flag=True,
    help="CSV output: write cells starting with = + - @ as they are, not escaped with ' "
    "(a spreadsheet runs them as formulas).",
)
@_note_times_option
@_common
@_handle_errors
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
    timestamp = _timestamp()

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

    _run(work, kwargs, verbose)


_config_option = click.option(
    "--config",
    type=_SafePath(path_type=Path, dir_okay=False),
    help="The project file (default: ankipress.toml, else [tool.ankipress] in pyproject.toml).",
)
"""The --config option of the commands that follow the project file (build, check, pin)."""

_NO_LOCK = (
    "Ignore ankipress.lock: ids from deck and question only, and the lock file is not updated."
)


@cli.command()
@click.option(
    "--source",
    "source_dir",
    type=_SafePath(path_type=Path),
    help="Folder of source card files (default: the project file's, else source_cards).",
)
@click.option(
    "--out",
    "out_dir",
    type=_SafePath(path_type=Path),
    help="Folder the packages are written to (default: the project file's, else build).",
)
@_config_option
@click.option("--force", is_flag=True, help="Rebuild packages that are up to date too.")
@click.option("--no-lock", is_flag=True, help=_NO_LOCK)
@_note_times_option
@_common
@_handle_errors
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
    timestamp = _timestamp()
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

    _run(work, kwargs, verbose)


@cli.command()
@click.argument("paths", nargs=-1, type=_SafePath(path_type=Path))
@click.option(
    "--source",
    "source_dir",
    type=_SafePath(path_type=Path),
    help="Folder of source cards, when no PATH is given (default: as build).",
)
@_config_option
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
@click.option("--no-lock", is_flag=True, help=_NO_LOCK)
@_common
@_handle_errors
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
    options = _options(**kwargs)
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
            _show_all(exc.diagnostics, verbose)
            click.echo(f"ankipress: error: {exc}", err=True)
            return
        _print_for_ci(output_format, exc.diagnostics, verbose)
        if not exit_zero:
            sys.exit(1)
        return
    plans = list(found.plans)
    if report_path is not None:
        reporting.write_report(report_path, reporting.plans_data(plans))
    if output_format == "json":
        click.echo(json.dumps(reporting.plans_data(plans), indent=2, ensure_ascii=False))
    elif output_format == "text":
        _show_all(found.diagnostics, verbose)
        for plan in plans if not quiet else ():
            click.echo(_plan_summary(plan, "would write"))
    else:
        _print_for_ci(output_format, found.diagnostics, verbose)
    if not found.ok and not exit_zero:
        sys.exit(1)


def _print_for_ci(output_format: str, diagnostics: Sequence[Diagnostic], verbose: bool) -> None:
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


@cli.command()
@click.argument("paths", nargs=-1, type=_SafePath(path_type=Path))
@click.option(
    "--source",
    "source_dir",
    type=_SafePath(path_type=Path),
    help="Folder of source cards, when no PATH is given (default: as build).",
)
@_config_option
@click.option("--dry-run", is_flag=True, help="Say which files would change; write nothing.")
@click.option("--no-lock", is_flag=True, help=_NO_LOCK)
@_common
@_handle_errors
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
        _options(**kwargs),
        project=project,
        source_dir=source_dir,
        lock=not no_lock,
        write=not dry_run,
    )
    _show_all(done.diagnostics, verbose)
    verb = "would pin" if dry_run else "pinned"
    for path, count in done.files if not quiet else ():
        click.echo(f"{verb} {path}: {_plural(count, 'card')}")
    if not done.files and not quiet:
        click.echo("nothing to pin: every Markdown card has its id in its file")


@cli.command(name="diff")
@click.argument("old", type=_SafePath(path_type=Path))
@click.argument("new", type=_SafePath(path_type=Path))
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
@_common
@_handle_errors
def diff_command(
    old: Path,
    new: Path,
    output_format: str,
    exit_code: bool,
    fail_on: str | None,
    verbose: bool,
    **kwargs: Any,
) -> None:
    """Notes added, removed and changed between two releases (packages, files or folders)."""
    kwargs.pop("report")
    kwargs.pop("quiet")
    guards = deck_diff.parse_fail_on(fail_on) if fail_on is not None else frozenset()
    result = api.diff_decks(old, new, _options(**kwargs))
    if output_format == "json":
        click.echo(json.dumps(deck_diff.as_data(result), indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        click.echo(deck_diff.as_markdown(result), nl=False)
    else:
        click.echo(deck_diff.as_text(result), nl=False)
    refused = deck_diff.guard(result, guards)
    if refused:
        raise InputError(
            f"{_plural(len(refused), 'problem')} the new release would cause in users' "
            f"collections (--fail-on {fail_on})",
            refused,
        )
    if exit_code and not result.empty:
        sys.exit(1)


@cli.command()
@click.argument("inputs", nargs=-1, type=_SafePath(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=_SafePath(path_type=Path, dir_okay=False),
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
    type=_SafePath(path_type=Path, dir_okay=False),
    help="The project file, when no INPUT is given.",
)
@_common
@_handle_errors
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
        inputs, output, _options(**kwargs), project=project, mathjax_url=mathjax_url
    )
    _show_all(done.diagnostics, verbose)
    if not quiet:
        click.echo(f"wrote {output}: {_plural(done.cards, 'card')} of {len(done.plans)} package(s)")


@cli.command(name="formats")
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


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def main() -> None:
    """Entry point of the console script."""
    # SIGTERM (what CI runners and service managers send) unwinds like Ctrl-C: every
    # temporary file is removed on the way out, and the exit code is 128 + 15, as a shell's.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="ankipress")
    except _Terminated:  # before or after a command ran
        click.echo(f"ankipress: terminated; {_UNFINISHED}", err=True)
        sys.exit(128 + signal.SIGTERM)
