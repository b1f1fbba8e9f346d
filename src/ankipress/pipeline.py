"""read → normalize → render → write, for one package or a folder of them.

Nothing here prints or exits: results and problems come back as values, failures as
:class:`~ankipress.errors.AnkipressError` carrying every diagnostic.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ankipress import buildstate, notetypes, readers
from ankipress.discover import (
    InputFile,
    PackageSource,
    discover_packages,
    expand_inputs,
    package_of,
)
from ankipress.errors import InputError, UsageError, WriteError
from ankipress.media import pack_references
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    RenderedNote,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.normalize import normalize
from ankipress.notetimes import assign_times, content_hash
from ankipress.options import Options, parse_separator, parse_source_date_epoch
from ankipress.render import FieldRenderer
from ankipress.render.sanitize import screen_notes
from ankipress.sources import load, note_problems, unwritable_text
from ankipress.usertemplate import load_template
from ankipress.writers import TextWriter, text_writer_for
from ankipress.writers.apkg import card_ords, write_apkg

__all__ = [
    "InputFile",
    "Options",
    "PackagePlan",
    "PackageReport",
    "PackageSource",
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
    "write_plans",
]


@dataclass(frozen=True, slots=True)
class PackagePlan:
    """A package read, normalized and rendered, ready to be written (or checked)."""

    output: Path
    inputs: tuple[Path, ...]
    notes: tuple[RenderedNote, ...]
    diagnostics: tuple[Diagnostic, ...]
    cards_read: int
    changed: int
    dropped: int
    decks: tuple[str, ...]
    template: NoteType | None = None
    """The user's note type for basic notes, if ``--template`` gave one."""
    media: tuple[tuple[str, bytes], ...] = ()
    """Media files the notes refer to, (name, content), sorted by name."""

    @property
    def errors(self) -> int:
        """How many error diagnostics the plan holds."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many warning diagnostics the plan holds."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def rejected(self) -> int:
        """Cards read that did not become notes: rejected by the reader or dropped."""
        return self.cards_read - len(self.notes)


@dataclass(frozen=True, slots=True)
class TextPlan:
    """A deck read and normalized for a text output: the plan, and the notes as written."""

    plan: PackagePlan
    notes: tuple[Note, ...]


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


def inputs_timestamp(inputs: Sequence[Path]) -> int:
    """The newest modification time of the inputs, in whole seconds.

    An input that vanished since it was read is an error, not a traceback: the build read
    something that is no longer there.
    """
    times = []
    for path in inputs:
        try:
            times.append(int(os.stat(path).st_mtime))
        except OSError as exc:
            message = f"the file changed while it was read: {exc.strerror or exc}"
            diagnostic = Diagnostic(SourceLocation(str(path)), Severity.ERROR, message)
            raise InputError(str(diagnostic), [diagnostic]) from None
    return max(times)


_CLOZE = re.compile(r"\{\{c\d+::")


def read_notes(
    item: InputFile, options: Options
) -> tuple[list[Note], list[Diagnostic], int, tuple[Media, ...]]:
    """Read one input: its notes, diagnostics, the cards its reader met, and its media."""
    path = item.path
    read_options = ReadOptions(
        default_deck=path.stem,
        separator=options.separator,
        card_separator=options.card_separator,
        columns=options.columns,
    )
    binary = readers.binary_reader_for(path, options.input_format)
    if binary is not None:
        result = binary.read_file(path, str(path), read_options)
        notes = [_place(note, item, path.stem, options) for note in result.notes]
        return notes, list(result.diagnostics), result.cards_seen, result.media
    source = load(path, str(path), options.encoding)
    given = tuple(
        flag
        for flag, value in (
            ("--sep", options.separator),
            ("--card-sep", options.card_separator),
            ("--columns", options.columns),
        )
        if value
    )
    reader = (
        readers.get_reader(options.input_format)
        if options.input_format
        else readers.detect(source, given)
    )
    result = reader.read(source, read_options)
    diagnostics = [*source.diagnostics, *result.diagnostics]
    fitting = [note for note in result.notes if _fits(note, options, diagnostics)]
    notes = [_place(note, item, path.stem, options) for note in fitting]
    if any(note.deck.casefold() == "default" and note.deck == path.stem for note in notes):
        diagnostics.append(
            Diagnostic(
                source.location(),
                Severity.ERROR,
                f"the notes would go to Anki's Default deck, named after the file {path.name}",
                "name the deck with --deck, or rename the file",
            )
        )
        notes = []
    return notes, diagnostics, result.cards_seen, result.media


def _fits(note: Note, options: Options, diagnostics: list[Diagnostic]) -> bool:
    """Whether every field of a text source's note is within the limits; else say why.

    Checked before anything is rendered: a field of megabytes, or brackets that would take
    Markdown hours, is refused with its line instead (:func:`ankipress.sources.field_problem`).
    """
    markdown = note.text_format is TextFormat.MARKDOWN or (
        options.markdown and note.text_format is TextFormat.PLAIN
    )
    problems = note_problems(note, markdown and note.kind is not NoteKind.CUSTOM)
    diagnostics.extend(problems)
    return not problems


def _place(note: Note, item: InputFile, stem: str, options: Options) -> Note:
    """The note in its final deck and note type."""
    if options.deck is not None:
        target = options.deck
    elif item.deck is not None:
        target = item.deck
    elif item.deck_prefix is None:
        target = note.deck
    elif note.deck == stem:  # the file names no deck of its own: the folder's deck
        target = item.deck_prefix
    else:
        target = f"{item.deck_prefix}::{note.deck}"
    kind = note.kind
    # A deletion makes a cloze, but a note read from a package keeps the note type it had,
    # even if its text shows "{{c1::".
    if kind is NoteKind.BASIC and not note.card_ords and _CLOZE.search(note.question):
        kind = NoteKind.CLOZE
    elif kind is NoteKind.BASIC and options.kind is not None:
        kind = options.kind
    if target == note.deck and kind is note.kind:
        return note
    return replace(note, deck=target, kind=kind)


def _check_cards(note: Note) -> Diagnostic | None:
    """An error when the note would make no card in Anki."""
    if note.kind is NoteKind.CUSTOM or note.card_ords:
        return None  # its cards are the ones it had where it was read from
    if note.kind is NoteKind.CLOZE and not _CLOZE.search(note.question):
        return Diagnostic(
            note.location,
            Severity.ERROR,
            "a cloze note needs at least one deletion such as {{c1::text}}",
        )
    if note.kind is not NoteKind.CLOZE and not note.answer.strip():
        return Diagnostic(
            note.location,
            Severity.ERROR,
            "the answer is empty",
            "write an answer, or make the note a cloze with {{c1::…}}",
        )
    if not note.question.strip():
        return Diagnostic(note.location, Severity.ERROR, "the question is empty")
    return None


def _as_inputs(inputs: Sequence[Path | InputFile]) -> list[InputFile]:
    return [item if isinstance(item, InputFile) else InputFile(item) for item in inputs]


@dataclass
class _Gathered:
    """Inputs read and normalized: the notes with their GUIDs, media, and what was said."""

    items: list[InputFile]
    kept: list[tuple[Note, str]]
    media: list[Media]
    diagnostics: list[Diagnostic]
    cards_read: int
    changed: int
    dropped: int
    template: NoteType | None


def _gather(inputs: Sequence[Path | InputFile], options: Options) -> _Gathered:
    items = _as_inputs(inputs)
    notes: list[Note] = []
    diagnostics: list[Diagnostic] = []
    cards_read = 0
    media: list[Media] = []
    template = None
    if options.template is not None:
        try:
            template, template_warnings = load_template(options.template, notetypes.basic())
            diagnostics.extend(template_warnings)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
    for item in items:
        try:
            found, found_diagnostics, seen, found_media = read_notes(item, options)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        media.extend(found_media)
        diagnostics.extend(found_diagnostics)
        # A lone surrogate (only an escape makes one: YAML's or JSON's "\\ud800") would
        # crash the writer: such a note is refused with its location instead.
        unwritable = [unwritable_text(note) for note in found]
        notes.extend(note for note, problem in zip(found, unwritable, strict=True) if not problem)
        diagnostics.extend(problem for problem in unwritable if problem is not None)
        cards_read += seen
    normalized = normalize(notes, options.tags, options.on_duplicate)
    diagnostics.extend(normalized.diagnostics)
    kept = []
    for note, guid in zip(normalized.notes, normalized.guids, strict=True):
        problem = _check_cards(note)
        if problem is None:
            kept.append((note, guid))
        else:
            diagnostics.append(problem)
    return _Gathered(
        items,
        kept,
        media,
        diagnostics,
        cards_read,
        normalized.changed,
        normalized.dropped,
        template,
    )


def _plan(
    gathered: _Gathered, output: Path, notes: tuple[RenderedNote, ...], media: list[Media]
) -> PackagePlan:
    diagnostics = gathered.diagnostics
    packed, media_diagnostics = _merge_media(media)
    diagnostics.extend(media_diagnostics)
    if not notes and not any(d.severity is Severity.ERROR for d in diagnostics):
        items = gathered.items
        where = SourceLocation(str(items[0].path)) if items else SourceLocation(str(output))
        diagnostics.append(Diagnostic(where, Severity.ERROR, "no cards found"))
    return PackagePlan(
        output,
        tuple(item.path for item in gathered.items),
        notes,
        tuple(diagnostics),
        gathered.cards_read,
        gathered.changed,
        gathered.dropped,
        tuple(dict.fromkeys(note.deck for note in notes)),
        gathered.template,
        packed,
    )


def plan_package(inputs: Sequence[Path | InputFile], output: Path, options: Options) -> PackagePlan:
    """Read, normalize and render ``inputs`` into one package; writes nothing.

    Unreadable inputs become error diagnostics in the plan, so every problem of every input
    is reported at once.
    """
    gathered = _gather(inputs, options)
    renderer = FieldRenderer(
        markdown=options.markdown, allow_html=options.allow_html, math=options.math
    )
    rendered = tuple(
        done
        for note, guid in _tick(gathered.kept, output, options)
        if (done := _render_checked(renderer, note, guid, gathered.diagnostics)) is not None
    )
    if renderer.formulas:
        rendered, math_diagnostics = _with_svg_math(renderer, rendered)
        gathered.diagnostics.extend(math_diagnostics)
    # Scripts, frames and event handlers the sources bring: listed, or removed (--sanitize).
    rendered, screened = screen_notes(
        rendered, options.sanitize, allow_html=options.allow_html, markdown=options.markdown
    )
    gathered.diagnostics.extend(screened)
    # Media the inputs name themselves (a package's, a Markdown deck's media folder, SVG
    # formulas) have their names in Anki already: packing leaves references to them alone.
    known = {item.name for item in gathered.media} | set(renderer.media)
    rendered, referenced, media_problems = pack_references(rendered, known)
    gathered.diagnostics.extend(media_problems)
    media = [*gathered.media, *referenced]
    media.extend(Media(name, data) for name, data in renderer.media.items())
    return _plan(gathered, output, rendered, media)


def plan_text(inputs: Sequence[Path | InputFile], output: Path, options: Options) -> TextPlan:
    """Read and normalize ``inputs`` for a text output: notes as written, not rendered."""
    gathered = _gather(inputs, options)
    notes = tuple(replace(note, guid=guid) for note, guid in gathered.kept)
    # The plan's notes stand for the notes to write: their fields are the source text.
    stand_ins = tuple(
        RenderedNote(
            guid,
            note.deck,
            note.fields or (note.question, note.answer),
            note.tags,
            note.location,
            note.kind,
            None,
            note.notetype,
            text_format=note.text_format,
        )
        for note, guid in gathered.kept
    )
    # HTML fields go out as they are: active content is listed, or removed (--sanitize).
    stand_ins, screened = screen_notes(stand_ins, options.sanitize, source_text=True)
    gathered.diagnostics.extend(screened)
    if options.sanitize:
        notes = tuple(_refilled(note, done) for note, done in zip(notes, stand_ins, strict=True))
    return TextPlan(_plan(gathered, output, stand_ins, gathered.media), notes)


def _refilled(note: Note, screened: RenderedNote) -> Note:
    """``note`` with the fields and note type of its screened stand-in."""
    fields = screened.fields
    if fields == (note.fields or (note.question, note.answer)) and (
        screened.notetype is note.notetype
    ):
        return note
    answer = fields[1] if len(fields) > 1 else ""
    return replace(
        note,
        question=fields[0],
        answer=answer,
        fields=fields if note.fields else (),
        notetype=screened.notetype,
    )


_TICK = 1000


def _tick(
    items: Sequence[tuple[Note, str]], output: Path, options: Options
) -> Iterator[tuple[Note, str]]:
    """The items, telling ``options.progress`` how far along they are every so often."""
    if options.progress is None:
        yield from items
        return
    total = len(items)
    for index, item in enumerate(items):
        if index % _TICK == 0:
            options.progress(output.name, index, total)
        yield item
    options.progress(output.name, total, total)


def _render_checked(
    renderer: FieldRenderer, note: Note, guid: str, diagnostics: list[Diagnostic]
) -> RenderedNote | None:
    """The note rendered, or ``None`` after an error for a field nested too deep to render.

    Python-Markdown recurses once per level of lists and quotes: hundreds of levels exhaust
    Python's stack, which is the field's problem, not a crash.
    """
    try:
        return _render_note(renderer, note, guid)
    except RecursionError:
        message = "a field nests lists or quotes too deeply to render"
        hint = "Markdown nesting of a few dozen levels at most"
        diagnostics.append(Diagnostic(note.location, Severity.ERROR, message, hint))
        return None


def _render_note(renderer: FieldRenderer, note: Note, guid: str) -> RenderedNote:
    if note.kind is NoteKind.CUSTOM:
        # A note type carried over from a package: its fields are its own HTML, as they were.
        fields = note.fields
    else:
        fields = (
            renderer.render(note.question, note.text_format, note.location),
            renderer.render(note.answer, note.text_format, note.answer_location),
        )
    return RenderedNote(
        guid=guid,
        deck=note.deck,
        fields=fields,
        tags=note.tags,
        location=note.location,
        kind=note.kind,
        notetype=note.notetype,
        card_ords=note.card_ords,
        text_format=TextFormat.HTML if note.kind is NoteKind.CUSTOM else note.text_format,
    )


def _merge_media(media: Sequence[Media]) -> tuple[tuple[tuple[str, bytes], ...], list[Diagnostic]]:
    """Media by name, sorted; one name with two different contents is an error."""
    by_name: dict[str, Media] = {}
    diagnostics: list[Diagnostic] = []
    for item in media:
        earlier = by_name.get(item.name)
        if earlier is None:
            by_name[item.name] = item
        elif earlier.data != item.data:
            where = item.location or SourceLocation(item.name)
            first = earlier.location or "another input"
            diagnostics.append(
                Diagnostic(
                    where,
                    Severity.ERROR,
                    f"two different media files are both named {item.name!r} (the other: {first})",
                    "rename one of them",
                )
            )
    return tuple((name, by_name[name].data) for name in sorted(by_name)), diagnostics


def _with_svg_math(
    renderer: FieldRenderer, notes: tuple[RenderedNote, ...]
) -> tuple[tuple[RenderedNote, ...], list[Diagnostic]]:
    """Notes whose formula tokens are replaced by SVG, rendered in one batch."""
    fields = [field for note in notes for field in note.fields]
    done, diagnostics = renderer.finish_svg(fields)
    updated = []
    offset = 0
    for note in notes:
        width = len(note.fields)
        updated.append(replace(note, fields=tuple(done[offset : offset + width])))
        offset += width
    return tuple(updated), diagnostics


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
) -> list[PackageReport]:
    """Write every plan, or none: any error (any warning with ``strict``) stops them all.

    Each note gets the time its content last changed (:mod:`ankipress.notetimes`);
    ``timestamp`` (``SOURCE_DATE_EPOCH``) caps them, and ``previous`` holds the last build's
    note times by package file name. ``options`` may be one per plan.
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
    for plan, settings, fallback in zip(plans, each, fallbacks, strict=True):
        notes = assign_times(plan.notes, fallback, previous.get(plan.output.name), timestamp)
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
                SourceLocation(str(plan.output)), Severity.ERROR, message, "is the disk full?"
            )
            raise WriteError(str(diagnostic), [diagnostic]) from None
        times = {note.guid: (content_hash(note), note.mod or stamp) for note in notes}
        cards = sum(len(card_ords(note)) for note in notes)
        reports.append(PackageReport(plan, stamp, plan.diagnostics + tuple(written), times, cards))
    return reports


def convert(
    inputs: Sequence[Path],
    output: Path,
    options: Options | None = None,
    timestamp: int | None = None,
) -> PackageReport:
    """Build one deck at ``output`` from ``inputs`` (files, or folders read recursively).

    ``output`` is a package (``.apkg``) or, by its extension or ``options.to``, a text
    format. Each file's notes go to the deck the file names, else one named after the file,
    unless ``options.deck`` is given. ``timestamp`` (seconds) is stamped into every note of
    a package; by default the newest modification time of the inputs. Raises
    :class:`InputError` (nothing written) when any input has errors.
    """
    options = options or Options()
    writer = text_writer_for(output, options.to)
    if writer is None:
        if output.suffix.lower() != ".apkg":
            raise UsageError(f"{output}: a package must be an .apkg file")
        plan = plan_package(expand_inputs(inputs), output, options)
        return write_plans([plan], options, timestamp)[0]
    return _write_texts([plan_text(expand_inputs(inputs), output, options)], writer, options)[0]


def convert_each(
    inputs: Sequence[Path], out_dir: Path, options: Options, timestamp: int | None = None
) -> list[PackageReport]:
    """Convert every input file on its own into ``out_dir`` (``--out-dir``), all or none."""
    files = expand_inputs(inputs)
    writer = text_writer_for(Path("x.apkg"), options.to) if options.to else None
    suffix = writer.extensions[0] if writer is not None else ".apkg"
    outputs: dict[Path, Path] = {}
    for path in files:
        output = out_dir / f"{path.stem}{suffix}"
        if output in outputs:
            raise UsageError(f"{path} and {outputs[output]} would both be written to {output}")
        outputs[output] = path
    if writer is None:
        plans = [plan_package([path], output, options) for output, path in outputs.items()]
        return write_plans(plans, options, timestamp)
    texts = [plan_text([path], output, options) for output, path in outputs.items()]
    return _write_texts(texts, writer, options)


def _write_texts(
    texts: Sequence[TextPlan], writer: TextWriter, options: Options
) -> list[PackageReport]:
    plans = [text.plan for text in texts]
    if any(_failures(plan, options.strict) for plan in plans):
        raise _refuse(plans, options.strict)
    reports = []
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


def build(
    source_dir: Path,
    out_dir: Path,
    options: Options | None = None,
    timestamp: int | None = None,
    force: bool = False,
    packages: Sequence[PackageSource] | None = None,
) -> list[PackageReport]:
    """One package per file or folder of ``source_dir``, written to ``out_dir``.

    ``packages`` (from a project file) replaces that discovery; each may carry its options.

    All sources are read before anything is written: one bad file and no package is written.
    A package whose inputs, settings and ankipress version are unchanged since the last
    build (``out_dir/.ankipress-state.json``) and whose file is intact is not rewritten,
    unless ``force``. ``out_dir/manifest.json`` lists every package.
    """
    from ankipress import __version__

    options = options or Options()
    states = buildstate.load_state(out_dir)
    todo: list[tuple[PackageSource, str]] = []
    current: dict[str, buildstate.PackageState] = {}
    skipped: list[PackageReport] = []
    if packages is None:
        packages = discover_packages(source_dir, out_dir)
    for package in packages:
        settings, extra = _settings_key(package.options or options, timestamp)
        paths = [item.path for item in package.inputs]
        extra.extend(f"{item.deck_prefix}\0{item.deck}" for item in package.inputs)
        key = buildstate.inputs_key(__version__, settings, paths, extra)
        state = states.get(package.output.name)
        output = package.output
        if (
            not force
            and state is not None
            and state.key == key
            and output.is_file()
            and buildstate.file_sha256(output) == state.sha256
        ):
            current[output.name] = state
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
    previous = {name: state.notes for name, state in states.items()}
    reports = write_plans(plans, chosen, timestamp, previous)
    for (_, key), report in zip(todo, reports, strict=True):
        output = report.plan.output
        sha = buildstate.file_sha256(output)
        entry = buildstate.summary(
            output, sha, len(report.plan.notes), report.cards, report.plan.decks
        )
        current[output.name] = buildstate.PackageState(key, sha, report.note_times, entry)
    buildstate.save(out_dir, current, f"ankipress {__version__}")
    by_name = {report.plan.output.name: report for report in [*reports, *skipped]}
    return [by_name[package.output.name] for package in packages]


def check(
    paths: Sequence[Path],
    source_dir: Path,
    out_dir: Path,
    options: Options | None = None,
    packages: Sequence[PackageSource] | None = None,
) -> list[PackagePlan]:
    """Everything a build would do but write: the plans, with every diagnostic.

    With ``paths``, one package per path (a file, or a folder whose subfolders are
    subdecks); else ``packages`` (a project file's); else the packages of ``source_dir`` as
    ``build`` makes them.
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
    return [
        plan_package(package.inputs, package.output, package.options or options)
        for package in chosen
    ]
