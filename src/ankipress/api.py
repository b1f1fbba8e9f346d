"""Each command of the ``ankipress`` CLI as one function, for scripts and pipelines.

``ankipress check`` is :func:`check`, ``build`` :func:`build`, ``convert`` :func:`convert`,
``diff`` :func:`diff_decks`, ``preview`` :func:`preview_page`, ``pin`` :func:`pin` (``diff``
and ``preview`` are taken by the modules :mod:`ankipress.diff` and :mod:`ankipress.preview`).
The CLI calls these, so the two never differ. Each returns a report (a frozen dataclass)
and never prints or exits; a failure raises :class:`~ankipress.errors.AnkipressError`
(``InputError``, ``WriteError``, ``UsageError``) carrying every diagnostic.

The project file (``ankipress.toml``, or ``[tool.ankipress]`` in ``pyproject.toml``) is
read as the CLI reads it: pass ``project=load_project(root)``; without, the one in the
current folder, if any. The CLI's options are :class:`~ankipress.options.Options` fields;
what an option sets on the command line wins over the project file, as in the CLI.
Environment variables are never read here: pass ``timestamp`` for ``SOURCE_DATE_EPOCH``
(:func:`~ankipress.options.parse_source_date_epoch` reads it as the CLI does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankipress.building import lock, pipeline
from ankipress.building.config import Project, load_project
from ankipress.building.discover import PackageSource
from ankipress.building.pin import Pinned
from ankipress.building.plan import PackagePlan
from ankipress.diff import DeckDiff
from ankipress.errors import InputError
from ankipress.model import Diagnostic, Severity
from ankipress.options import Options

__all__ = [
    "CheckReport",
    "PreviewReport",
    "build",
    "check",
    "convert",
    "convert_each",
    "diff_decks",
    "pin",
    "preview_page",
    "with_project",
]

convert = pipeline.convert
convert_each = pipeline.convert_each


def _blocking(strict: bool) -> set[Severity]:
    return {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: the packages a build would write, and every diagnostic."""

    plans: tuple[PackagePlan, ...]
    """One per package, read, cleaned and rendered; nothing written."""
    strict: bool = False
    """Warnings count as failures (``--strict``, or the project file's ``strict``)."""

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic of every package, in order."""
        return tuple(d for plan in self.plans for d in plan.diagnostics)

    @property
    def errors(self) -> int:
        """How many errors were found."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many warnings were found."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when a build would succeed: no error (with :attr:`strict`, no warning)."""
        blocking = _blocking(self.strict)
        return not any(d.severity in blocking for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class PreviewReport:
    """The preview page written: where, which packages, how many cards."""

    output: Path
    plans: tuple[PackagePlan, ...]
    cards: int
    """How many cards the page shows (front and back each)."""

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The warnings and notes of the packages shown (a preview has no errors)."""
        return tuple(d for plan in self.plans for d in plan.diagnostics)


def _over(given: Options, base: Options) -> Options:
    """``base`` (a project file's settings) with what ``given`` sets on top."""
    default = Options()
    changes = {
        name: getattr(given, name)
        for name in (f.name for f in dataclasses.fields(given))
        if getattr(given, name) != getattr(default, name)
    }
    return dataclasses.replace(base, **changes)


def with_project(given: Options, project: Project) -> tuple[Options, list[PackageSource]]:
    """The project file's settings with ``given`` on top: the build's, and each package's.

    An option counts as given when it differs from its default, as on the command line.
    """
    merged = _over(given, project.defaults)
    packages = [
        dataclasses.replace(package, options=_over(given, package.options or merged))
        for package in project.packages
    ]
    return merged, packages


def _project(project: Project | None) -> Project:
    return project if project is not None else load_project(Path())


def _plans(
    paths: Sequence[Path],
    options: Options | None,
    project: Project | None,
    source_dir: Path | None,
    use_lock: bool,
) -> tuple[list[PackagePlan], Options]:
    found = _project(project)
    merged, packages = with_project(options or Options(), found)
    source = source_dir or found.source
    plans = pipeline.check(
        [Path(path) for path in paths],
        source,
        found.out,
        merged,
        packages if source_dir is None else None,
        lock.lock_path(found.path, source) if use_lock else None,
    )
    return plans, merged


def check(
    paths: Sequence[Path] = (),
    options: Options | None = None,
    *,
    project: Project | None = None,
    source_dir: Path | None = None,
    lock: bool = True,
) -> CheckReport:
    """Read, clean and render everything a build would, write nothing, report every problem.

    ``paths``: files or folders, one package each; without, the project's packages (or one
    per file or folder of ``source_dir``, default the project's ``source``). ``lock``: give
    the GUIDs the lock file keeps (``False`` is ``--no-lock``).
    """
    plans, merged = _plans(paths, options, project, source_dir, lock)
    return CheckReport(tuple(plans), merged.strict)


def build(
    source_dir: Path | None = None,
    out_dir: Path | None = None,
    options: Options | None = None,
    *,
    project: Project | None = None,
    force: bool = False,
    lock: bool = True,
    timestamp: int | None = None,
) -> list[pipeline.PackageReport]:
    """Build one package per file or folder of the source folder, or as the project file says.

    Writes the packages, ``manifest.json`` and the lock file (unless ``lock=False``) into
    ``out_dir`` (default the project's ``out``); a package that is up to date is left as it
    is unless ``force``. One report per package; an input error writes nothing.
    """
    from ankipress.building import lock as lock_file

    found = _project(project)
    merged, packages = with_project(options or Options(), found)
    source = source_dir or found.source
    return pipeline.build(
        source,
        out_dir or found.out,
        merged,
        timestamp,
        force,
        packages if packages and source_dir is None else None,
        lock_file.lock_path(found.path, source) if lock else None,
    )


def diff_decks(
    old: Path,
    new: Path,
    options: Options | None = None,
    *,
    project: Project | None = None,
    lock: bool = True,
) -> DeckDiff:
    """Notes added, removed and changed between two releases (packages, files or folders).

    Each side is read as a build reads it; a side with errors raises :class:`InputError`.
    A side that is source text takes the GUIDs the project's lock file (``ankipress.lock``)
    gives its notes, as a build would, so a question edited since the last build is a
    change, not a re-keyed note; ``lock=False`` (``--no-lock``) ignores the lock file. The
    lock file is only read.
    """
    from ankipress import readers
    from ankipress.building import lock as lock_file
    from ankipress.building.discover import InputFile
    from ankipress.diff import diff_notes

    options = options or Options()
    sides = []
    for path in (Path(old), Path(new)):
        inputs = pipeline.expand_inputs([path])
        plan = pipeline.plan_package(inputs, Path("diff.apkg"), options)
        if plan.errors:
            raise InputError(f"cannot compare {path}: it has errors", plan.diagnostics)
        packaged = any(readers.binary_reader_for(p, options.input_format) for p in inputs)
        if lock and not packaged:
            found = _project(project)
            lock_at = lock_file.lock_path(found.path, found.source)
            if lock_at.is_file():
                files = [InputFile(p) for p in inputs]
                plan = pipeline.lock_guids([plan], [files], lock_at, partial=True)[0]
        sides.append(plan)
    return diff_notes(
        sides[0].notes,
        sides[1].notes,
        [name for name, _ in sides[0].media],
        [name for name, _ in sides[1].media],
        sides[0].template,
        sides[1].template,
    )


def preview_page(
    inputs: Sequence[Path],
    output: Path,
    options: Options | None = None,
    *,
    project: Project | None = None,
    mathjax_url: str | None = None,
) -> PreviewReport:
    """Write one HTML page showing every card, front and back, as Anki will show it.

    ``inputs``: files or folders shown as one package; empty: the project's packages.
    Raises :class:`InputError` (no page written) when they hold errors (with ``strict``,
    warnings too).
    """
    from ankipress.notetypes.cards import card_ords
    from ankipress.preview import write_preview

    found = _project(project)
    merged, packages = with_project(options or Options(), found)
    if inputs:
        given = [Path(path) for path in inputs]
        plans = [pipeline.plan_package(pipeline.expand_inputs(given), Path(output), merged)]
    else:
        plans = pipeline.check([], found.source, found.out, merged, packages or None)
    diagnostics = [d for plan in plans for d in plan.diagnostics]
    blocking = _blocking(merged.strict)
    count = sum(1 for d in diagnostics if d.severity in blocking)
    if count:
        raise InputError(f"{count} problem(s); no preview was written", diagnostics)
    write_preview(plans, Path(output), mathjax_url=mathjax_url)
    cards = sum(len(card_ords(note)) for plan in plans for note in plan.notes)
    return PreviewReport(Path(output), tuple(plans), cards)


def pin(
    paths: Sequence[Path] = (),
    options: Options | None = None,
    *,
    project: Project | None = None,
    source_dir: Path | None = None,
    lock: bool = True,
    write: bool = True,
) -> Pinned:
    """Write each Markdown card's id into its file as ``<!-- guid: ... -->``, as a build
    gives it. ``write=False`` says what would change (``--dry-run``)."""
    from ankipress.building.pin import pin as pin_plans

    plans, _ = _plans(paths, options, project, source_dir, lock)
    return pin_plans(plans, write=write)
