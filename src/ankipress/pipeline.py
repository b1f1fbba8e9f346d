"""read → normalize → render → write, for one package or a folder of them.

Nothing here prints or exits: results and problems come back as values, failures as
:class:`~ankipress.errors.AnkipressError` carrying every diagnostic.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ankipress import notetypes, readers
from ankipress.errors import InputError, UsageError
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    ReadOptions,
    RenderedNote,
    Severity,
    SourceLocation,
)
from ankipress.normalize import OnDuplicate, normalize
from ankipress.notetypes import NoteType
from ankipress.render import FieldRenderer, MathMode
from ankipress.sources import load
from ankipress.usertemplate import load_template
from ankipress.writers.apkg import write_apkg


@dataclass(frozen=True, slots=True)
class Options:
    """How to read and render the inputs of a package."""

    input_format: str | None = None
    """A reader's name, or ``None`` to detect the format of each file."""
    deck: str | None = None
    """Put every note in this deck instead of the one its source names."""
    tags: tuple[str, ...] = ()
    """Tags added to every note."""
    strict: bool = False
    """Treat warnings as errors."""
    markdown: bool = False
    """Treat plain-text fields as Markdown."""
    allow_html: bool = False
    """Let raw HTML in Markdown through instead of escaping it."""
    encoding: str | None = None
    """The inputs' encoding; ``None``: UTF-8 unless a byte-order mark says otherwise."""
    separator: str | None = None
    """Field separator for formats that let the user choose one (Quizlet, CSV)."""
    card_separator: str | None = None
    """Card separator for formats that let the user choose one (Quizlet)."""
    columns: tuple[str, ...] | None = None
    """Column names for tables (CSV/TSV), overriding their header."""
    on_duplicate: OnDuplicate = OnDuplicate.AUTO
    """What to do with a question asked twice in one deck."""
    kind: NoteKind | None = None
    """Make every basic note of this kind instead (reversed, type in the answer)."""
    template: Path | None = None
    """A folder with the user's front.html, back.html and style.css for basic notes."""
    math: MathMode = MathMode.MATHJAX
    """What formulas become: MathJax delimiters, SVG rendered now, or left as written."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One source file of a package, and the deck its notes go under."""

    path: Path
    deck_prefix: str | None = None
    """For a file in a folder package: the folder's deck (``Course::Week 1``)."""


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
class PackageReport:
    """What was written: the plan it came from and the time stamped into it."""

    plan: PackagePlan
    timestamp: int
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    """Everything reported for this package (the plan's and the writer's)."""


def parse_source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """``SOURCE_DATE_EPOCH`` from ``environ`` as seconds, ``None`` when unset or empty."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}")
    return int(value)


_SEPARATOR_NAMES = {
    "tab": "\t",
    "\\t": "\t",
    "newline": "\n",
    "\\n": "\n",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "colon": ":",
    "space": " ",
}


def parse_separator(text: str) -> str:
    """A separator as a user writes it: ``\\t``, ``\\n``, a name (``tab``, ``comma``), or itself."""
    if not text:
        raise UsageError("a separator cannot be empty")
    named = _SEPARATOR_NAMES.get(text.lower())
    # A shell passes "\n\n" as backslashes; a blank line between cards is what is meant.
    return named if named is not None else text.replace("\\n", "\n").replace("\\t", "\t")


def inputs_timestamp(inputs: Sequence[Path]) -> int:
    """The newest modification time of the inputs, in whole seconds."""
    return max(int(os.stat(path).st_mtime) for path in inputs)


_CLOZE = re.compile(r"\{\{c\d+::")


def read_notes(item: InputFile, options: Options) -> tuple[list[Note], list[Diagnostic], int]:
    """Read one input: its notes, diagnostics and the number of cards its reader met."""
    path = item.path
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
    read_options = ReadOptions(
        default_deck=path.stem,
        separator=options.separator,
        card_separator=options.card_separator,
        columns=options.columns,
    )
    result = reader.read(source, read_options)
    notes = [_place(note, item, path.stem, options) for note in result.notes]
    diagnostics = [*source.diagnostics, *result.diagnostics]
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
    return notes, diagnostics, result.cards_seen


def _place(note: Note, item: InputFile, stem: str, options: Options) -> Note:
    """The note in its final deck and note type."""
    if options.deck is not None:
        target = options.deck
    elif item.deck_prefix is None:
        target = note.deck
    elif note.deck == stem:  # the file names no deck of its own: the folder's deck
        target = item.deck_prefix
    else:
        target = f"{item.deck_prefix}::{note.deck}"
    kind = note.kind
    if kind is NoteKind.BASIC and _CLOZE.search(note.question):
        kind = NoteKind.CLOZE
    elif kind is NoteKind.BASIC and options.kind is not None:
        kind = options.kind
    if target == note.deck and kind is note.kind:
        return note
    return replace(note, deck=target, kind=kind)


def _check_cards(note: Note) -> Diagnostic | None:
    """An error when the note would make no card in Anki."""
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


def plan_package(inputs: Sequence[Path | InputFile], output: Path, options: Options) -> PackagePlan:
    """Read, normalize and render ``inputs`` into one package; writes nothing.

    Unreadable inputs become error diagnostics in the plan, so every problem of every input
    is reported at once.
    """
    items = _as_inputs(inputs)
    notes: list[Note] = []
    diagnostics: list[Diagnostic] = []
    cards_read = 0
    template = None
    if options.template is not None:
        try:
            template, template_warnings = load_template(options.template, notetypes.basic())
            diagnostics.extend(template_warnings)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
    for item in items:
        try:
            found, found_diagnostics, seen = read_notes(item, options)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        notes.extend(found)
        diagnostics.extend(found_diagnostics)
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
    renderer = FieldRenderer(
        markdown=options.markdown, allow_html=options.allow_html, math=options.math
    )
    rendered = tuple(
        RenderedNote(
            guid=guid,
            deck=note.deck,
            fields=(
                renderer.render(note.question, note.text_format, note.location),
                renderer.render(note.answer, note.text_format, note.answer_location),
            ),
            tags=note.tags,
            location=note.location,
            kind=note.kind,
        )
        for note, guid in kept
    )
    if renderer.formulas:
        rendered, math_diagnostics = _with_svg_math(renderer, rendered)
        diagnostics.extend(math_diagnostics)
    if not rendered and not any(d.severity is Severity.ERROR for d in diagnostics):
        where = SourceLocation(str(items[0].path)) if items else SourceLocation(str(output))
        diagnostics.append(Diagnostic(where, Severity.ERROR, "no cards found"))
    decks = tuple(dict.fromkeys(note.deck for note in rendered))
    return PackagePlan(
        output,
        tuple(item.path for item in items),
        rendered,
        tuple(diagnostics),
        cards_read,
        normalized.changed,
        normalized.dropped,
        decks,
        template,
        tuple(sorted(renderer.media.items())),
    )


def _with_svg_math(
    renderer: FieldRenderer, notes: tuple[RenderedNote, ...]
) -> tuple[tuple[RenderedNote, ...], list[Diagnostic]]:
    """Notes whose formula tokens are replaced by SVG, rendered in one batch."""
    fields = [field for note in notes for field in note.fields]
    done, diagnostics = renderer.finish_svg(fields)
    width = len(notes[0].fields) if notes else 0
    updated = tuple(
        replace(note, fields=tuple(done[i * width : (i + 1) * width]))
        for i, note in enumerate(notes)
    )
    return updated, diagnostics


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


def write_plans(
    plans: Sequence[PackagePlan], options: Options, timestamp: int | None = None
) -> list[PackageReport]:
    """Write every plan, or none: any error (any warning with ``strict``) stops them all."""
    if any(_failures(plan, options.strict) for plan in plans):
        raise _refuse(plans, options.strict)
    reports = []
    for plan in plans:
        stamp = timestamp if timestamp is not None else inputs_timestamp(plan.inputs)
        written = write_apkg(plan.output, plan.notes, stamp, _note_types(plan.template), plan.media)
        reports.append(PackageReport(plan, stamp, plan.diagnostics + tuple(written)))
    return reports


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _walk(folder: Path) -> list[Path]:
    """Every visible file below ``folder``, in sorted order (hidden files and folders skipped)."""
    found: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if not _visible(entry):
            continue
        if entry.is_dir():
            found.extend(_walk(entry))
        elif entry.is_file():
            found.append(entry)
    return found


def expand_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Inputs with every folder replaced by the files below it, recursively, in sorted order."""
    expanded: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files = _walk(path)
            if not files:
                raise UsageError(f"{path}: the folder holds no source files")
            expanded.extend(files)
        else:
            expanded.append(path)
    return expanded


def convert(
    inputs: Sequence[Path],
    output: Path,
    options: Options | None = None,
    timestamp: int | None = None,
) -> PackageReport:
    """Build one package at ``output`` from ``inputs`` (files, or folders read recursively).

    Each file's notes go to the deck the file names, else one named after the file, unless
    ``options.deck`` is given. ``timestamp`` (seconds) is stamped into every note; by default
    the newest modification time of the inputs. Raises :class:`InputError` (nothing written)
    when any input has errors.
    """
    options = options or Options()
    if output.suffix.lower() != ".apkg":
        raise UsageError(f"{output}: the output must be an .apkg file")
    plan = plan_package(expand_inputs(inputs), output, options)
    return write_plans([plan], options, timestamp)[0]


@dataclass(frozen=True, slots=True)
class PackageSource:
    """What one package of a build is made from."""

    output: Path
    inputs: tuple[InputFile, ...]


def _package(entry: Path, root: Path, out_dir: Path) -> PackageSource | None:
    """The package a file or folder directly under ``root`` makes, if any."""
    if entry.is_dir():
        inputs = tuple(
            InputFile(path, "::".join(path.parent.relative_to(root).parts)) for path in _walk(entry)
        )
        return PackageSource(out_dir / f"{entry.name}.apkg", inputs) if inputs else None
    if entry.is_file():
        return PackageSource(out_dir / f"{entry.stem}.apkg", (InputFile(entry),))
    return None


def discover_packages(source_dir: Path, out_dir: Path) -> list[PackageSource]:
    """The packages a build makes from ``source_dir``.

    Each file directly in it becomes ``<stem>.apkg``; each folder becomes ``<folder>.apkg``,
    holding every file below it, its subfolders as subdecks (``Folder::Sub``).
    """
    if not source_dir.is_dir():
        raise UsageError(f"{source_dir}: no such folder of source cards")
    packages: list[PackageSource] = []
    claimed: dict[Path, Path] = {}
    for entry in sorted(source_dir.iterdir()):
        package = _package(entry, source_dir, out_dir) if _visible(entry) else None
        if package is None:
            continue
        if package.output in claimed:
            raise UsageError(
                f"{entry} and {claimed[package.output]} would both be written to "
                f"{package.output}; rename one of them"
            )
        claimed[package.output] = entry
        packages.append(package)
    if not packages:
        raise UsageError(f"{source_dir}: no source files to build")
    return packages


def build(
    source_dir: Path, out_dir: Path, options: Options | None = None, timestamp: int | None = None
) -> list[PackageReport]:
    """One package per file or folder of ``source_dir``, written to ``out_dir``.

    All sources are read before anything is written: one bad file and no package is written.
    """
    options = options or Options()
    plans = [
        plan_package(package.inputs, package.output, options)
        for package in discover_packages(source_dir, out_dir)
    ]
    return write_plans(plans, options, timestamp)


def check(
    paths: Sequence[Path], source_dir: Path, out_dir: Path, options: Options | None = None
) -> list[PackagePlan]:
    """Everything a build would do but write: the plans, with every diagnostic.

    With no ``paths``, the packages of ``source_dir`` as ``build`` makes them; otherwise one
    package per path (a file, or a folder whose subfolders are subdecks).
    """
    options = options or Options()
    if not paths:
        packages = discover_packages(source_dir, out_dir)
    else:
        packages = []
        for path in paths:
            if not path.exists():
                raise UsageError(f"{path}: no such file or folder")
            package = _package(path, path.parent, out_dir)
            if package is None:
                raise UsageError(f"{path}: the folder holds no source files")
            packages.append(package)
    return [plan_package(package.inputs, package.output, options) for package in packages]
