"""Reader for Markdown documents written for Md2Anki, read as its parser reads them.

Md2Anki (``md2anki document.md -o-anki deck.apkg``) reads::

    # Biology (3714486828)                  the deck: the first "# " heading; its id dropped
    Cells and organs. `{=:bio:=}`           the deck's description: not a card; a tag
                                            marker here tags every note of the deck
    ## What is a cell? (24501c1a-f615-...)  a note: the heading is its question, the id in
    The unit of life.                         brackets its identity, the text its answer
    ## Name the parts (b7b85393-...)        a question of several lines: the text up to a
    of a neuron `{=:neuro, exam:=}`           line "---" joins the heading; tag markers
    ---                                       anywhere in a note tag it
    Dendrites, soma, axon
    ## Subdeck: Organs (406542328)          a subdeck: its notes are one heading level
    ### What does the heart do? (...)         deeper ("### ")

``{=<md2anki_type_cloze>=}`` in a question (or a deck's description) names Md2Anki's note
type: its ``type_answer`` is a type-in card, ``type_cloze`` and ``type_cloze_extra`` clozes
(the text after ``---`` shows under the cloze); without one a question holding ``{{c1::…}}``
is a cloze (Md2Anki is told so with ``-anki-model``). Markers are never shown. The id after a
question is the note's identity: its GUID is derived from it, so a rebuilt package updates the
note it made before, whatever its deck or question. Pandoc's picture attributes
(``{ width=100px }``) are dropped with a note. Fenced code is never a heading or a ``---``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ankipress import ids, rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.mdsyntax import fenced
from ankipress.readers.reporting import Reporting
from ankipress.sources import Source

__all__ = ["Md2AnkiReader"]

_DECK = re.compile(r"(#+)\s+(.+?)(?:\s+\((\d+)\))?\s*")
_NOTE = re.compile(r"(##+)\s+(.+?)(?:\s+\(([^()\s]+?)\))?\s*")
_TAGS = re.compile(r"`\{=:\s*([^`\n]{0,1000}?)\s*:=\}`")
_MODEL = re.compile(r"`\{=<\s*(\S+?)\s*>=\}`")
_UUID = re.compile(r"\([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\)\s*$")
_ATTRIBUTES = re.compile(r"(!\[[^\]\n]{0,500}\]\([^)\n]{0,500}\))\{[^}\n]{0,500}\}")
_CLOZE = re.compile(r"\{\{c\d+::")
# Markdown's comment idioms, which nobody sees: "[//]: <> (text)", "<!-- text -->".
_COMMENT = re.compile(r"\[//\]:\s*(?:<>|#)\s*.*|<!--.*-->")
_SUBDECK = "Subdeck: "
_SEPARATOR = "---"
_RESERVED_DECK = "\x00md2anki"
_MODELS = {
    "md2anki_type_default": NoteKind.BASIC,
    "md2anki_type_answer": NoteKind.TYPE_ANSWER,
    "md2anki_type_cloze": NoteKind.CLOZE,
    "md2anki_type_cloze_extra": NoteKind.CLOZE,
}


def _guid(identifier: str) -> str:
    """The GUID of the note Md2Anki gave this id: a hash of the id alone (salted apart from
    every other GUID: no deck may hold a NUL)."""
    return ids.note_guid(_RESERVED_DECK, identifier)


@dataclass
class _Deck:
    name: str
    level: int
    description: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    model: str | None = None


@dataclass
class _Raw:
    question: str
    identifier: str | None
    line: int
    deck: _Deck
    answer: list[str] = field(default_factory=list)
    answer_line: int = 0
    split: bool = False


class Md2AnkiReader:
    """Markdown for Md2Anki: ``# Deck (id)``, ``## Question (id)``, ``---``, tag markers."""

    name: str = "md2anki"
    extensions: tuple[str, ...] = (".md",)
    description: str = "Markdown for Md2Anki (# Deck (id), ## Question (id), `{=:tags:=}`)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is an Md2Anki document, from 0 to 1."""
        lines = source.lines[:5000]
        code = fenced(lines).code
        text = [line for index, line in enumerate(lines) if index not in code]
        if any(("{=:" in line and _TAGS.search(line)) or _MODEL.search(line) for line in text):
            return 1.0
        first = next((line for line in text if line.startswith("#")), "")
        titled = bool(re.fullmatch(r"#\s+.+?\s+\(\d+\)\s*", first))
        ids_given = sum(1 for line in text if line.startswith("##") and _UUID.search(line))
        if titled and ids_given:
            return 1.0
        if ids_given >= 2 or any(line.startswith(f"## {_SUBDECK}") for line in text):
            return 0.95
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every note of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck).run()


class _Parser(Reporting[Source]):
    def __init__(self, source: Source, default_deck: str) -> None:
        self.source = source
        self.lines = [line.rstrip("\r") for line in source.lines]
        self.code = fenced(self.lines).code
        self.default_deck = default_deck
        self.diagnostics: list[Diagnostic] = []
        self.raws: list[_Raw] = []
        self.decks: list[_Deck] = []
        self.ids: dict[str, int] = {}  # each id, with the line of the first note holding it

    def run(self) -> ReadResult:
        self._scan()
        notes = [note for raw in self.raws if (note := self._note(raw))]
        with_id = sum(1 for raw in self.raws if raw.identifier)
        if with_id:
            self.report(
                self.raws[0].line,
                Severity.INFO,
                f"{with_id} note{'s' if with_id > 1 else ''} with Md2Anki's id: kept as the "
                "notes' identity, so rebuilt packages update them",
                "a package cannot update the notes Md2Anki made (its note types are not ours): "
                "import it into a collection without them",
            )
        if not self.decks:
            first = next((i + 1 for i, t in enumerate(self.lines) if t.startswith("#")), 1)
            self.report(
                first,
                Severity.ERROR,
                "no cards found: no '# ' heading names the deck",
                "an Md2Anki document starts with '# Deck name', its questions are '## ' headings",
                rule=rules.NO_CARDS,
            )
        elif not self.raws and not any(d.severity is Severity.ERROR for d in self.diagnostics):
            self.report(
                None,
                Severity.ERROR,
                "no cards found",
                "each question is a '## ' heading under the '# ' deck heading, its answer below",
                rule=rules.NO_CARDS,
            )
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        titles = tuple(dict.fromkeys(deck.name for deck in self.decks))
        return ReadResult(tuple(notes), tuple(diagnostics), len(self.raws), titles)

    def _deck_name(self, text: str, line: int) -> str:
        if "::" in text:
            self.report(
                line,
                Severity.NOTE,
                f"'::' in the deck heading {text!r} is kept as text, as Md2Anki keeps it",
                "write a subdeck as a '## Subdeck: name' heading",
            )
            text = text.replace("::", ":\u200b:")
        return text

    def _scan(self) -> None:
        stack: list[_Deck] = []
        raw: _Raw | None = None
        blanks = 0
        ignored: list[int] = []
        for index, line in enumerate(self.lines):
            number = index + 1
            stripped = line.strip()
            heading = index not in self.code and line.startswith("#")
            if not stripped:
                blanks += 1
                continue
            if not stack:
                found = _DECK.fullmatch(line) if heading else None
                if found and len(found.group(1)) == 1:
                    name = self._deck_name(found.group(2), number)
                    stack.append(_Deck(name, 1))
                    self.decks.append(stack[-1])
                elif not _COMMENT.fullmatch(stripped):
                    ignored.append(number)
                continue
            deck_match = _DECK.fullmatch(line) if heading else None
            note_match = _NOTE.fullmatch(line) if heading else None
            if deck_match and deck_match.group(2).startswith(_SUBDECK):
                level = len(deck_match.group(1))
                while len(stack) > level - 1:
                    stack.pop()
                if len(stack) != level - 1:
                    self.report(
                        number,
                        Severity.ERROR,
                        f"a subdeck heading of level {level} under a deck of level {len(stack)}",
                        f"make it a {'#' * (len(stack) + 1)} heading",
                        rule=rules.MALFORMED_ROW,
                    )
                    raw = None
                    continue
                name = self._deck_name(deck_match.group(2)[len(_SUBDECK) :], number)
                parent = stack[-1]
                deck = _Deck(f"{parent.name}::{name}", level, tags=list(parent.tags))
                deck.model = parent.model
                stack.append(deck)
                self.decks.append(deck)
                raw, blanks = None, 0
                continue
            if note_match:
                level = len(note_match.group(1))
                if level > len(stack) + 1:
                    self.report(
                        number,
                        Severity.ERROR,
                        f"a question heading of level {level} under a deck of level {len(stack)}",
                        f"make it a {'#' * (len(stack) + 1)} heading, or put it under a "
                        "'Subdeck:' heading",
                        rule=rules.MALFORMED_ROW,
                    )
                    raw = None
                    continue
                while len(stack) > level - 1:
                    stack.pop()
                raw = _Raw(note_match.group(2), note_match.group(3), number, stack[-1])
                self.raws.append(raw)
                blanks = 0
                continue
            if raw is None:
                deck = stack[-1]
                if deck.description:
                    deck.description.extend([""] * blanks)
                deck.description.append(line)
                self._deck_markers(deck, line)
                blanks = 0
                continue
            if stripped == _SEPARATOR and not raw.split and index not in self.code:
                raw.split = True
                raw.question = raw.question.rstrip() + "\n\n" + "\n".join(raw.answer).strip()
                raw.answer = []
                raw.answer_line = 0
                blanks = 0
                continue
            if raw.answer:
                raw.answer.extend([""] * blanks)
            else:
                raw.answer_line = number
            raw.answer.append(line)
            blanks = 0
        if ignored and stack:
            count = len(ignored)
            self.report(
                ignored[0],
                Severity.WARNING,
                f"{count} line{'s' if count > 1 else ''} of text before the '# ' deck heading: "
                "ignored, as Md2Anki ignores them",
                "an Md2Anki document starts with its '# Deck' heading",
            )

    def _deck_markers(self, deck: _Deck, text: str) -> None:
        for found in _TAGS.finditer(text):
            deck.tags.extend(_split_tags(found.group(1)))
        model = _MODEL.search(text)
        if model:
            deck.model = model.group(1)

    def _note(self, raw: _Raw) -> Note | None:
        question = raw.question.strip()
        answer = "\n".join(raw.answer).strip()
        tags = list(raw.deck.tags)
        for text in (question, answer):
            for found in _TAGS.finditer(text):
                tags.extend(_split_tags(found.group(1)))
        model_match = _MODEL.search(question)
        model = model_match.group(1) if model_match else raw.deck.model
        question, answer = (_strip_markers(text) for text in (question, answer))
        question, answer = (self._attributes(text, raw.line) for text in (question, answer))
        if model is not None and model not in _MODELS:
            self.report(
                raw.line,
                Severity.ERROR,
                f"unknown Md2Anki note type {model!r}",
                f"Md2Anki's note types are {', '.join(_MODELS)}",
                rule=rules.UNSUPPORTED_FORMAT,
            )
            return None
        kind = _MODELS[model] if model else None
        if kind is None:
            kind = NoteKind.CLOZE if _CLOZE.search(question) else NoteKind.BASIC
        if kind is NoteKind.CLOZE and not _CLOZE.search(question):
            self.report(
                raw.line,
                Severity.ERROR,
                "a cloze question without a cloze",
                "mark a deletion as {{c1::text}} in the question",
                rule=rules.CLOZE_WITHOUT_DELETION,
            )
            return None
        if not question:
            self.report(
                raw.line,
                Severity.ERROR,
                "a question heading without a question",
                rule=rules.EMPTY_QUESTION,
            )
            return None
        path = self.source.path
        return Note(
            question=question,
            answer=answer,
            deck=raw.deck.name,
            location=SourceLocation(path, raw.line),
            tags=tuple(dict.fromkeys(tags)),
            guid=self._identity(raw),
            text_format=TextFormat.MARKDOWN,
            answer_location=SourceLocation(path, raw.answer_line or raw.line),
            kind=kind,
        )

    def _identity(self, raw: _Raw) -> str | None:
        """The GUID of the note's id; ``None`` (one from its deck and question) for an id an
        earlier note has: Md2Anki would give both one GUID, and Anki would keep one of them."""
        if not raw.identifier:
            return None
        first = self.ids.setdefault(raw.identifier, raw.line)
        if first == raw.line:
            return _guid(raw.identifier)
        self.report(
            raw.line,
            Severity.WARNING,
            f"this note's id ({raw.identifier}) is also the id of the note at line {first}: "
            "both are kept, this one with an id of its own",
            "give each note its own id (Md2Anki would make one note of the two in Anki)",
            rule=rules.DUPLICATE_ID,
        )
        return None

    def _attributes(self, text: str, line: int) -> str:
        changed = _ATTRIBUTES.sub(r"\1", text)
        if changed != text:
            self.report(
                line,
                Severity.NOTE,
                "Pandoc picture attributes ({ width=... }) dropped: the picture shows at its size",
            )
        return changed


def _split_tags(text: str) -> list[str]:
    """Md2Anki's tag list: comma-separated, a space in a tag becoming ``_``."""
    return [tag.strip().replace(" ", "_") for tag in text.split(",") if tag.strip()]


def _strip_markers(text: str) -> str:
    """The text without its tag and note type markers (a line of only markers goes)."""
    lines = []
    for line in text.split("\n"):
        stripped = _MODEL.sub("", _TAGS.sub("", line))
        if stripped.strip() or not line.strip():
            lines.append(stripped.rstrip())
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()
