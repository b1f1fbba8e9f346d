"""One card of a Markdown deck: its question, answer or fields, and its metadata line.

The deck's grammar is described in :mod:`ankipress.readers.markdown`; this module reads the
lines of one card, from its ``## `` heading to the next heading.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ankipress import rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteType,
    Severity,
    TextFormat,
)
from ankipress.readers.mdsyntax import (
    Fences,
    LineStarts,
    MetaError,
    parse_meta,
    unwrap_verbatim,
)
from ankipress.readers.reporting import Reporting
from ankipress.sources import Source

__all__ = ["HEADING", "CardReader", "cloze_kind", "excerpt"]

# Level 1 or 2 only: "### " and deeper headings are part of an answer.
HEADING = re.compile(r"(#{1,2})(?:[ \t]+(.*))?")
_TAG_LINK = r"\[#([^\]]+)\](?:\([^)]*\))?"
_TAG_LINE = re.compile(rf"[ \t]*{_TAG_LINK}(?:[ \t]+{_TAG_LINK})*[ \t]*")
_CLOZE = re.compile(r"\{\{c\d+::")
# Lines that make a card read line by line: a '%' line, perhaps a tag line.
_READ_LINE_BY_LINE = LineStarts(r"%|[ \t]*\[#")
# md2apkg's own comments: a split like "%", tags, and a card left out on purpose.
_MD2APKG = re.compile(r"<!--[ \t]*md2apkg[ \t]+(split|tags|ignore-card)(?:[ \t]+(.*?))?[ \t]*-->")
_FORMATS = {f.value: f for f in TextFormat}
_KINDS = {k.value: k for k in NoteKind if k is not NoteKind.CUSTOM}

Lines = list[tuple[int, str]]
"""Lines of a field with their 0-based indices in the source."""


def excerpt(text: str) -> str:
    """``text`` cut to 40 characters, for messages."""
    return text if len(text) <= 40 else text[:37] + "..."


def cloze_kind(question: str) -> NoteKind:
    """The kind a card without a ``kind`` is: cloze when its question has a deletion."""
    return NoteKind.CLOZE if _CLOZE.search(question) else NoteKind.BASIC


def _trim(lines: Lines) -> Lines:
    """``lines`` without leading and trailing blank lines."""
    start, end = 0, len(lines)
    while start < end and not lines[start][1].strip():
        start += 1
    while end > start and not lines[end - 1][1].strip():
        end -= 1
    return lines[start:end]


def _split_trailing(line: str, fence: str) -> str:
    """A line of code that ends its block with ``fence``, as two lines: the code, the fence."""
    return line.rstrip()[: -len(fence)].rstrip() + "\n" + fence


@dataclass(frozen=True, slots=True)
class _Settings:
    """What a card's metadata line says."""

    guid: str | None = None
    deck: str | None = None
    tags: tuple[str, ...] = ()
    kind: NoteKind | None = None
    note_type: NoteType | None = None
    ords: tuple[int, ...] = ()
    text_format: TextFormat = TextFormat.MARKDOWN


_NO_SETTINGS = _Settings()


class CardReader(Reporting[Source]):
    """Reads cards of a source whose fences are known; the note types cards may name."""

    def __init__(self, source: Source, fences: Fences, note_types: dict[str, NoteType]) -> None:
        self.source = source
        self.lines = source.lines
        self.fences = fences
        self.code = fences.code
        self.diagnostics: list[Diagnostic] = []
        self.note_types = dict(note_types)
        self.ambiguous: set[str] = set()
        self.plain = self._plain_cards()

    def _plain_cards(self) -> list[int] | None:
        """The lines a card is read line by line for: '%' or tag lines, code indented or
        closed at a line's end (sorted); a card without any is its heading and its lines.
        ``None`` when every card is read line by line (md2apkg's comments, a ``\\r``)."""
        if "md2apkg" in self.source.text:
            return None
        marked = _READ_LINE_BY_LINE.find(self.source.text, self.lines)
        if marked is None:
            return None
        indented = [i for i in self.fences.closes if self.lines[i][:1] == " "]
        return sorted([*marked, *indented, *self.fences.trailing])

    def report(
        self,
        index: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """A diagnostic at 0-based line ``index`` (``None``: the whole file)."""
        super().report(None if index is None else index + 1, severity, message, hint, rule)

    def add_note_type(self, note_type: NoteType) -> None:
        """Let cards name ``note_type`` by its name (unless two share it) or its id."""
        self.note_types[str(note_type.id)] = note_type
        earlier = self.note_types.get(note_type.name)
        if earlier is not None and earlier != note_type:
            self.ambiguous.add(note_type.name)
        self.note_types[note_type.name] = note_type

    def _field(self, lines: Lines, verbatim: bool) -> str:
        trimmed = _trim(lines)
        if verbatim and trimmed:
            text = [line for _, line in trimmed]
            unwrapped = unwrap_verbatim(text, trimmed[0][0], self.fences)
            if unwrapped is not None:
                return unwrapped
        return "\n".join(self._code_as_rendered(trimmed))

    def _code_as_rendered(self, lines: Lines) -> Iterator[str]:
        """The lines, with fenced code written the way Python-Markdown renders it as code.

        A fence indented by up to three spaces (CommonMark's, mdanki's) loses that indent,
        as do the lines of its block (as CommonMark reads them); a fence closing a block at
        the end of a line of code (:attr:`~ankipress.readers.mdsyntax.Fences.trailing`) goes on a
        line of its own.
        """
        closes, trailing = self.fences.closes, self.fences.trailing
        block_end, indent = -1, 0
        for index, line in lines:
            if index in closes and index > block_end:
                block_end = closes[index]
                indent = len(line) - len(line.lstrip(" "))
            if index <= block_end and indent:
                line = line[min(indent, len(line) - len(line.lstrip(" "))) :]
            yield _split_trailing(line, trailing[index]) if index in trailing else line

    def _answer(self, indices: range) -> tuple[Lines, list[str]]:
        """The lines of an answer part, and the tags of its tag lines."""
        tags: list[str] = []
        lines: Lines = []
        for index in indices:
            line = self.lines[index]
            if index not in self.code and _TAG_LINE.fullmatch(line):
                tags.extend(tag.strip() for tag in re.findall(_TAG_LINK, line))
            else:
                lines.append((index, line))
        return lines, tags

    def card(
        self, heading: int, text: str, end: int, deck: str, tags: Sequence[str]
    ) -> Note | None:
        """The note of the card whose heading is at ``heading``; ``None`` if it has errors."""
        start = heading + 1
        settings: _Settings | None = None
        if start < end and start not in self.code:
            try:
                meta = parse_meta(self.lines[start])
            except MetaError as exc:
                hint = "write it as <!-- key: value | key: value -->"
                self.report(start, Severity.ERROR, f"bad card metadata: {exc}", hint)
                return None
            if meta is not None:
                settings = self._settings(meta, start)
                if settings is None:
                    return None
                start += 1
        verbatim = settings is not None
        settings = settings or _NO_SETTINGS
        if settings.note_type is not None:
            return self._custom(heading, text, start, end, deck, tags, settings)
        plain = self.plain
        splits: list[int] = []
        quick = plain is not None and bisect_left(plain, start) == bisect_left(plain, end)
        if quick and not verbatim:
            # No line of the card is read apart: the question is the heading, the answer
            # its lines without the blank ones around them (as below, at a fraction of it).
            question = text
            first, stop = start, end
            while first < stop and not self.lines[first].strip():
                first += 1
            while stop > first and not self.lines[stop - 1].strip():
                stop -= 1
            answer = "\n".join(self.lines[first:stop])
            card_tags: list[str] = []
            first = first if first < stop else start
        else:
            read = self._read_lines(heading, text, start, end, verbatim)
            if read is None:
                return None
            question, answer, card_tags, first, splits = read
        kind = settings.kind or cloze_kind(question)
        if not verbatim and not question.strip():
            # mdanki and md2apkg would make a card with a blank front, which cannot be studied.
            hint = "write the question after '## '"
            message = "a card heading with no question: skipped"
            self.report(heading, Severity.WARNING, message, hint, rules.EMPTY_QUESTION)
            return None
        if not verbatim and not answer and kind is not NoteKind.CLOZE:
            # mdanki and md2apkg leave out a card with nothing on its back; so do we.
            hint = "write the answer under the heading, or make the card a cloze with {{c1::…}}"
            if splits:
                hint = "write the answer under the '%' line"
            shown = excerpt(text or question.strip())
            message = f"the card {shown!r} has no answer: skipped, as mdanki does"
            self.report(heading, Severity.WARNING, message, hint, rules.EMPTY_ANSWER)
            return None
        return Note(
            question=question,
            answer=answer,
            deck=settings.deck or deck,
            location=self.source.location(heading + 1),
            tags=(*tags, *settings.tags, *card_tags),
            guid=settings.guid,
            text_format=settings.text_format,
            answer_location=self.source.location(first + 1),
            kind=kind,
            card_ords=settings.ords,
        )

    def _read_lines(
        self, heading: int, text: str, start: int, end: int, verbatim: bool
    ) -> tuple[str, str, list[str], int, list[int]] | None:
        """A card read line by line: its question, answer, tags, the line its answer starts
        on and its '%' lines; ``None`` (a kind of note left out, or an error) when it is
        not to be made, said."""
        body = range(start, end)
        marks = self._md2apkg(body)
        if "ignore-card" in marks.values():
            message = f"the card {excerpt(text)!r} is left out, as its md2apkg comment asks"
            self.report(heading, Severity.INFO, message)
            return None
        splits = [
            i
            for i in body
            if i not in self.code and (self.lines[i].rstrip() == "%" or marks.get(i) == "split")
        ]
        ok = True
        if len(splits) > 1:
            hint = "a card has one '%' line at most, between its question and its answer"
            self.report(splits[1], Severity.ERROR, "a second '%' line in the card", hint)
            ok = False
        answer_start = splits[0] + 1 if splits else start
        question_lines = [
            (heading, text),
            *((i, self.lines[i]) for i in range(start, answer_start - 1) if i not in marks),
        ]
        question = self._field(question_lines, verbatim)
        answer_lines, card_tags = self._answer(range(answer_start, end))
        answer_lines = [(i, line) for i, line in answer_lines if i not in marks]
        card_tags.extend(self._md2apkg_tags(marks))
        answer = self._field(answer_lines, verbatim)
        first = next((i for i, line in answer_lines if line.strip()), answer_start)
        if not ok:
            return None
        return question, answer, card_tags, first, splits

    def _md2apkg(self, body: range) -> dict[int, str]:
        """md2apkg's comment lines in ``body`` (outside code): what each says, by index."""
        marks: dict[int, str] = {}
        for index in body:
            line = self.lines[index]
            if "md2apkg" in line and index not in self.code:
                match = _MD2APKG.fullmatch(line.strip())
                if match:
                    marks[index] = match.group(1)
        return marks

    def _md2apkg_tags(self, marks: dict[int, str]) -> list[str]:
        """The tags of md2apkg's ``<!-- md2apkg tags a b -->`` lines among ``marks``."""
        tags: list[str] = []
        for index, mark in marks.items():
            match = _MD2APKG.fullmatch(self.lines[index].strip())
            if mark == "tags" and match and match.group(2):
                tags.extend(match.group(2).split())
        return tags

    def _custom(
        self,
        heading: int,
        text: str,
        start: int,
        end: int,
        deck: str,
        tags: Sequence[str],
        settings: _Settings,
    ) -> Note | None:
        """A card of a note type carried over: ``### <field>`` sections after the first."""
        note_type = settings.note_type
        assert note_type is not None
        positions: list[int] = []
        cursor = start
        for name in note_type.fields[1:]:
            target = f"### {name}"
            found = next(
                (
                    i
                    for i in range(cursor, end)
                    if i not in self.code and self.lines[i].rstrip() == target
                ),
                None,
            )
            if found is None:
                message = (
                    f"no '{target}' line for the field {name!r} of note type {note_type.name!r}"
                )
                hint = "each field after the first follows a '### <field name>' line, in order"
                self.report(heading, Severity.ERROR, message, hint)
                return None
            positions.append(found)
            cursor = found + 1
        bounds = [*positions, end]
        first_lines = [(heading, text), *((i, self.lines[i]) for i in range(start, bounds[0]))]
        fields = [self._field(first_lines, True)]
        card_tags: list[str] = []
        for position, stop in zip(positions, bounds[1:], strict=True):
            lines, found_tags = self._answer(range(position + 1, stop))
            card_tags.extend(found_tags)
            fields.append(self._field(lines, True))
        return Note(
            question=fields[0],
            answer=fields[1] if len(fields) > 1 else "",
            deck=settings.deck or deck,
            location=self.source.location(heading + 1),
            tags=(*tags, *settings.tags, *card_tags),
            guid=settings.guid,
            text_format=TextFormat.HTML,
            answer_location=self.source.location(heading + 1),
            kind=NoteKind.CUSTOM,
            notetype=note_type,
            fields=tuple(fields),
            card_ords=settings.ords,
        )

    def _settings(self, meta: dict[str, str], index: int) -> _Settings | None:
        """The metadata line's settings; ``None`` after reporting what is wrong."""
        problems: list[str] = []
        kind = _KINDS.get(meta.get("kind", "basic"))
        if kind is None:
            problems.append(f"'kind' must be one of {', '.join(_KINDS)}")
        text_format = _FORMATS.get(meta.get("format", "markdown"))
        if text_format is None:
            problems.append(f"'format' must be one of {', '.join(_FORMATS)}")
        note_type = None
        if "notetype" in meta:
            name = meta["notetype"]
            note_type = self.note_types.get(name) if name not in self.ambiguous else None
            if name in self.ambiguous:
                problems.append(f"several note types are named {name!r}; name one by its id")
            elif note_type is None:
                problems.append(f"no note type {name!r} in the section '# Note types'")
            elif "kind" in meta or meta.get("format", "html") != "html":
                problems.append("a card of a note type of its own has no 'kind', and is HTML")
        words = meta.get("cards", "").split()
        # isdigit() is true of "³" too, which int() refuses: ASCII digits only.
        if not all(word.isascii() and word.isdigit() and int(word) > 0 for word in words):
            problems.append("'cards' must be card numbers from 1, separated by spaces")
        for key in ("guid", "deck"):
            if key in meta and not meta[key].strip():
                problems.append(f"{key!r} is empty")
        if problems:
            for problem in problems:
                self.report(index, Severity.ERROR, f"bad card metadata: {problem}")
            return None
        return _Settings(
            guid=meta.get("guid"),
            deck=meta.get("deck"),
            tags=tuple(meta.get("tags", "").split()),
            kind=kind if "kind" in meta else None,
            note_type=note_type,
            ords=tuple(int(word) - 1 for word in words),
            text_format=TextFormat.HTML if note_type else text_format or TextFormat.MARKDOWN,
        )
