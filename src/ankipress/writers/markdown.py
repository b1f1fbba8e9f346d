"""Writer of Markdown decks: the way back from a package to text a person can read and edit.

What a hand-written deck would say is written as such a deck says it; what only a package
has goes into a card's metadata line (GUID, deck, tags, kind, cards, format), the front
matter (the deck's media folder) and a ``# Note types`` section at the end (the note types
that are not ankipress's own), all of which :mod:`ankipress.readers.mddeck` reads back to
the same notes: fields byte for byte, GUIDs, tags, decks, note types with their ids, cards.

Each card is read back as soon as it is laid out; a field that does not come back exactly
(a line ``%`` or ``## …`` in an answer, outer blank lines, a heading's trailing ``#``) is
written as a ``verbatim`` block instead. So correctness never rests on guessing what the
reader might make of some HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankipress import ids
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    NoteType,
    RenderedNote,
    Severity,
    TextFormat,
)
from ankipress.notetypes.cards import card_ords
from ankipress.notetypes.yamlform import dump_note_types
from ankipress.readers.mdcards import cloze_kind
from ankipress.readers.mddeck import parse_cards
from ankipress.readers.mdsyntax import format_meta, wrap_verbatim
from ankipress.safeyaml import dump
from ankipress.writers.common import MediaLinker, refuse

__all__ = ["MarkdownWriter"]

_CLOZE = re.compile(r"\{\{c\d+::")
# The most characters of tags the front matter takes for every card; past that, each card
# names its tags (the front matter is read with a limit of its own, far above this).
_MAX_SHARED_TAGS = 4096
# Headings of any level, fences, tag lines and comments: lines with a meaning of their own.
_SPECIAL = re.compile(r"#{1,6}(?:[ \t]|$)|`{3,}|~{3,}|[ \t]*\[#|<!--")


def _common_prefix(tag_lists: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    """The tags every note starts with, in order (they go into the front matter)."""
    if not tag_lists:
        return ()
    prefix = tag_lists[0]
    for tags in tag_lists[1:]:
        size = 0
        while size < min(len(prefix), len(tags)) and prefix[size] == tags[size]:
            size += 1
        prefix = prefix[:size]
    return prefix


def _unusual(kind: NoteKind, fields: tuple[str, ...]) -> bool:
    """Whether a note of ours is one that a card written by hand could not be."""
    if kind is NoteKind.CUSTOM:
        return False
    question, answer = fields
    if kind is NoteKind.CLOZE:
        return not _CLOZE.search(question) or not question.strip()
    # (a deletion in the question would make it a cloze)
    return not (question.strip() and answer.strip()) or _CLOZE.search(question) is not None


def _suspect(text: str) -> bool:
    """Whether a field holds a line the card grammar reads as more than text."""
    return any(
        _SPECIAL.match(line) or line.rstrip() == "%" for line in text.split("\n")
    ) or text != text.strip("\n")


def _fence_around(text: str, info: str) -> list[str]:
    taken = {line.rstrip() for line in text.split("\n")}
    fence = "```"
    while fence in taken:
        fence += "`"
    return [f"{fence}{info}", *text.split("\n"), fence]


@dataclass(frozen=True, slots=True)
class _Deck:
    """What the whole file says, which cards need not repeat."""

    deck: str
    tags: tuple[str, ...]
    names: dict[NoteType, str]
    """How cards name each note type of their own: its name, or its id when names clash."""
    lookup: dict[str, NoteType]
    """The other way round, as the reader looks them up."""


class _Card:
    """Lays out one note as a card, with as few verbatim blocks as reading it back allows."""

    def __init__(self, note: Note, fields: tuple[str, ...], deck: _Deck) -> None:
        self.note = note
        self.fields = fields
        self.deck = deck
        self.meta: dict[str, str] = {}
        if note.guid is not None and note.guid != ids.note_guid(note.deck, note.question):
            self.meta["guid"] = note.guid
        if note.deck != deck.deck:
            self.meta["deck"] = note.deck
        if extra := note.tags[len(deck.tags) :]:
            self.meta["tags"] = " ".join(extra)
        if note.kind is NoteKind.CUSTOM:
            assert note.notetype is not None
            self.meta["notetype"] = deck.names[note.notetype]
        elif note.kind is not cloze_kind(fields[0]):
            self.meta["kind"] = note.kind.value
        rendered = RenderedNote("", "", fields, (), note.location, note.kind, None, note.notetype)
        # A note of ours that a card written by hand could not be (an empty field, a cloze
        # without a deletion) says its cards: the reader then keeps it as Anki keeps it.
        if note.card_ords and (
            _unusual(note.kind, fields) or list(note.card_ords) != card_ords(rendered)
        ):
            self.meta["cards"] = " ".join(str(ord_ + 1) for ord_ in note.card_ords)
        if note.kind is not NoteKind.CUSTOM and note.text_format is not TextFormat.MARKDOWN:
            self.meta["format"] = note.text_format.value

    def layout(self, verbatim: set[int]) -> list[str]:
        """The card's lines, with the fields numbered in ``verbatim`` as verbatim blocks."""
        meta = dict(self.meta)
        if verbatim and not meta:
            meta["format"] = self.note.text_format.value  # verbatim blocks need a meta line
        first, *rest = self.fields
        if 0 in verbatim:
            head, body = "##", wrap_verbatim(first)
        else:
            head_line, *body = first.split("\n")
            head = f"## {head_line}".rstrip()
        lines = [head]
        if meta:
            lines.append(format_meta(meta))
        lines.extend(body)
        if self.note.kind is NoteKind.CUSTOM:
            assert self.note.notetype is not None
            for index, (name, text) in enumerate(
                zip(self.note.notetype.fields[1:], rest, strict=True), 1
            ):
                lines.append(f"### {name}")
                lines.extend(wrap_verbatim(text) if index in verbatim else text.split("\n"))
            return lines
        if body:
            lines.append("%")
        answer = rest[0]
        if 1 in verbatim:
            lines.extend(wrap_verbatim(answer))
        elif answer:
            lines.extend(answer.split("\n"))
        return lines

    def differing(self, lines: list[str]) -> set[int] | None:
        """The fields that do not read back as written; ``None`` if the card is unreadable."""
        result = parse_cards("\n".join(lines), self.deck.deck, self.deck.tags, self.deck.lookup)
        if len(result.notes) != 1 or result.diagnostics:
            return None
        back = result.notes[0]
        ords = self.note.card_ords if "cards" in self.meta else ()
        expected = (self.meta.get("guid"), self.note.deck, self.note.tags, self.note.kind, ords)
        if (back.guid, back.deck, back.tags, back.kind, back.card_ords) != expected:
            return None
        if back.notetype != self.note.notetype or back.text_format != self._format():
            return None
        read = back.fields if back.kind is NoteKind.CUSTOM else (back.question, back.answer)
        return {i for i, (a, b) in enumerate(zip(read, self.fields, strict=True)) if a != b}

    def _format(self) -> TextFormat:
        return TextFormat.HTML if self.note.kind is NoteKind.CUSTOM else self.note.text_format

    def lines(self) -> list[str] | None:
        """The card's lines, read back and found exact; ``None`` if no layout is.

        First as they are; then with the fields that read back wrong as verbatim blocks
        (when the card as a whole did not read, the fields holding a line the grammar
        gives a meaning); then every field verbatim, which always reads back.
        """
        every = set(range(len(self.fields)))
        verbatim: set[int] = set()
        for _ in range(3):
            lines = self.layout(verbatim)
            differing = self.differing(lines)
            if differing == set():
                return lines
            if differing is None:
                differing = {i for i, text in enumerate(self.fields) if _suspect(text)}
            widened = verbatim | differing
            verbatim = widened if widened != verbatim else every
        return None


class MarkdownWriter:
    """Markdown deck: every GUID, tag, deck and note type kept, readable and editable."""

    name: str = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")
    description: str = "Markdown deck, lossless: ids, decks, tags and note types kept"

    def write(
        self, notes: Sequence[Note], media: Sequence[Media], output: Path, media_dir: Path
    ) -> list[Diagnostic]:
        """Write ``notes`` to ``output`` and ``media`` into ``media_dir``; say what was lost."""
        linker = MediaLinker(media, output, media_dir)
        diagnostics = linker.diagnostics
        decks = Counter(note.deck for note in notes)
        names = self._names(notes, diagnostics)
        shared = _common_prefix([note.tags for note in notes])
        if len(" ".join(shared)) > _MAX_SHARED_TAGS:
            shared = ()  # the front matter is kept small (its reader has a limit): each card says
        deck = _Deck(
            decks.most_common(1)[0][0] if decks else output.stem,
            shared,
            names,
            {name: note_type for note_type, name in names.items()},
        )
        cards: list[str] = []
        for note in notes:
            if note.kind is NoteKind.CUSTOM and (
                note.notetype is None or len(note.fields) != len(note.notetype.fields)
            ):
                message = "a note of a note type of its own needs that note type and its fields"
                diagnostics.append(Diagnostic(note.location, Severity.ERROR, message))
                continue
            text_format = TextFormat.HTML if note.kind is NoteKind.CUSTOM else note.text_format
            source = note.fields if note.kind is NoteKind.CUSTOM else (note.question, note.answer)
            fields = tuple(linker.link(text, text_format, note) for text in source)
            lines = _Card(note, fields, deck).lines()
            if lines is None:
                message = "cannot write this note so that it reads back the same"
                diagnostics.append(Diagnostic(note.location, Severity.ERROR, message))
                continue
            cards.extend([*lines, ""])
        refuse(diagnostics, output)
        front = [dump({"deck": deck.deck}).rstrip("\n")]
        if deck.tags:
            front.append(f"tags: {dump(list(deck.tags), flow=True).rstrip()}")
        if linker.names():
            front.append(dump({"media": linker.folder}).rstrip("\n"))
        text = ["---", *front, "---", "", *cards]
        if deck.names:
            # The block's last line break is the line's own: the reader puts it back.
            yaml_text = dump_note_types(list(deck.names)).removesuffix("\n")
            text.extend(["# Note types", "", *_fence_around(yaml_text, "yaml"), ""])
        linker.write_with(output, "\n".join(text))
        return diagnostics

    @staticmethod
    def _names(notes: Sequence[Note], diagnostics: list[Diagnostic]) -> dict[NoteType, str]:
        """How cards refer to each note type of their own (in order of first use)."""
        used = list(dict.fromkeys(n.notetype for n in notes if n.notetype is not None))
        by_id: dict[int, NoteType] = {}
        for note_type in used:
            other = by_id.setdefault(note_type.id, note_type)
            if other is not note_type:
                message = f"two different note types {other.name!r} and {note_type.name!r} "
                message += f"share the id {note_type.id}"
                location = next(n.location for n in notes if n.notetype == note_type)
                diagnostics.append(Diagnostic(location, Severity.ERROR, message))
        names = Counter(note_type.name for note_type in used)
        return {t: t.name if names[t.name] == 1 else str(t.id) for t in used}
