"""read → normalize → render → write, for one package or a folder of them.

Nothing here prints or exits: results and problems come back as values, failures as
:class:`~ankipress.errors.AnkipressError` carrying every diagnostic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ankipress import readers
from ankipress.errors import InputError, UsageError
from ankipress.model import Diagnostic, Note, RenderedNote, Severity, SourceLocation
from ankipress.normalize import normalize, note_key
from ankipress.notetypes import basic
from ankipress.render import FieldRenderer
from ankipress.sources import load
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


def inputs_timestamp(inputs: Sequence[Path]) -> int:
    """The newest modification time of the inputs, in whole seconds."""
    return max(int(os.stat(path).st_mtime) for path in inputs)


def _display(path: Path) -> str:
    return str(path)


def read_notes(path: Path, options: Options) -> tuple[list[Note], list[Diagnostic], int]:
    """Read one input: its notes, diagnostics and the number of cards its reader met."""
    source = load(path, _display(path), options.encoding)
    reader = (
        readers.get_reader(options.input_format) if options.input_format else readers.detect(source)
    )
    result = reader.read(source, default_deck=path.stem)
    notes = list(result.notes)
    if options.deck is not None:
        notes = [_with_deck(note, options.deck) for note in notes]
    return notes, list(result.diagnostics), result.cards_seen


def _with_deck(note: Note, deck: str) -> Note:
    return replace(note, deck=deck)


def plan_package(inputs: Sequence[Path], output: Path, options: Options) -> PackagePlan:
    """Read, normalize and render ``inputs`` into one package; writes nothing.

    Unreadable inputs become error diagnostics in the plan, so every problem of every input
    is reported at once.
    """
    notes: list[Note] = []
    diagnostics: list[Diagnostic] = []
    cards_read = 0
    for path in inputs:
        try:
            found, found_diagnostics, seen = read_notes(path, options)
        except InputError as exc:
            diagnostics.extend(exc.diagnostics)
            continue
        notes.extend(found)
        diagnostics.extend(found_diagnostics)
        cards_read += seen
    normalized = normalize(notes, options.tags)
    diagnostics.extend(normalized.diagnostics)
    renderer = FieldRenderer(markdown=options.markdown, allow_html=options.allow_html)
    rendered = tuple(
        RenderedNote(
            guid=note_key(note),
            deck=note.deck,
            fields=(
                renderer.render(note.question, note.text_format),
                renderer.render(note.answer, note.text_format),
            ),
            tags=note.tags,
            location=note.location,
        )
        for note in normalized.notes
    )
    if not rendered and not any(d.severity is Severity.ERROR for d in diagnostics):
        where = SourceLocation(_display(inputs[0])) if inputs else SourceLocation(str(output))
        diagnostics.append(Diagnostic(where, Severity.ERROR, "no cards found"))
    decks = tuple(dict.fromkeys(note.deck for note in rendered))
    return PackagePlan(
        output,
        tuple(inputs),
        rendered,
        tuple(diagnostics),
        cards_read,
        normalized.changed,
        normalized.dropped,
        decks,
    )


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


def write_plans(
    plans: Sequence[PackagePlan], options: Options, timestamp: int | None = None
) -> list[PackageReport]:
    """Write every plan, or none: any error (any warning with ``strict``) stops them all."""
    if any(_failures(plan, options.strict) for plan in plans):
        raise _refuse(plans, options.strict)
    reports = []
    note_type = basic()
    for plan in plans:
        stamp = timestamp if timestamp is not None else inputs_timestamp(plan.inputs)
        written = write_apkg(plan.output, plan.notes, note_type, stamp)
        reports.append(PackageReport(plan, stamp, plan.diagnostics + tuple(written)))
    return reports


def convert(
    inputs: Sequence[Path],
    output: Path,
    options: Options | None = None,
    timestamp: int | None = None,
) -> PackageReport:
    """Build one package at ``output`` from ``inputs``.

    ``timestamp`` (seconds) is stamped into every note; by default the newest modification
    time of the inputs. Raises :class:`InputError` (nothing written) when any input has errors.
    """
    options = options or Options()
    if output.suffix.lower() != ".apkg":
        raise UsageError(f"{output}: the output must be an .apkg file")
    plan = plan_package(inputs, output, options)
    return write_plans([plan], options, timestamp)[0]


def discover_sources(source_dir: Path) -> list[Path]:
    """The source files of a folder, sorted: every file but hidden ones."""
    if not source_dir.is_dir():
        raise UsageError(f"{source_dir}: no such folder of source cards")
    return sorted(
        path for path in source_dir.iterdir() if path.is_file() and not path.name.startswith(".")
    )


def build(
    source_dir: Path, out_dir: Path, options: Options | None = None, timestamp: int | None = None
) -> list[PackageReport]:
    """One package per source file of ``source_dir``, written to ``out_dir/<stem>.apkg``.

    All sources are read before anything is written: one bad file and no package is written.
    """
    options = options or Options()
    sources = discover_sources(source_dir)
    if not sources:
        raise UsageError(f"{source_dir}: no source files to build")
    stems: dict[str, Path] = {}
    for path in sources:
        if path.stem in stems:
            raise UsageError(
                f"{path} and {stems[path.stem]} would both be written to "
                f"{out_dir / (path.stem + '.apkg')}; rename one of them"
            )
        stems[path.stem] = path
    plans = [plan_package([path], out_dir / f"{path.stem}.apkg", options) for path in sources]
    return write_plans(plans, options, timestamp)
