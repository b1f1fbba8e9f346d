"""read → normalize → render, for one package: everything a build does before it writes.

A plan holds the notes as they will be written, every diagnostic, and the media; nothing
here writes or prints.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ankipress import notetypes, readers, rules
from ankipress.building.discover import (
    InputFile,
    notes_app_root,
)
from ankipress.duplicates import DuplicateKeys, OnDuplicate
from ankipress.errors import InputError
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    NoteStream,
    NoteType,
    ReadOptions,
    RenderedNote,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.normalize import Cleaner, normalize
from ankipress.notetypes.clozes import misreadings
from ankipress.notetypes.usertemplate import load_template
from ankipress.options import Options
from ankipress.render import FieldRenderer, MathMode
from ankipress.render.media import MediaPacker, pack_references
from ankipress.render.sanitize import NoteScreen, screen_notes
from ankipress.sources import (
    LineSource,
    load,
    load_head,
    note_problems,
    open_lines,
    open_regular_file,
    unwritable_text,
)


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
    sources: tuple[tuple[Note, str], ...] = ()
    """The notes as read and normalized, each with the GUID it has without the lock file
    (:mod:`ankipress.building.lock`), in order."""
    written: int | None = None
    """How many notes were written, for a plan streamed to its package as it was rendered
    (:func:`ankipress.building.pipeline.convert`): its :attr:`notes` are then not kept."""

    @property
    def note_count(self) -> int:
        """How many notes the package holds."""
        return self.written if self.written is not None else len(self.notes)

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
        return self.cards_read - self.note_count


@dataclass(frozen=True, slots=True)
class TextPlan:
    """A deck read and normalized for a text output: the plan, and the notes as written."""

    plan: PackagePlan
    notes: tuple[Note, ...]


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
            where = SourceLocation(str(path))
            diagnostic = Diagnostic(where, Severity.ERROR, message, None, rules.UNREADABLE_SOURCE)
            raise InputError(str(diagnostic), [diagnostic]) from None
    return max(times)


_CLOZE = re.compile(r"\{\{c\d+::")
_CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::", re.IGNORECASE)
_MAX_CLOZE = 0xFFFF


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
        allow_html=options.allow_html and not options.markdown,
        root=str(item.root) if item.root is not None else None,
    )
    binary = readers.binary_reader_for(path, options.input_format)
    if binary is not None:
        result = binary.read_file(path, str(path), read_options)
        notes = [_place(note, item, path.stem, options) for note in result.notes]
        diagnostics = list(result.diagnostics)
        kept = sum(1 for note in notes if note.kind is NoteKind.CUSTOM)
        if kept and (options.kind is not None or options.template is not None):
            # A package's note keeps its note type; the options make notes of ours.
            given = "--template" if options.template is not None else "--type-answer"
            if options.kind is NoteKind.REVERSED:
                given = "--reverse"
            message = f"{given} does not apply to the {kept} notes that keep their note type"
            where = SourceLocation(str(path))
            rule = rules.NOTE_TYPE_OPTION_IGNORED
            diagnostics.append(Diagnostic(where, Severity.INFO, message, None, rule))
        return notes, diagnostics, result.cards_seen, result.media
    source = load(path, str(path), options.encoding, options.max_source_bytes)
    reader = (
        readers.get_reader(options.input_format)
        if options.input_format
        else readers.detect(
            load_head(path, str(path), options.encoding, options.max_source_bytes) or source,
            read_options,
        )
    )
    result = reader.read(source, read_options)
    diagnostics = [*source.diagnostics, *result.diagnostics]
    if not result.notes and item.root is not None and notes_app_root(path) is not None:
        diagnostics = _note_without_cards(diagnostics)
    fitting = [note for note in result.notes if _fits(note, options, diagnostics)]
    notes = [_place(note, item, path.stem, options) for note in fitting]
    if any(note.deck.casefold() == "default" and note.deck == path.stem for note in notes):
        diagnostics.append(
            Diagnostic(
                source.location(),
                Severity.ERROR,
                f"the notes would go to Anki's Default deck, named after the file {path.name}",
                "name the deck with --deck, or rename the file",
                rules.DEFAULT_DECK,
            )
        )
        notes = []
    return notes, diagnostics, result.cards_seen, result.media


def _note_without_cards(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A vault's or graph's note without cards, found in a folder given: most notes of a
    notes app hold none, so "no cards found" is a note there, not an error."""
    if any(d.severity is Severity.ERROR and d.message != "no cards found" for d in diagnostics):
        return diagnostics
    return [
        replace(d, severity=Severity.NOTE, message="no cards in this note: skipped", hint=None)
        if d.severity is Severity.ERROR
        else d
        for d in diagnostics
    ]


def _fits(note: Note, options: Options, diagnostics: list[Diagnostic]) -> bool:
    """Whether every field of a text source's note is within the limits; else say why.

    Checked before anything is rendered: a field of megabytes, or brackets that would take
    Markdown hours, is refused with its line instead (:func:`ankipress.sources.field_problem`).
    """
    markdown = note.text_format is TextFormat.MARKDOWN or (
        options.markdown and note.text_format is TextFormat.PLAIN
    )
    problems = note_problems(note, markdown, html=options.allow_html)
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
    if options.allow_html and not options.markdown and note.text_format is TextFormat.PLAIN:
        # --allow-html on a plain-text source: its fields are HTML, as Anki's "Allow HTML in
        # fields" (#html:true) reads them; they are screened as any HTML source is.
        note = replace(note, text_format=TextFormat.HTML)
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


def _check_cards(note: Note) -> tuple[bool, Diagnostic | None]:
    """Whether the note makes a card in Anki, and what is wrong with it, if anything.

    Empty fields follow Anki's rules (readers whose source app has another rule, such as
    mdanki's, apply it themselves): a note with an empty answer is kept, with a warning, as
    Anki keeps one; a note with an empty question is skipped, with a warning, as Anki's
    importer skips a note whose first field is empty. Never a failed deck.
    """
    if note.kind is NoteKind.CUSTOM or note.card_ords:
        return True, None  # its cards are the ones it had where it was read from
    if note.kind is NoteKind.CLOZE and not _CLOZE.search(note.question):
        return False, Diagnostic(
            note.location,
            Severity.ERROR,
            "a cloze note needs at least one deletion such as {{c1::text}}",
            rule=rules.CLOZE_WITHOUT_DELETION,
        )
    if note.kind is NoteKind.CLOZE:
        # Anki stores a card's number in 16 bits, and refuses the whole package past it.
        digits = [n.lstrip("0") or "0" for n in _CLOZE_NUMBER.findall(note.question)]
        biggest = max(int(n) if len(n) <= 9 else _MAX_CLOZE + 1 for n in digits)
        if biggest > _MAX_CLOZE:
            return False, Diagnostic(
                note.location,
                Severity.ERROR,
                f"cloze number c{biggest} is larger than the {_MAX_CLOZE:,} Anki takes",
                rule=rules.CLOZE_NUMBER_TOO_LARGE,
            )
    if not note.question.strip():
        message = "the question is empty: the note is skipped, as Anki skips it"
        hint = "write the question, or delete the note"
        return False, Diagnostic(
            note.location, Severity.WARNING, message, hint, rules.EMPTY_QUESTION
        )
    if note.kind is not NoteKind.CLOZE and not note.answer.strip():
        return True, Diagnostic(
            note.answer_location or note.location,
            Severity.WARNING,
            "the answer is empty: the note is kept, as Anki keeps it",
            "write an answer, or make the note a cloze with {{c1::…}}",
            rules.EMPTY_ANSWER,
        )
    return True, None


def _as_inputs(inputs: Sequence[Path | InputFile]) -> list[InputFile]:
    return [item if isinstance(item, InputFile) else InputFile(item) for item in inputs]


@dataclass
class Gathered:
    """Inputs read and normalized: the notes with their GUIDs, media, and what was said."""

    items: list[InputFile]
    kept: list[tuple[Note, str]]
    media: list[Media]
    diagnostics: list[Diagnostic]
    cards_read: int
    changed: int
    dropped: int
    template: NoteType | None


def _gather(inputs: Sequence[Path | InputFile], options: Options) -> Gathered:
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
        keep, problem = _check_cards(note)
        if keep:
            kept.append((note, guid))
        if problem is not None:
            diagnostics.append(problem)
    return Gathered(
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
    gathered: Gathered,
    output: Path,
    notes: tuple[RenderedNote, ...],
    media: Sequence[Media],
    written: int | None = None,
    decks: Iterable[str] = (),
) -> PackagePlan:
    diagnostics = gathered.diagnostics
    packed, media_diagnostics = _merge_media(media)
    diagnostics.extend(media_diagnostics)
    count = len(notes) if written is None else written
    if not count and not any(d.severity is Severity.ERROR for d in diagnostics):
        items = gathered.items
        where = SourceLocation(str(items[0].path)) if items else SourceLocation(str(output))
        diagnostics.append(Diagnostic(where, Severity.ERROR, "no cards found", rule=rules.NO_CARDS))
    return PackagePlan(
        output,
        tuple(item.path for item in gathered.items),
        notes,
        tuple(diagnostics),
        gathered.cards_read,
        gathered.changed,
        gathered.dropped,
        tuple(dict.fromkeys(note.deck for note in notes)) if written is None else tuple(decks),
        gathered.template,
        packed,
        tuple(gathered.kept) if written is None else (),
        written,
    )


def plan_package(inputs: Sequence[Path | InputFile], output: Path, options: Options) -> PackagePlan:
    """Read, normalize and render ``inputs`` into one package; writes nothing.

    Unreadable inputs become error diagnostics in the plan, so every problem of every input
    is reported at once.
    """
    return finish_plan(gather(inputs, options), output, options)


def gather(inputs: Sequence[Path | InputFile], options: Options) -> Gathered:
    """Read and normalize ``inputs``: the notes to render, with their GUIDs."""
    return _gather(inputs, options)


def finish_plan(gathered: Gathered, output: Path, options: Options) -> PackagePlan:
    """The plan of ``gathered`` notes: rendered, screened, their media packed."""
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


def streams(gathered: Gathered, options: Options) -> bool:
    """Whether ``gathered`` can be rendered a note at a time, as it is written
    (:class:`RenderStream`): nothing to refuse already, no formulas rendered in one batch,
    no note type of a note's own (whose screened templates may change under its notes)."""
    return (
        options.math is not MathMode.SVG
        and bool(gathered.kept)
        and not any(d.severity is Severity.ERROR for d in gathered.diagnostics)
        and not (
            options.strict and any(d.severity is Severity.WARNING for d in gathered.diagnostics)
        )
        and all(
            note.notetype is None and note.kind is not NoteKind.CUSTOM for note, _ in gathered.kept
        )
    )


class RenderStream:
    """The gathered notes rendered, screened and their media packed one at a time, as a
    writer takes them: the same notes and diagnostics as :func:`finish_plan`, without a
    list of every rendered note. Iterate once, then :meth:`plan`."""

    def __init__(
        self, gathered: Gathered, output: Path, options: Options, mods: Sequence[int]
    ) -> None:
        self.gathered = gathered
        self.output = output
        self.options = options
        self.mods = mods
        self.renderer = FieldRenderer(
            markdown=options.markdown, allow_html=options.allow_html, math=options.math
        )
        # One screen and one packer for the whole package: each says a thing once.
        self.screen = NoteScreen(options.sanitize, False, options.allow_html, options.markdown)
        self.packer = MediaPacker({item.name for item in gathered.media})
        self.rendering: list[Diagnostic] = []
        self.written = 0
        self.decks: dict[str, None] = {}

    def __iter__(self) -> Iterator[RenderedNote]:
        notes = _tick(self.gathered.kept, self.output, self.options)
        for (note, guid), mod in zip(notes, self.mods, strict=True):
            done = _render_checked(self.renderer, note, guid, self.rendering, mod)
            if done is None:
                continue
            done = self.packer.note(self.screen.note(done))
            self.written += 1
            self.decks.setdefault(done.deck)
            yield done

    def plan(self) -> PackagePlan:
        """The plan of what was written: diagnostics in :func:`finish_plan`'s order."""
        diagnostics = self.gathered.diagnostics
        diagnostics.extend(self.rendering)
        diagnostics.extend(self.screen.diagnostics)
        diagnostics.extend(self.packer.diagnostics)
        media = [*self.gathered.media, *self.packer.media]
        return _plan(self.gathered, self.output, (), media, self.written, self.decks)


def plan_text(inputs: Sequence[Path | InputFile], output: Path, options: Options) -> TextPlan:
    """Read and normalize ``inputs`` for a text output: notes as written, not rendered."""
    gathered = _gather(inputs, options)
    # Text writers take a custom note type's fields as HTML: a table's plain ones become so.
    renderer = FieldRenderer(markdown=options.markdown, math=MathMode.NONE)
    gathered.kept = [(_html_fields(renderer, note), guid) for note, guid in gathered.kept]
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
            sealed=note.sealed,
        )
        for note, guid in gathered.kept
    )
    # HTML fields go out as they are: active content is listed, or removed (--sanitize).
    stand_ins, screened = screen_notes(stand_ins, options.sanitize, source_text=True)
    gathered.diagnostics.extend(screened)
    if options.sanitize:
        notes = tuple(_refilled(note, done) for note, done in zip(notes, stand_ins, strict=True))
    return TextPlan(_plan(gathered, output, stand_ins, gathered.media), notes)


def _html_fields(renderer: FieldRenderer, note: Note) -> Note:
    """``note`` with its custom note type's fields as HTML, if they are plain or Markdown."""
    if note.kind is not NoteKind.CUSTOM or note.text_format is TextFormat.HTML:
        return note
    fields = tuple(renderer.render(field, note.text_format, note.location) for field in note.fields)
    return replace(
        note,
        question=fields[0],
        answer=fields[1] if len(fields) > 1 else "",
        fields=fields,
        text_format=TextFormat.HTML,
    )


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
    renderer: FieldRenderer,
    note: Note,
    guid: str,
    diagnostics: list[Diagnostic],
    mod: int | None = None,
) -> RenderedNote | None:
    """The note rendered, or ``None`` after an error for a field nested too deep to render.

    Python-Markdown recurses once per level of lists and quotes: hundreds of levels exhaust
    Python's stack, which is the field's problem, not a crash.
    """
    try:
        rendered = _render_note(renderer, note, guid, mod)
    except RecursionError:
        message = "a field nests lists or quotes too deeply to render"
        hint = "Markdown nesting of a few dozen levels at most"
        diagnostics.append(
            Diagnostic(note.location, Severity.ERROR, message, hint, rules.FIELD_NOT_WRITABLE)
        )
        return None
    if note.kind is NoteKind.CLOZE and rendered.fields:
        # What Anki will read otherwise than written: "}}" in code ending a deletion...
        diagnostics.extend(
            Diagnostic(note.location, Severity.WARNING, message, rule=rules.CLOZE_MISREAD)
            for message in misreadings(rendered.fields[0])
        )
    return rendered


def _render_note(
    renderer: FieldRenderer, note: Note, guid: str, mod: int | None = None
) -> RenderedNote:
    if note.kind is NoteKind.CUSTOM and note.text_format is TextFormat.HTML:
        # A note type carried over from a package: its fields are its own HTML, as they were.
        fields = note.fields
    elif note.kind is NoteKind.CUSTOM:
        # A table's fields (or another text source's): rendered as the source wrote them.
        fields = tuple(
            renderer.render(field, note.text_format, note.location) for field in note.fields
        )
    else:
        fields = (
            renderer.render(note.question, note.text_format, note.location),
            renderer.render(note.answer, note.text_format, note.answer_location),
        )
    # Positional: a frozen dataclass takes keywords at a cost paid once a note.
    return RenderedNote(
        guid,
        note.deck,
        fields,
        note.tags,
        note.location,
        note.kind,
        mod,
        note.notetype,
        note.card_ords,
        TextFormat.HTML if note.kind is NoteKind.CUSTOM else note.text_format,
        note.sealed,
        note.deck_carried,
        note.columns,
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
                    rules.MEDIA_NAME_CLASH,
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


class Unstreamable(Exception):
    """What one pass met needs the planned build (:func:`gather`, :func:`finish_plan`): an
    error or a refusal to report exactly as it reports them, a note type of a note's own,
    formulas rendered in one batch. Nothing was written; plan the package instead."""


class RowSink(Protocol):
    """Where :class:`OnePass` puts each rendered note (a staged package)."""

    def add(self, note: RenderedNote, src: int | None = None, line: int | None = None) -> int:
        """Stage the note; its row number (1, 2 …)."""
        ...

    def retag(self, row: int, tags: Sequence[str]) -> None:
        """The staged note of ``row`` takes these tags instead."""
        ...


_SIFT = 1024
"""Notes read, cleaned and keyed before their duplicates are sorted out in one go."""


def can_stream(options: Options) -> bool:
    """Whether :class:`OnePass` may try these options: no formulas rendered in one batch,
    no ``--on-duplicate last`` (which moves a note kept to where its repeat is)."""
    return options.math is not MathMode.SVG and options.on_duplicate is not OnDuplicate.LAST


class OnePass:
    """:func:`gather` then :class:`RenderStream`, a note at a time: each note read, fitted,
    placed, cleaned, keyed, checked, rendered and put in a :class:`RowSink`, holding a
    chunk of notes, not the deck; duplicates are found by keys kept on disk
    (:class:`~ankipress.duplicates.DuplicateKeys`).

    The diagnostics are those of the planned build, in its order (each stage's are kept
    apart and joined at the end). Whatever the planned build would refuse, or say in
    another way than a note at a time, raises :class:`Unstreamable` as soon as it is met.
    """

    def __init__(self, inputs: Sequence[Path | InputFile], output: Path, options: Options) -> None:
        if not can_stream(options):
            raise Unstreamable("these options need every note")
        self.items = _as_inputs(inputs)
        self.output = output
        self.options = options
        self.head: list[Diagnostic] = []
        self.template = None
        if options.template is not None:
            try:
                self.template, template_warnings = load_template(
                    options.template, notetypes.basic()
                )
                self._said(template_warnings)
                self.head.extend(template_warnings)
            except InputError as exc:
                raise Unstreamable(str(exc)) from None
        self.cleaner = Cleaner(options.tags)
        self.cleaning: list[Diagnostic] = []
        self.checking: list[Diagnostic] = []
        self.rendering: list[Diagnostic] = []
        self.renderer = FieldRenderer(
            markdown=options.markdown, allow_html=options.allow_html, math=options.math
        )
        self.screen = NoteScreen(options.sanitize, False, options.allow_html, options.markdown)
        self.media: list[Media] = []
        self.packer: MediaPacker | None = None
        self.cards_read = 0
        self.written = 0
        self.decks: dict[str, None] = {}
        self.sources: dict[str, int] = {}
        """Each source path's number, as rows are located in the sink."""
        self._skipped: list[int] = []  # positions among the kept notes that make no row
        self._keys: DuplicateKeys | None = None

    def _said(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Stop at what the planned build refuses: it says it in its own words and order."""
        blocking = {Severity.ERROR, Severity.WARNING} if self.options.strict else {Severity.ERROR}
        if any(d.severity in blocking for d in diagnostics):
            raise Unstreamable("refused")

    def run(self, sink: RowSink, scratch: Path) -> None:
        """Read every input into ``sink``; ``scratch``: a folder for the duplicate keys."""
        self._keys = DuplicateKeys(scratch / "keys.db", self.options.on_duplicate)
        try:
            chunk: list[Note] = []
            for item in self.items:
                for note in self._read(item):
                    chunk.append(note)
                    if len(chunk) >= _SIFT:
                        self._sift(chunk, sink)
                        chunk = []
            self._sift(chunk, sink)
        finally:
            self._keys.close()

    def _read(self, item: InputFile) -> Iterator[Note]:
        """The notes of one input, fitted, placed and cleaned; its own diagnostics after."""
        path = item.path
        options = self.options
        read_options = ReadOptions(
            default_deck=path.stem,
            separator=options.separator,
            card_separator=options.card_separator,
            columns=options.columns,
            allow_html=options.allow_html and not options.markdown,
            root=str(item.root) if item.root is not None else None,
        )
        if readers.binary_reader_for(path, options.input_format) is not None:
            raise Unstreamable("a package keeps its note types")
        encoding, limit = options.encoding, options.max_source_bytes
        try:
            if options.input_format:
                reader = readers.get_reader(options.input_format)
                streaming = readers.streaming(reader)
                if streaming is not None:
                    lines = open_lines(path, str(path), options.encoding, options.max_source_bytes)
                    stream = streaming.stream(lines, read_options)
                else:
                    source = load(path, str(path), options.encoding, options.max_source_bytes)
                    lines = LineSource.of(source)
                    stream = NoteStream.of(reader.read(source, read_options))
            elif (head := load_head(path, str(path), encoding, limit)) is not None:
                # A big source: its format told from its head, then read as a stream.
                reader = readers.detect(head, read_options)
                del head
                streaming = readers.streaming(reader)
                if streaming is not None:
                    lines = open_lines(path, str(path), encoding, limit)
                    stream = streaming.stream(lines, read_options)
                else:
                    source = load(path, str(path), encoding, limit)
                    lines = LineSource.of(source)
                    stream = NoteStream.of(reader.read(source, read_options))
                    del source
            else:
                source = load(path, str(path), encoding, limit)
                reader = readers.detect(source, read_options)
                streaming = readers.streaming(reader)
                lines = LineSource.of(source)
                if streaming is not None:
                    stream = streaming.stream(lines, read_options)
                else:
                    stream = NoteStream.of(reader.read(source, read_options))
                del source
            fits: list[Diagnostic] = []
            count = 0
            stem = path.stem
            tell = self._progress(item)
            for found in stream:
                count += 1
                if tell is not None and count % _TICK == 0:
                    tell(found.location.line)
                if not _fits(found, options, fits):
                    raise Unstreamable("a field does not fit")
                note = _place(found, item, stem, options)
                if note.notetype is not None or note.kind is NoteKind.CUSTOM:
                    raise Unstreamable("a note type of its own")
                if note.deck.casefold() == "default" and note.deck == stem:
                    raise Unstreamable("the Default deck")
                if unwritable_text(note) is not None:
                    raise Unstreamable("unwritable text")
                said = len(self.cleaning)
                note = self.cleaner.clean(note, self.cleaning)
                if len(self.cleaning) > said:
                    self._said(self.cleaning[said:])
                yield note
            result = stream.result()
            if tell is not None:
                tell(None)
        except InputError as exc:
            raise Unstreamable(str(exc)) from None
        diagnostics = [*lines.diagnostics, *result.diagnostics]
        if not count and item.root is not None and notes_app_root(path) is not None:
            diagnostics = _note_without_cards(diagnostics)
        self._said(diagnostics)
        if result.media and self.packer is not None:
            raise Unstreamable("media named after notes were rendered")
        self.head.extend(diagnostics)
        self.media.extend(result.media)
        self.cards_read += result.cards_seen

    def _progress(self, item: InputFile) -> Callable[[int | None], None] | None:
        """What tells ``options.progress`` how far into ``item`` the reading is, by its
        lines (the notes' number is not known before they are read); ``None`` to tell
        nothing. Called with a note's line, then ``None`` at the end of the file."""
        progress = self.options.progress
        if progress is None:
            return None
        try:
            with open_regular_file(item.path) as stream:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
        except OSError:
            return None  # reading it says what is wrong
        label = self.output.name
        if len(self.items) > 1:
            label = f"{label}: {item.path.name}"

        def tell(line: int | None) -> None:
            done = total if line is None else min(line, total)
            progress(label, done, total)

        return tell

    def _sift(self, chunk: list[Note], sink: RowSink) -> None:
        assert self._keys is not None
        keys = self._keys
        said = len(keys.diagnostics)
        kept, retagged = keys.sift(chunk)
        self._said(keys.diagnostics[said:])
        for position, tags in retagged:
            index = bisect.bisect_left(self._skipped, position)
            if index < len(self._skipped) and self._skipped[index] == position:
                continue  # it made no row
            sink.retag(position + 1 - index, tags)
        if self.packer is None:  # every input's own media are known once it is read
            self.packer = MediaPacker({item.name for item in self.media})
        position = keys.kept - len(kept)
        for note, guid in kept:
            keep, problem = _check_cards(note)
            if problem is not None:
                self._said([problem])
                self.checking.append(problem)
            if not keep:
                self._skipped.append(position)
                position += 1
                continue
            position += 1
            said = len(self.rendering)
            done = _render_checked(self.renderer, note, guid, self.rendering)
            if done is None:
                raise Unstreamable("a field cannot be rendered")
            if len(self.rendering) > said:
                self._said(self.rendering[said:])
            done = self.packer.note(self.screen.note(done))
            self.written += 1
            self.decks.setdefault(done.deck)
            where = note.location
            src = self.sources.setdefault(where.path, len(self.sources))
            sink.add(done, src, where.line)

    def plan(self) -> PackagePlan:
        """The plan of what was put in the sink: diagnostics in :func:`finish_plan`'s order."""
        assert self._keys is not None
        keys = self._keys
        diagnostics = [*self.head, *self.cleaning, *keys.diagnostics, *self.checking]
        diagnostics.extend(self.rendering)
        diagnostics.extend(self.screen.diagnostics)
        packer_media: list[Media] = []
        if self.packer is not None:
            diagnostics.extend(self.packer.diagnostics)
            packer_media = list(self.packer.media)
        gathered = Gathered(
            self.items,
            [],
            self.media,
            diagnostics,
            self.cards_read,
            self.cleaner.changed,
            keys.seen - keys.kept,
            self.template,
        )
        media = [*self.media, *packer_media]
        return _plan(gathered, self.output, (), media, self.written, self.decks)
