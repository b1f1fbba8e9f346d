"""The one model every reader produces and every writer consumes.

Readers turn a source file into :class:`Note` values plus :class:`Diagnostic` values;
normalization, rendering and writing only ever see these. All are frozen, slotted
dataclasses: plain values that can be compared in tests and never mutated in place.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from ankipress import ids
from ankipress.rules import UNCLASSIFIED, Rule


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """Where something came from: a path and a 1-based physical line (and column)."""

    path: str
    """The path as the user gave it (not resolved), so messages match what they typed."""
    line: int | None = None
    """1-based physical line; ``None`` when the problem concerns the whole file."""
    column: int | None = None
    """1-based column, where a reader can tell."""

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class Severity(enum.Enum):
    """How bad a diagnostic is. Errors stop a build; warnings are reported."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    """Worth knowing, always shown, never a failure (a detected encoding)."""
    NOTE = "note"
    """A change made to the input; shown with ``--verbose``."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem, or a change made to the input, tied to where it came from."""

    location: SourceLocation
    severity: Severity
    message: str
    hint: str | None = None
    """How to fix it, when known; printed after the message."""
    rule: Rule = field(default=UNCLASSIFIED, compare=False)
    """Which kind of problem it is (:mod:`ankipress.rules`): a stable id for CI reports.
    Not compared: two diagnostics saying the same thing at the same place are equal."""

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return text


class TextFormat(enum.Enum):
    """How a note's text is written in its source, which decides how it is rendered."""

    PLAIN = "plain"
    """Plain text: shown literally, line breaks kept."""
    MARKDOWN = "markdown"
    """Markdown, rendered to HTML."""
    HTML = "html"
    """Already HTML: passed through."""


class NoteKind(enum.Enum):
    """Which of our note types a note becomes, and so which cards it makes."""

    BASIC = "basic"
    """One card: question on the front, answer on the back."""
    REVERSED = "reversed"
    """Two cards: question → answer, and answer → question."""
    CLOZE = "cloze"
    """One card per cloze number (``{{c1::…}}``) in the question; the answer is extra text."""
    TYPE_ANSWER = "type"
    """One card on which the answer is typed in and compared."""
    CUSTOM = "custom"
    """A note type that is not ours, carried over as it is (:attr:`Note.notetype`)."""


# Anki's own LaTeX preamble and postamble of a new note type (and genanki's).
ANKI_LATEX = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
    "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
    "\\setlength{\\parindent}{0in}\n\\begin{document}\n",
    "\\end{document}",
)


def latex_of(pre: object, post: object) -> tuple[str, str] | None:
    """A note type's LaTeX preamble and postamble as read, ``None`` where they are Anki's own
    (or not both text): only one of its own is worth carrying."""
    if not isinstance(pre, str) or not isinstance(post, str) or (pre, post) == ANKI_LATEX:
        return None
    return pre, post


@dataclass(frozen=True, slots=True)
class NoteType:
    """A note type: name, fields, card templates and CSS.

    Ours are built from package data (:mod:`ankipress.notetypes`); one read from a package
    keeps its ids, so that writing it back matches the note type it came from.
    """

    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, question format, answer format) for each card the note makes."""
    css: str
    cloze: bool = False
    fixed_id: int | None = None
    """The id it had where it was read from; ``None``: derived from the name."""
    field_ids: tuple[int | None, ...] = ()
    """Ids of the fields where they were read from (Anki matches fields by them)."""
    template_ids: tuple[int | None, ...] = ()
    """Ids of the templates where they were read from."""
    sort_field: int = 0
    """Which field Anki sorts and searches duplicates by."""
    latex: tuple[str, str] | None = None
    """What Anki puts before and after a note's ``[latex]`` formulas when it renders them
    (the note type's ``latexPre`` and ``latexPost``); ``None``: Anki's own."""
    carried: str | None = None
    """The whole note type as its source kept it (a CrowdAnki note model: a JSON object, keys
    sorted), so that its keys that ankipress does not model (``crowdanki_uuid``, field fonts,
    ``req``...) go through a package and back; ``None`` for most note types."""

    @property
    def id(self) -> int:
        """Its id: the one it was read with, or a stable hash of the name."""
        return self.fixed_id if self.fixed_id is not None else ids.notetype_id(self.name)


@dataclass(frozen=True, slots=True)
class Media:
    """A media file a note refers to by :attr:`name` (pictures, sounds, SVG formulas)."""

    name: str
    """Its name in Anki's media folder: one safe path component."""
    data: bytes
    location: SourceLocation | None = None
    """Where it was referred to or read from, for messages."""


@dataclass(frozen=True, slots=True)
class Note:
    """One question/answer pair as read from a source, before rendering."""

    question: str
    """The question as written in the source (lines joined with ``\\n``)."""
    answer: str
    """The answer as written in the source (lines joined with ``\\n``)."""
    deck: str
    """Full deck name, subdecks separated by ``::``."""
    location: SourceLocation
    """Where the note starts in its source."""
    tags: tuple[str, ...] = ()
    """Anki tags: no spaces, ``::`` for hierarchy."""
    guid: str | None = None
    """An id the source itself carries; ``None`` to derive one from deck and question."""
    text_format: TextFormat = TextFormat.PLAIN
    """How :attr:`question` and :attr:`answer` are to be rendered."""
    answer_location: SourceLocation | None = None
    """Where the answer starts, for messages about it."""
    kind: NoteKind = NoteKind.BASIC
    """The note type: basic, reversed, cloze, type-in, or custom."""
    notetype: NoteType | None = None
    """For :attr:`NoteKind.CUSTOM`: the note type carried over, whose fields are :attr:`fields`."""
    fields: tuple[str, ...] = ()
    """For :attr:`NoteKind.CUSTOM`: every field, in the note type's order (HTML)."""
    card_ords: tuple[int, ...] = ()
    """For notes read from a package: the templates (or cloze numbers - 1) of its cards."""
    sealed: bool = False
    """Read from a package: its media are the files the package holds, and a reference to
    any other file is never looked for on disk (beside the package, it may be anyone's)."""
    deck_carried: tuple[str, ...] | None = None
    """Its deck and each deck above it, top first, as its source kept them where it kept
    more than a name (a CrowdAnki folder's decks: each a JSON object of the deck's own keys
    and its options group, :mod:`ankipress.readers.crowdankiformat`); ``None`` for most."""
    columns: tuple[int, str] | None = None
    """Its ``flags`` and ``data`` as its source kept them (a CrowdAnki note written from an
    older Anki has both: the columns of Anki's notes table); ``None``: 0 and empty."""


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What a reader may be told besides the source itself."""

    default_deck: str
    """The deck for notes whose source names none (the file's name, or a folder path)."""
    separator: str | None = None
    """Field separator (Quizlet's term/definition separator, a CSV delimiter)."""
    card_separator: str | None = None
    """Record separator (Quizlet's card separator)."""
    columns: tuple[str, ...] | None = None
    """Names of the columns of a table, overriding its header."""
    allow_html: bool = False
    """Fields are HTML whatever the source says (``--allow-html``, Anki's "Allow HTML")."""
    root: str | None = None
    """The folder the user gave that holds the source, if one was given (an Obsidian vault
    without ``.obsidian/``, a Logseq graph): the readers' files are found inside it."""


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What a reader found in one source: notes, diagnostics, and counts for the summary."""

    notes: tuple[Note, ...]
    diagnostics: tuple[Diagnostic, ...]
    cards_seen: int
    """How many card-shaped records the reader met, including the ones it rejected."""
    deck_titles: tuple[str, ...] = field(default=())
    """Deck names the source itself declares, in order."""
    media: tuple[Media, ...] = field(default=())
    """Media files the notes refer to (a package's media)."""


class NoteStream:
    """A reader's notes as it finds them, for one pass; the rest of what it read after.

    Iterate once, then :meth:`result` gives the diagnostics, the count of cards met, the
    deck titles and the media (its ``notes`` empty): a streaming reader only knows them all
    once it has read the whole source. :meth:`of` wraps a reader's :class:`ReadResult`,
    :meth:`collect` turns a stream back into one.
    """

    __slots__ = ("_finish", "_notes", "_started")

    def __init__(self, notes: Iterable[Note], finish: Callable[[], ReadResult]) -> None:
        self._notes = notes
        self._finish = finish
        self._started = False

    def __iter__(self) -> Iterator[Note]:
        if self._started:
            raise RuntimeError("a note stream is read once")
        self._started = True
        return iter(self._notes)

    def result(self) -> ReadResult:
        """What the reader found besides the notes; ask once the notes are all read."""
        return self._finish()

    def collect(self) -> ReadResult:
        """Every note and the rest, as :meth:`Reader.read` gives them."""
        notes = tuple(self)
        return replace(self.result(), notes=notes)

    @classmethod
    def of(cls, result: ReadResult) -> NoteStream:
        """The notes a reader has already read, as a stream."""
        return cls(result.notes, lambda: replace(result, notes=()))


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """A note ready to be written: its GUID, deck, tags, and field HTML in field order."""

    guid: str
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    location: SourceLocation
    kind: NoteKind = NoteKind.BASIC
    mod: int | None = None
    """When the note's content last changed (seconds); ``None``: the package's time."""
    notetype: NoteType | None = None
    """For :attr:`NoteKind.CUSTOM` notes: their own note type."""
    card_ords: tuple[int, ...] = ()
    """The cards to write (template ordinals); empty: as Anki would generate them."""
    text_format: TextFormat = TextFormat.HTML
    """How the source wrote the fields: a Markdown deck's media are files beside it (one
    missing is an error); an HTML source's may be in the user's collection (a warning)."""
    sealed: bool = False
    """As :attr:`Note.sealed`: its media are its package's, never files on disk."""
    deck_carried: tuple[str, ...] | None = None
    """As :attr:`Note.deck_carried`."""
    columns: tuple[int, str] | None = None
    """As :attr:`Note.columns`."""
