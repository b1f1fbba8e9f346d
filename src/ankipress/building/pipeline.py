"""read → normalize → render → write, for one package or a folder of them.

Planning (reading, cleaning, rendering) is :mod:`ankipress.building.plan`; this module writes plans
and runs the commands: convert, build (incremental), check. Nothing here prints or exits:
results and problems come back as values, failures as
:class:`~ankipress.errors.AnkipressError` carrying every diagnostic.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ankipress import notetypes, rules
from ankipress.building.discover import (
    InputFile,
    PackageSource,
    discover_packages,
    expand_input_files,
    expand_inputs,
    media_stamp,
    package_of,
    skipped_output,
)
from ankipress.building.notetimes import (
    assign_times,
    content_hash,
    git_line_times,
    shallow_history,
)
from ankipress.building.plan import (
    Gathered,
    OnePass,
    PackagePlan,
    RenderStream,
    TextPlan,
    Unstreamable,
    can_stream,
    finish_plan,
    gather,
    inputs_timestamp,
    plan_package,
    plan_text,
    streams,
)
from ankipress.errors import InputError, UsageError, WriteError
from ankipress.model import (
    Diagnostic,
    Media,
    NoteKind,
    NoteType,
    Severity,
    SourceLocation,
)
from ankipress.notetypes.cards import card_ords
from ankipress.ondemand import OnUse
from ankipress.options import (
    EARLIEST_TIME,
    LATEST_TIME,
    NoteTimes,
    Options,
    parse_separator,
    parse_source_date_epoch,
)
from ankipress.writers import TextWriter, text_writer_for
from ankipress.writers.apkg import StagedPackage, stream_apkg, write_apkg
from ankipress.writers.common import check_target

if TYPE_CHECKING:
    from ankipress.building import lock, lockmatch
    from ankipress.building import state as buildstate
    from ankipress.writers import csv as csv_writer
else:
    # Only a build follows the lock file and the build state: a convert goes without.
    lock = OnUse("ankipress.building.lock")
    lockmatch = OnUse("ankipress.building.lockmatch")
    buildstate = OnUse("ankipress.building.state")
    csv_writer = OnUse("ankipress.writers.csv")  # its own class, for --keep-formulas

__all__ = [
    "InputFile",
    "Options",
    "PackagePlan",
    "PackageReport",
    "PackageSource",
    "TextPlan",
    "build",
    "check",
    "convert",
    "convert_each",
    "discover_packages",
    "expand_inputs",
    "inputs_timestamp",
    "parse_separator",
    "parse_source_date_epoch",
    "plan_package",
    "plan_text",
    "write_plans",
]


@dataclass(frozen=True, slots=True)
class PackageReport:
    """What was written: the plan it came from and the time stamped into it."""

    plan: PackagePlan
    timestamp: int
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    """Everything reported for this package (the plan's and the writer's)."""
    note_times: dict[str, tuple[str, int]] = field(default_factory=dict)
    """GUID → (content hash, time written), for the next build."""
    cards: int = 0
    """How many cards the package holds."""
    skipped: bool = False
    """True when the package was up to date and not rewritten (``plan.notes`` is empty)."""
    removed: tuple[tuple[lock.Record, bool], ...] = ()
    """Notes the lock file records as removed from the sources, each with whether this build
    saw it go (on the build's first package only)."""


def _at(path: Path) -> SourceLocation:
    return SourceLocation(str(path))


def _time_bounded(fallback: int, time: int, where: SourceLocation) -> list[Diagnostic]:
    """What to say when the inputs' newest time ``fallback`` lies outside what Anki takes
    and the package is stamped ``time`` instead (a file dated 1970: an archive's, a build
    system's); nothing when they are the same."""
    if time == fallback:
        return []
    when = "before 1980" if fallback < time else "after 9999"
    message = f"the inputs' newest time ({fallback}) is {when}; the package is "
    message += f"stamped {time} instead"
    hint = "set SOURCE_DATE_EPOCH"
    return [Diagnostic(where, Severity.WARNING, message, hint, rules.NOTE_TIME)]


def _check_output(path: Path, what: str = "package") -> None:
    """A :class:`WriteError` when ``path`` exists and is not a file (see ``check_target``)."""
    try:
        check_target(path)
    except OSError as exc:
        message = f"cannot write the {what}: {exc}"
        diagnostic = Diagnostic(_at(path), Severity.ERROR, message, rule=rules.WRITE_FAILED)
        raise WriteError(str(diagnostic), [diagnostic]) from None


def _failures(plan: PackagePlan, strict: bool) -> bool:
    blocking = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in blocking for d in plan.diagnostics)


def _refuse(plans: Sequence[PackagePlan], strict: bool) -> InputError:
    diagnostics = [d for plan in plans for d in plan.diagnostics]
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    if strict and warnings:
        summary = f"{errors} error(s) and {warnings} warning(s) (--strict)"
    else:
        summary = f"{errors} error(s)"
    return InputError(f"{summary}; nothing was written", diagnostics)


def _note_types(template: NoteType | None) -> Callable[[NoteKind], NoteType]:
    def note_type(kind: NoteKind) -> NoteType:
        if template is not None and kind is NoteKind.BASIC:
            return template
        return notetypes.for_kind(kind)

    return note_type


def _notetype_time(stamp: int, options: Options) -> int:
    """The note types' time: newer than any release of their templates, so they update."""
    times = [stamp, notetypes.TEMPLATES_CHANGED]
    if options.template is not None:
        for name in ("front.html", "back.html", "style.css"):
            path = options.template / name
            if path.is_file():
                times.append(int(path.stat().st_mtime))
    return max(times)


def write_plans(
    plans: Sequence[PackagePlan],
    options: Options | Sequence[Options],
    timestamp: int | None = None,
    previous: Mapping[str, Mapping[str, tuple[str, int]]] | None = None,
    note_times: bool = True,
) -> list[PackageReport]:
    """Write every plan, or none: any error (any warning with ``strict``) stops them all.

    Each note gets the time its content last changed (:mod:`ankipress.building.notetimes`);
    ``timestamp`` (``SOURCE_DATE_EPOCH``) caps them, and ``previous`` holds the last build's
    note times by package file name. ``options`` may be one per plan. Without
    ``note_times`` the reports leave :attr:`PackageReport.note_times` empty (a build's next
    run needs them; a conversion does not, and a hash of every note costs time).
    """
    each = [options] * len(plans) if isinstance(options, Options) else list(options)
    strict = any(settings.strict for settings in each)
    if any(_failures(plan, settings.strict) for plan, settings in zip(plans, each, strict=True)):
        raise _refuse(plans, strict)
    reports = []
    previous = previous or {}
    # Every input's time before any package is written: an input gone since it was read
    # stops the build here, not after some of its packages were replaced.
    fallbacks = [
        timestamp if timestamp is not None else inputs_timestamp(plan.inputs) for plan in plans
    ]
    bounded = [min(max(fallback, EARLIEST_TIME), LATEST_TIME) for fallback in fallbacks]
    # Every target before any is written: one that is a device or a folder stops them all.
    for plan in plans:
        _check_output(plan.output)
    for plan, settings, fallback, time in zip(plans, each, fallbacks, bounded, strict=True):
        where = SourceLocation(str(plan.inputs[0])) if plan.inputs else _at(plan.output)
        said = _time_bounded(fallback, time, where)
        fallback = time
        notes = assign_times(
            plan.notes, fallback, previous.get(plan.output.name), timestamp, settings.note_times
        )
        if any(
            note.mod is not None and not EARLIEST_TIME <= note.mod <= LATEST_TIME for note in notes
        ):
            # A time from elsewhere (a lock file, a state file) that Anki would refuse.
            notes = tuple(
                replace(note, mod=min(max(note.mod, EARLIEST_TIME), LATEST_TIME))
                if note.mod is not None
                else note
                for note in notes
            )
        # The package's own time: its newest note, so that packages built from the same
        # history are the same bytes (the input files' times differ between clones).
        stamp = max((note.mod or fallback for note in notes), default=fallback)
        try:
            written = write_apkg(
                plan.output,
                notes,
                stamp,
                _note_types(plan.template),
                plan.media,
                _notetype_time(stamp, settings),
            )
        except sqlite3.Error as exc:
            # SQLite says "database or disk is full" or "disk I/O error" where Python would
            # raise OSError (the disk filled while the collection was written): the writer
            # has removed its temporary files by then, as for an OSError.
            code = getattr(exc, "sqlite_errorname", None)
            message = f"cannot write the package: {exc}" + (f" ({code})" if code else "")
            diagnostic = Diagnostic(
                SourceLocation(str(plan.output)),
                Severity.ERROR,
                message,
                "is the disk full?",
                rules.WRITE_FAILED,
            )
            raise WriteError(str(diagnostic), [diagnostic]) from None
        times = (
            {note.guid: (content_hash(note), note.mod or stamp) for note in notes}
            if note_times
            else {}
        )
        cards = sum(len(card_ords(note)) for note in notes)
        reports.append(
            PackageReport(plan, stamp, (*plan.diagnostics, *said, *written), times, cards)
        )
    return reports


def convert(
    inputs: Sequence[Path],
    output: Path,
    options: Options | None = None,
    timestamp: int | None = None,
    *,
    keep_notes: bool = True,
) -> PackageReport:
    """Build one deck at ``output`` from ``inputs`` (files, or folders read recursively).

    ``output`` is a package (``.apkg``) or, by its extension or ``options.to``, a text
    format. Each file's notes go to the deck the file names, else one named after the file,
    unless ``options.deck`` is given. ``timestamp`` (seconds) is stamped into every note of
    a package; by default the newest modification time of the inputs. Raises
    :class:`InputError` (nothing written) when any input has errors.

    With ``keep_notes=False`` (the command line's way) a package is written as its notes
    are rendered, one pass a note and rows streamed to the database: memory does not hold
    every rendered note, and the report's ``plan.notes`` is empty (``plan.note_count``
    says how many notes were written). The package's bytes are the same.
    """
    options = options or Options()
    writer = text_writer_for(output, options.to)
    if writer is None:
        if output.suffix.lower() != ".apkg":
            raise UsageError(f"{output}: a package must be an .apkg file")
        items = expand_input_files(inputs)
        if not keep_notes and can_stream(options):
            try:
                return _one_pass(items, output, options, timestamp)
            except Unstreamable:
                pass  # planned instead, which says what it met in its own words
        gathered = gather(items, options)
        if not keep_notes and streams(gathered, options):
            return _stream(gathered, output, options, timestamp)
        plan = finish_plan(gathered, output, options)
        return write_plans([plan], options, timestamp, note_times=False)[0]
    text = plan_text(expand_input_files(inputs), output, options)
    return _write_texts([text], writer, options)[0]


def _one_pass(
    items: Sequence[InputFile], output: Path, options: Options, timestamp: int | None
) -> PackageReport:
    """:func:`convert` reading, rendering and staging each note in turn: memory holds a
    chunk of notes, not the deck (:class:`~ankipress.building.plan.OnePass`,
    :class:`~ankipress.writers.apkg.StagedPackage`). Raises :class:`Unstreamable` (nothing
    written) for whatever the planned build must say or refuse in its own way."""
    try:
        fallback = (
            timestamp if timestamp is not None else inputs_timestamp([item.path for item in items])
        )
        _check_output(output)
    except (InputError, WriteError):
        raise Unstreamable("planned") from None
    time = min(max(fallback, EARLIEST_TIME), LATEST_TIME)
    where = SourceLocation(str(items[0].path)) if items else _at(output)
    said = _time_bounded(fallback, time, where)
    one = OnePass(items, output, options)
    # git's blame of each input runs beside the reading, on the other core.
    git = options.note_times is NoteTimes.GIT
    blames = _BlameAhead([item.path for item in items]) if git else None
    try:
        with StagedPackage(output, _note_types(one.template)) as staged:
            one.run(staged, staged.scratch)
            default = _bounded(time, timestamp)
            if blames is not None:
                for path, src in one.sources.items():
                    _git_times(staged, src, blames.lines(Path(path)), time, timestamp)
            plan = one.plan()
            if _failures(plan, options.strict):
                raise Unstreamable("refused")
            stamp = staged.newest(default)
            stamp = default if stamp is None else stamp
            notetype_time = _notetype_time(stamp, options)
            written = staged.finish(stamp, default, notetype_time, lambda: plan.media)
            cards = staged.cards
    except (WriteError, sqlite3.Error):
        # A disk that is full or a folder that cannot be written: the planned build says
        # so in its words, after the inputs' own errors, if any.
        raise Unstreamable("cannot write") from None
    return PackageReport(plan, stamp, (*plan.diagnostics, *said, *written), {}, cards)


class _BlameAhead:
    """Each file's line times from git (:func:`git_line_times`), asked for at once and read
    when needed: ``git blame`` runs in its own process while the notes are read, waited for
    by a thread that holds no lock while it waits (a daemon: an interrupted convert does
    not wait for it)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        import threading

        self._found: dict[str, list[int | None] | None] = {}
        self._threads: dict[str, threading.Thread] = {}
        for path in dict.fromkeys(paths):
            thread = threading.Thread(
                target=self._blame, args=(path,), name="ankipress-blame", daemon=True
            )
            self._threads[str(path)] = thread
            thread.start()

    def _blame(self, path: Path) -> None:
        self._found[str(path)] = git_line_times(path)

    def lines(self, path: Path) -> list[int | None] | None:
        """The commit time of each line of ``path``; ``None`` outside git."""
        thread = self._threads.get(str(path))
        if thread is None:
            return git_line_times(path)
        thread.join()
        return self._found.get(str(path))


def _bounded(when: int, cap: int | None) -> int:
    """A note's time under the cap, within what Anki takes."""
    if cap is not None:
        when = min(when, cap)
    return min(max(when, EARLIEST_TIME), LATEST_TIME)


def _git_times(
    staged: StagedPackage,
    src: int,
    lines: list[int | None] | None,
    fallback: int,
    cap: int | None,
) -> None:
    """The staged notes of source ``src`` take the time of the last commit to their lines
    (``lines``: each line's, from :func:`git_line_times`), as :func:`_note_times` gives them
    (the notes in line order, each to the next one's line)."""
    if lines is None:
        return
    times: list[tuple[int, int]] = []
    located = staged.located(src)
    current = next(located, None)
    while current is not None:
        line, row = current
        following_entry = next(located, None)
        following = following_entry[0] if following_entry is not None else None
        end = following - 1 if following is not None and following > line else 1 << 30
        own = lines[line - 1 : min(end, len(lines))]
        when = fallback
        if own and None not in own:
            when = max(cast("list[int]", own))  # no None among them
        times.append((_bounded(when, cap), row))
        if len(times) >= 4096:
            staged.set_times(times)
            times = []
        current = following_entry
    staged.set_times(times)


def _stream(
    gathered: Gathered, output: Path, options: Options, timestamp: int | None
) -> PackageReport:
    """:func:`convert` in one pass: each note rendered as its row goes to the database.

    Everything :func:`write_plans` refuses is found before the first row or while the
    rows are written; then the package is not written (its temporary files are removed).
    """
    fallback = (
        timestamp
        if timestamp is not None
        else inputs_timestamp([item.path for item in gathered.items])
    )
    time = min(max(fallback, EARLIEST_TIME), LATEST_TIME)
    where = SourceLocation(str(gathered.items[0].path)) if gathered.items else _at(output)
    said = _time_bounded(fallback, time, where)
    _check_output(output)
    locations = [note.location for note, _ in gathered.kept]
    mods = _note_times(locations, time, timestamp, options.note_times is NoteTimes.GIT)
    stamp = max(mods, default=time)
    stream = RenderStream(gathered, output, options, mods)
    finished: list[PackagePlan] = []

    def media() -> tuple[tuple[str, bytes], ...]:
        plan = stream.plan()
        finished.append(plan)
        if _failures(plan, options.strict):
            raise _refuse([plan], options.strict)
        return plan.media

    written, cards = stream_apkg(
        output,
        (note for note, _ in gathered.kept),
        stream,
        stamp,
        _note_types(gathered.template),
        media,
        _notetype_time(stamp, options),
    )
    plan = finished[0]
    return PackageReport(plan, stamp, (*plan.diagnostics, *said, *written), {}, cards)


def _note_times(
    locations: Sequence[SourceLocation], fallback: int, cap: int | None, git: bool
) -> list[int]:
    """Each note's time, as :func:`~ankipress.building.notetimes.assign_times` gives it
    without a previous build, from the notes' locations alone: the time of the last commit
    to its lines where git has one (with ``git``), else ``fallback``; ``cap`` bounds them,
    and every time lies within what Anki takes."""
    by_file: dict[str, list[tuple[int, int]]] = {}
    for index, location in enumerate(locations):
        if location.line is not None:
            by_file.setdefault(location.path, []).append((location.line, index))
    times = [fallback] * len(locations)
    for path, starts in by_file.items() if git else ():
        lines = git_line_times(Path(path))
        if lines is None:
            continue
        starts.sort()
        for position, (line, index) in enumerate(starts):
            following = starts[position + 1][0] if position + 1 < len(starts) else None
            end = following - 1 if following is not None and following > line else 1 << 30
            own = lines[line - 1 : min(end, len(lines))]
            if own and None not in own:
                times[index] = max(cast("list[int]", own))  # no None among them
    if cap is not None:
        times = [min(when, cap) for when in times]
    return [min(max(when, EARLIEST_TIME), LATEST_TIME) for when in times]


def convert_each(
    inputs: Sequence[Path], out_dir: Path, options: Options, timestamp: int | None = None
) -> list[PackageReport]:
    """Convert every input file on its own into ``out_dir`` (``--out-dir``), all or none."""
    files = expand_inputs(inputs)
    writer = text_writer_for(Path("x.apkg"), options.to) if options.to else None
    suffix = (writer.extensions or ("",))[0] if writer is not None else ".apkg"
    outputs: dict[Path, Path] = {}
    for path in files:
        output = out_dir / f"{path.stem}{suffix}"
        if output in outputs:
            raise UsageError(f"{path} and {outputs[output]} would both be written to {output}")
        outputs[output] = path
    if writer is None:
        plans = [plan_package([path], output, options) for output, path in outputs.items()]
        return write_plans(plans, options, timestamp, note_times=False)
    texts = [plan_text([path], output, options) for output, path in outputs.items()]
    return _write_texts(texts, writer, options)


def _write_texts(
    texts: Sequence[TextPlan], writer: TextWriter, options: Options
) -> list[PackageReport]:
    plans = [text.plan for text in texts]
    if any(_failures(plan, options.strict) for plan in plans):
        raise _refuse(plans, options.strict)
    if options.keep_formulas and isinstance(writer, csv_writer.CsvWriter):
        writer = csv_writer.CsvWriter(raw_formulas=True)
    reports = []
    for text in texts:
        if not getattr(writer, "folder", False):  # a folder writer checks its own target
            _check_output(text.plan.output, "file")
    for text in texts:
        output = text.plan.output
        media_dir = options.media_dir or output.with_name(f"{output.stem}.media")
        media = [Media(name, data) for name, data in text.plan.media]
        said = writer.write(text.notes, media, output, media_dir)
        reports.append(PackageReport(text.plan, 0, text.plan.diagnostics + tuple(said)))
    return reports


def _settings_key(options: Options, timestamp: int | None) -> tuple[str, list[str]]:
    """What besides the inputs decides a package's bytes: settings, template, time cap."""
    settings = repr(replace(options, strict=False))
    extra = [f"cap={timestamp}"]
    if options.template is not None:
        for name in ("front.html", "back.html", "style.css"):
            path = options.template / name
            extra.append(buildstate.file_sha256(path) if path.is_file() else f"no {name}")
    return settings, extra


def _locked(
    plans: Sequence[PackagePlan], lock_file: lock.Lock, carried: Iterable[str]
) -> tuple[list[PackagePlan], lockmatch.Assignment]:
    """The plans with the GUIDs the lock file gives their notes, and what it says of them."""
    root = lock_file.path.parent
    keys = [lock.note_key(note, guid, root) for plan in plans for note, guid in plan.sources]
    assignment = lockmatch.assign(lock_file, keys, carried)
    told: set[str] = set()
    updated = []
    for plan in plans:
        said: list[Diagnostic] = []
        for _, natural in plan.sources:
            if natural not in told:
                told.add(natural)
                said.extend(assignment.diagnostics.get(natural, ()))
        notes = plan.notes
        if assignment.guids:
            guids = assignment.guids
            notes = tuple(
                replace(note, guid=guids[note.guid]) if note.guid in guids else note
                for note in notes
            )
        updated.append(replace(plan, notes=notes, diagnostics=plan.diagnostics + tuple(said)))
    return updated, assignment


def _lock_files(lock_file: lock.Lock | None, inputs: Iterable[InputFile]) -> list[str]:
    if lock_file is None:
        return []
    return [lock.relative_file(str(item.path), lock_file.path.parent) for item in inputs]


def _keyed(
    key: str,
    lock_file: lock.Lock | None,
    records: Mapping[str, Sequence[lock.Record]],
    files: list[str],
) -> str:
    """A package's key with the lock file's records of its files: a changed lock rebuilds it."""
    part = "no lock" if lock_file is None else lock.digest(records, files)
    return hashlib.sha256(f"{key}\0{part}".encode()).hexdigest()


def build(
    source_dir: Path,
    out_dir: Path,
    options: Options | None = None,
    timestamp: int | None = None,
    force: bool = False,
    packages: Sequence[PackageSource] | None = None,
    lock_path: Path | None = None,
) -> list[PackageReport]:
    """One package per file or folder of ``source_dir``, written to ``out_dir``.

    ``packages`` (from a project file) replaces that discovery; each may carry its options.
    With ``lock_path``, notes keep the GUIDs recorded in that lock file when edited, and the
    file is updated (:mod:`ankipress.building.lock`); a damaged lock file stops the build.

    All sources are read before anything is written: one bad file and no package is written.
    A package whose inputs, settings and ankipress version are unchanged since the last
    build (``out_dir/.ankipress-state.json``) and whose file is intact is not rewritten,
    unless ``force``. ``out_dir/manifest.json`` lists every package.
    """
    from ankipress import __version__

    options = options or Options()
    lock_file = lock.load(lock_path) if lock_path is not None else None
    records = lock.by_file(lock_file.records if lock_file is not None else ())
    states = buildstate.load_state(out_dir)
    todo: list[tuple[PackageSource, str]] = []
    carried: list[str] = []
    current: dict[str, buildstate.PackageState] = {}
    skipped: list[PackageReport] = []
    discovered = packages is None
    if packages is None:
        packages = discover_packages(source_dir, out_dir)
    for package in packages:
        settings, extra = _settings_key(package.options or options, timestamp)
        paths = [item.path for item in package.inputs]
        extra.extend(f"{item.deck_prefix}\0{item.deck}" for item in package.inputs)
        extra.append(f"media\0{media_stamp(paths, out_dir)}")  # a changed picture rebuilds
        key = buildstate.inputs_key(__version__, settings, paths, extra)
        files = _lock_files(lock_file, package.inputs)
        state = states.get(package.output.name)
        output = package.output
        if (
            not force
            and state is not None
            and state.key == _keyed(key, lock_file, records, files)
            and output.is_file()
            and buildstate.file_sha256(output) == state.sha256
        ):
            current[output.name] = state
            carried.extend(files)
            inputs = tuple(item.path for item in package.inputs)
            decks = tuple(state.summary.get("decks", ()))
            plan = PackagePlan(output, inputs, (), (), 0, 0, 0, decks)
            skipped.append(
                PackageReport(plan, 0, (), state.notes, int(state.summary.get("cards", 0)), True)
            )
        else:
            todo.append((package, key))
    chosen = [package.options or options for package, _ in todo]
    plans = [
        plan_package(package.inputs, package.output, settings)
        for (package, _), settings in zip(todo, chosen, strict=True)
    ]
    assignment = None
    if lock_file is not None:
        plans, assignment = _locked(plans, lock_file, carried)
        records = lock.by_file(assignment.records)
    previous = {name: state.notes for name, state in states.items()}
    for name in (buildstate.STATE, buildstate.MANIFEST):  # before any package is written
        _check_output(out_dir / name, "file")
    # A release's note times from a cut history: refused (after the sources' own errors).
    pairs = list(zip(plans, chosen, strict=True))
    if timestamp is None and not any(_failures(plan, opts.strict) for plan, opts in pairs):
        for plan, opts in pairs:
            shallow = shallow_history(plan.notes) if opts.note_times is NoteTimes.GIT else None
            if shallow is not None:
                raise InputError(f"{shallow}; nothing was written", [shallow])
    reports = write_plans(plans, chosen, timestamp, previous)
    if lock_file is not None and assignment is not None:
        lock.save(lock_file.path, assignment.records)
    for (package, key), report in zip(todo, reports, strict=True):
        output = report.plan.output
        sha = buildstate.file_sha256(output)
        entry = buildstate.summary(
            output, sha, len(report.plan.notes), report.cards, report.plan.decks
        )
        stored = _keyed(key, lock_file, records, _lock_files(lock_file, package.inputs))
        current[output.name] = buildstate.PackageState(stored, sha, report.note_times, entry)
    buildstate.save(out_dir, current, f"ankipress {__version__}")
    by_name = {report.plan.output.name: report for report in [*reports, *skipped]}
    ordered = [by_name[package.output.name] for package in packages]
    said = skipped_output(source_dir, out_dir) if discovered and ordered else None
    if said is not None:
        skip = Diagnostic(
            SourceLocation(str(out_dir)),
            Severity.INFO,
            said.split(": ", 1)[1],
            rule=rules.OUTPUT_SKIPPED,
        )
        ordered[0] = replace(ordered[0], diagnostics=(skip, *ordered[0].diagnostics))
    if assignment is not None and ordered:
        now = {(r.file, r.guid) for r in assignment.removed}
        gone = tuple((r, (r.file, r.guid) in now) for r in assignment.records if r.removed)
        first = ordered[0]
        ordered[0] = replace(
            first, diagnostics=first.diagnostics + assignment.general, removed=gone
        )
    return ordered


def check(
    paths: Sequence[Path],
    source_dir: Path,
    out_dir: Path,
    options: Options | None = None,
    packages: Sequence[PackageSource] | None = None,
    lock_path: Path | None = None,
) -> list[PackagePlan]:
    """Everything a build would do but write: the plans, with every diagnostic.

    With ``paths``, one package per path (a file, or a folder whose subfolders are
    subdecks); else ``packages`` (a project file's); else the packages of ``source_dir`` as
    ``build`` makes them. With ``lock_path``, the GUIDs the lock file would give, and an
    ``info`` line for every note it matches (:mod:`ankipress.building.lock`).
    """
    options = options or Options()
    chosen: list[PackageSource] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        package = package_of(path, path.parent, out_dir)
        if package is None:
            raise UsageError(f"{path}: the folder holds no source files")
        chosen.append(package)
    if not paths:
        chosen = list(packages) if packages else discover_packages(source_dir, out_dir)
    plans = [
        plan_package(package.inputs, package.output, package.options or options)
        for package in chosen
    ]
    if lock_path is None:
        return plans
    return lock_guids(plans, [package.inputs for package in chosen], lock_path, bool(paths))


def lock_guids(
    plans: Sequence[PackagePlan],
    inputs: Sequence[Sequence[InputFile]],
    lock_path: Path,
    partial: bool,
) -> list[PackagePlan]:
    """``plans`` (read from ``inputs``, one list a plan) with the GUIDs the lock file at
    ``lock_path`` gives their notes, and what it says of them; the lock file is only read.
    ``partial``: the plans are some of the project's files, and the lock's records of its
    other files are left as they are (not reported as removed)."""
    lock_file = lock.load(lock_path)
    checked = {f for files in inputs for f in _lock_files(lock_file, files)}
    carried = {r.file for r in lock_file.records} - checked if partial else set()
    locked, assignment = _locked(plans, lock_file, carried)
    if locked and assignment.general:
        locked[0] = replace(locked[0], diagnostics=locked[0].diagnostics + assignment.general)
    return locked
