"""Reader for Obsidian notes written for the Obsidian_to_Anki plugin, with its default syntax.

What the plugin reads (and so what this reads), in a note that is otherwise prose::

    TARGET DECK                      the deck of every card of the file (or "TARGET DECK: x")
    Biology::Cells
    FILE TAGS                        tags for every card of the file (or "FILE TAGS: a b")
    cells exam
    START                            a note: START alone on a line
    Basic                            its note type, on the next line
    Front: What is a cell?           fields: "Name:" at a line's start begins one; lines
    The unit of life.                  before any name go to the first field; values may
    Back: The smallest living unit.    run over lines
    Tags: biology easy               optional, the line before END (or before the ID)
    <!--ID: 1234567890123-->         written by the plugin once the note is in Anki
    END
    STARTI [Basic] Question? Back: Answer. ENDI        one note on one line
    Q: A question, maybe over        "Q:" then "A:" blocks (the plugin's documented
    several lines                      Question/Answer style), each ending at a blank line
    A: Its answer
    DELETE                           a note the plugin is to delete: not a card here
    <!--ID: 1234567890123-->

Note types: Basic, "Basic (and reversed card)", "Basic (optional reversed card)", "Basic
(type in the answer)" and Cloze are ours (a reversed card, a type-in card, a cloze); any
other is a note type of its own, whose fields are the ``Name:`` lines its notes use. In a
Cloze note ``{c1:text}``, ``{1|text}`` and ``{text}`` are clozes (the plugin's CurlyCloze)
when the note has no Anki cloze ``{{c1::text}}``. ``#tags`` in a field become the note's
tags (the plugin's "Add Obsidian Tags"). The ID the plugin wrote is kept as the note's
identity: its GUID is derived from it, so renaming the deck or editing the question
updates the note instead of adding another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ankipress import ids, notetypes
from ankipress.model import (
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.obsidianmd import (
    NoteParser,
    code_lines,
    hide_comments,
    outside_code,
    pop_tags,
    show_links,
)
from ankipress.readers.stocktypes import FIELD_ALIASES, STOCK
from ankipress.sources import Source

__all__ = ["ObsidianToAnkiReader"]

_ID = re.compile(r"(?:<!--)?ID: (\d+).*")
_INLINE = re.compile(r"STARTI(.*?)ENDI")
_INLINE_TYPE = re.compile(r"\s*\[(.*?)\]")
_DECK_LINE = re.compile(r"TARGET DECK(?::[ \t]*(.*))?")
_TAGS_LINE = re.compile(r"FILE TAGS(?::[ \t]*(.*))?")
_QUESTION = re.compile(r"Q:[ \t]?(.*)")
_ANSWER = re.compile(r"A:[ \t]?(.*)")
_ANKI_CLOZE = re.compile(r"\{\{c\d+::")
# The plugin's CurlyCloze: {c1:x}, {1|x} or {x}, never inside {{ }}.
_CURLY = re.compile(r"(?<!\{)\{(?:c?(\d+)[:|])?(?!\{)((?:[^\n][\n]?)+?)(?<!\})\}(?!\})")
_MATH = re.compile(r"\$\$.*?\$\$|(?<!\$)\$(?=\S)[^$\n]*?\S\$", re.S)
# A field name in a note of a note type we do not know: a word or a few, then ':'.
_FIELD_NAME = re.compile(r"([A-Z][\w ()'-]{0,40}?):(?:[ \t]|$)")
_RESERVED_DECK = "\x00obsidian-to-anki"


def _guid(identifier: str) -> str:
    """The GUID of a note the plugin gave this id: a hash of the id alone (salted apart from
    every other GUID: no deck may hold a NUL)."""
    return ids.note_guid(_RESERVED_DECK, identifier)


def sniff_text(lines: Sequence[str]) -> float:
    """How sure we are that ``lines`` are an Obsidian_to_Anki note."""
    stripped = [line.rstrip() for line in lines[:5000]]
    starts = [i for i, line in enumerate(stripped) if line == "START"]
    if starts and "END" in stripped[starts[0] + 2 :]:
        return 1.0
    if starts and starts[0] + 1 < len(stripped) and stripped[starts[0] + 1].strip():
        return 0.8  # a START and its note type, the END missing: ours, to say so
    if any("STARTI" in line and "ENDI" in line for line in stripped):
        return 1.0
    if any(line.startswith(("TARGET DECK", "FILE TAGS")) for line in stripped[:50]) or any(
        line.startswith("<!--ID: ") for line in stripped
    ):
        return 0.9
    questions = [i for i, line in enumerate(stripped) if line.startswith("Q:")]
    answers = [i for i, line in enumerate(stripped) if line.startswith("A:")]
    if questions and answers and answers[-1] > questions[0]:
        return 0.75
    return 0.0


@dataclass
class _Raw:
    """One note as found: its note type, its lines (first line number), tags and id."""

    notetype: str
    lines: list[tuple[int, str]]
    tags: list[str]
    identifier: str | None
    line: int
    inline: bool = False
    fields: dict[str, str] = field(default_factory=dict)


class ObsidianToAnkiReader:
    """Obsidian notes for the Obsidian_to_Anki plugin: START/END, STARTI/ENDI, Q:/A:."""

    name: str = "obsidian-to-anki"
    extensions: tuple[str, ...] = (".md",)
    description: str = "Obsidian notes for Obsidian_to_Anki (START/END, STARTI/ENDI, Q:/A:)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is an Obsidian_to_Anki note, from 0 to 1."""
        return sniff_text(source.lines)

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every note of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck, options.root).run()


class _Parser(NoteParser):
    def __init__(self, source: Source, default_deck: str, root: str | None = None) -> None:
        super().__init__(source, default_deck, root)
        # The plugin reads the file as written, Obsidian's %% comments and all: a note kept
        # out of the reading view in a %% ... %% block is still a note it sends to Anki
        # (only a note's own text is read without its comments).
        self.lines = [line.rstrip("\r") for line in source.lines]
        self.code = code_lines(self.lines)
        self.file_tags: tuple[str, ...] = ()

    # -- the file ------------------------------------------------------------------------

    def run(self) -> ReadResult:
        self._file_settings()
        raws = self._scan()
        custom = self._custom_types(raws)
        for raw in raws:
            self._note(raw, custom)
        hint = (
            "an Obsidian_to_Anki note is START, a note type line, 'Front:'/'Back:' lines "
            "and END, or 'STARTI [Basic] question Back: answer ENDI', or 'Q:'/'A:' lines"
        )
        ids = [i for i, text in enumerate(self.lines) if i not in self.code and _ID.match(text)]
        if not raws and ids:
            # The plugin wrote an id here, yet no note of the shapes it knows by default is
            # found: the note came from a custom regular expression of the plugin's settings.
            hint = (
                f"line {ids[0] + 1} holds the id the plugin gave a note, so that note was found "
                "by a custom regular expression of the plugin's settings ('Custom Regexps'), "
                "which ankipress cannot see; export those notes from Anki instead (a package "
                "or a text export), or rewrite them as START/END notes"
            )
        return self.result(hint)

    def _value_after(self, index: int, match: re.Match[str]) -> tuple[str, int]:
        """The value of a TARGET DECK / FILE TAGS line: after ': ', else the next line."""
        if match.group(1) is not None:
            return match.group(1).strip(), index + 1
        following = self.lines[index + 1].strip() if index + 1 < len(self.lines) else ""
        return following, index + 2

    def _file_settings(self) -> None:
        deck_found = tags_found = False
        for index, line in enumerate(self.lines):
            if index in self.code:
                continue
            deck = _DECK_LINE.fullmatch(line.rstrip())
            if deck and not deck_found:
                deck_found = True
                value, _ = self._value_after(index, deck)
                if value:
                    self.deck = value
                    self.titles.append(value)
                else:
                    self.report(
                        index + 1,
                        Severity.WARNING,
                        "TARGET DECK names no deck: the file's name is the deck",
                        "write the deck on the line after it",
                    )
            tags = _TAGS_LINE.fullmatch(line.rstrip())
            if tags and not tags_found:
                tags_found = True
                value, _ = self._value_after(index, tags)
                self.file_tags = tuple(tag.replace("/", "::") for tag in value.split())

    def _setting_lines(self) -> set[int]:
        """Lines of TARGET DECK and FILE TAGS and their values: not prose, not cards."""
        taken: set[int] = set()
        for index, line in enumerate(self.lines):
            if index in self.code:
                continue
            match = _DECK_LINE.fullmatch(line.rstrip()) or _TAGS_LINE.fullmatch(line.rstrip())
            if match:
                _, after = self._value_after(index, match)
                taken.update(range(index, after))
        return taken

    def _scan(self) -> list[_Raw]:
        raws: list[_Raw] = []
        lines = self.lines
        total = len(lines)
        settings = self._setting_lines()
        index = 0
        while index < total:
            line = lines[index].rstrip()
            if index in self.code or index in settings:
                index += 1
                continue
            if line == "START":
                index = self._block(index, raws)
                continue
            if line == "DELETE":
                following = lines[index + 1].strip() if index + 1 < total else ""
                found = _ID.match(following)
                if found:
                    self.report(
                        index + 1,
                        Severity.INFO,
                        f"DELETE of note {found.group(1)}: not a card here",
                        "the plugin deletes that note from Anki; a built deck just leaves it out",
                    )
                    index += 2
                    continue
            if line.startswith("FROZEN - ") and line.endswith(":"):
                self.report(
                    index + 1,
                    Severity.WARNING,
                    "FROZEN fields are not added to the notes of their note type",
                    "write the text into each note's field",
                )
            if "STARTI" in line:
                for match in _INLINE.finditer(line):
                    self._inline(index, match.group(1), raws)
                if _INLINE.search(line):
                    index += 1
                    continue
            if _QUESTION.match(line):
                index = self._question_answer(index, raws)
                continue
            index += 1
        return raws

    def _block(self, start: int, raws: list[_Raw]) -> int:
        lines = self.lines
        end = start + 1
        while end < len(lines) and lines[end].rstrip() != "END":
            if lines[end].rstrip() == "START" and end not in self.code:
                break
            end += 1
        self.seen += 1
        if end >= len(lines) or lines[end].rstrip() != "END":
            self.report(
                start + 1,
                Severity.ERROR,
                "START without its END",
                "end the note with a line END",
            )
            return end
        shown = hide_comments(lines[start + 1 : end])
        body = [(start + 2 + k, text) for k, text in enumerate(shown)]
        while body and not body[0][1].strip():
            body.pop(0)
        while body and not body[-1][1].strip():
            body.pop()
        if not body:
            self.report(start + 1, Severity.WARNING, "an empty note (START, END): skipped")
            return end + 1
        line, notetype = body.pop(0)
        identifier = None
        if body and _ID.fullmatch(body[-1][1].strip()):
            found = _ID.fullmatch(body.pop()[1].strip())
            identifier = found.group(1) if found else None
        tags: list[str] = []
        if body and body[-1][1].startswith("Tags: "):
            tags = body.pop()[1][len("Tags: ") :].split()
        raws.append(_Raw(notetype.strip(), body, tags, identifier, line - 1))
        return end + 1

    def _inline(self, index: int, text: str, raws: list[_Raw]) -> None:
        self.seen += 1
        text = text.strip()
        identifier = None
        found = _ID.search(text)
        if found:
            identifier = found.group(1)
            text = text[: found.start()].strip()
        tags: list[str] = []
        tag_match = re.search(r"Tags: (.*)", text)
        if tag_match:
            tags = tag_match.group(1).split()
            text = text[: tag_match.start()].strip()
        type_match = _INLINE_TYPE.match(text)
        if type_match is None:
            self.report(
                index + 1,
                Severity.ERROR,
                "an inline note (STARTI ... ENDI) without its note type",
                "write it after STARTI in brackets: STARTI [Basic] question Back: answer ENDI",
            )
            return
        rest = text[type_match.end() :].strip()
        raws.append(
            _Raw(
                type_match.group(1).strip(),
                [(index + 1, rest)],
                tags,
                identifier,
                index + 1,
                inline=True,
            )
        )

    def _question_answer(self, start: int, raws: list[_Raw]) -> int:
        """A 'Q:' block, blank lines, an 'A:' block; each block ends at a blank line."""
        lines = self.lines
        total = len(lines)
        end = start
        while end < total and lines[end].strip() and end not in self.code:
            end += 1
        answer_at = end
        while answer_at < total and not lines[answer_at].strip():
            answer_at += 1
        question = [(i + 1, lines[i]) for i in range(start, end)]
        answer_in_question = next(
            (k for k, (_, text) in enumerate(question) if k and _ANSWER.match(text)), None
        )
        if answer_in_question is not None:
            answer = question[answer_in_question:]
            question = question[:answer_in_question]
            after = end
        elif answer_at < total and _ANSWER.match(lines[answer_at]):
            after = answer_at
            while after < total and lines[after].strip() and after not in self.code:
                after += 1
            answer = [(i + 1, lines[i]) for i in range(answer_at, after)]
        else:
            self.seen += 1
            self.report(
                start + 1,
                Severity.WARNING,
                "a 'Q:' question without its 'A:' answer: not a card",
                "write the answer on a line starting 'A:' after it",
            )
            return end
        self.seen += 1
        identifier = None
        if answer and _ID.fullmatch(answer[-1][1].strip()):
            found = _ID.fullmatch(answer.pop()[1].strip())
            identifier = found.group(1) if found else None
        tags: list[str] = []
        if answer and answer[-1][1].startswith("Tags: ") and len(answer) > 1:
            tags = answer.pop()[1][len("Tags: ") :].split()
        first_q = question[0]
        question[0] = (first_q[0], _QUESTION.match(first_q[1]).group(1))  # type: ignore[union-attr]
        first_a = answer[0]
        answer[0] = (first_a[0], _ANSWER.match(first_a[1]).group(1))  # type: ignore[union-attr]
        raw = _Raw("Basic", [], tags, identifier, start + 1)
        raw.fields = {
            "Front": "\n".join(text for _, text in question),
            "Back": "\n".join(text for _, text in answer),
        }
        raw.lines = [(question[0][0], ""), (answer[0][0], "")]
        raws.append(raw)
        return after

    # -- notes ---------------------------------------------------------------------------

    def _custom_types(self, raws: list[_Raw]) -> dict[str, NoteType]:
        """The note types named that are not Anki's stock ones, with the fields their notes use."""
        names: dict[str, list[str]] = {}
        for raw in raws:
            if raw.notetype.casefold() in STOCK:
                continue
            fields = names.setdefault(raw.notetype, [])
            for _, text in raw.lines:
                words = text.split(" ") if raw.inline else [text]
                for word in words:
                    found = (
                        _FIELD_NAME.match(word)
                        if not raw.inline
                        else re.fullmatch(r"(\w[\w ]*):", word)
                    )
                    if found and found.group(1) not in fields:
                        fields.append(found.group(1))
        custom: dict[str, NoteType] = {}
        for name, fields in names.items():
            first = next((raw for raw in raws if raw.notetype == name), None)
            if first is None or not name:
                continue
            starts_unnamed = any(
                raw.lines and not self._starts_with_field(raw, fields)
                for raw in raws
                if raw.notetype == name
            )
            if starts_unnamed or not fields:
                fields.insert(0, "Text" if "Text" not in fields else "Front")
            cleaned = notetypes.field_names(tuple(fields))
            custom[name] = notetypes.table(cleaned, name)
            self.report(
                first.line,
                Severity.INFO,
                f"note type {name!r} is not one of Anki's stock ones: made with the fields "
                f"its notes use ({', '.join(cleaned)})",
                "a note type of that name already in Anki with other fields is forked on import",
            )
        return custom

    @staticmethod
    def _starts_with_field(raw: _Raw, fields: list[str]) -> bool:
        text = raw.lines[0][1]
        if raw.inline:
            return any(text.startswith(name + ":") for name in fields)
        return any(text.startswith(name + ":") for name in fields)

    def _fields(self, raw: _Raw, names: Sequence[str]) -> dict[str, str]:
        if raw.fields:
            return raw.fields
        values: dict[str, list[str]] = {name: [] for name in names}
        current = names[0]
        if raw.inline:
            for word in raw.lines[0][1].split(" "):
                for name in names:
                    if word in (
                        f"{spelling}:" for spelling in (name, *FIELD_ALIASES.get(name, ()))
                    ):
                        current, word = name, ""
                values[current].append(word)
            return {name: " ".join(words).strip() for name, words in values.items()}
        for _, text in raw.lines:
            for name in names:
                spelling = next(
                    (
                        spelling
                        for spelling in (name, *FIELD_ALIASES.get(name, ()))
                        if text.startswith(spelling + ":")
                    ),
                    None,
                )
                if spelling is not None:
                    current, text = name, text[len(spelling) + 1 :]
                    break
            values[current].append(text)
        return {name: "\n".join(lines).strip() for name, lines in values.items()}

    def _note(self, raw: _Raw, custom: dict[str, NoteType]) -> None:
        path = self.source.path
        stock = STOCK.get(raw.notetype.casefold())
        notetype = custom.get(raw.notetype)
        if not raw.notetype:
            self.report(
                raw.line,
                Severity.ERROR,
                "a note without its note type",
                "write it on the line after START",
            )
            return
        if stock is None and notetype is None:
            return
        names = stock[1] if stock is not None else notetype.fields  # type: ignore[union-attr]
        values = self._fields(raw, names)
        tags = [tag.replace("/", "::") for tag in raw.tags]
        shown: dict[str, str] = {}
        for name, value in values.items():
            value = show_links(self.embeds.replace(value, raw.line, self.report))
            value, found = pop_tags(value)
            tags.extend(found)
            shown[name] = value
        kind = stock[0] if stock is not None else NoteKind.CUSTOM
        if stock is not None and raw.notetype.casefold() == "basic (optional reversed card)":
            kind = NoteKind.REVERSED if shown.get("Add Reverse", "").strip() else NoteKind.BASIC
        if kind is NoteKind.CLOZE:
            shown[names[0]] = self._curly(raw, shown[names[0]])
            if not _ANKI_CLOZE.search(shown[names[0]]):
                self.report(
                    raw.line,
                    Severity.WARNING,
                    "a Cloze note without a cloze: skipped (as the plugin skips it)",
                    "mark a cloze as {{c1::text}} or {c1:text}",
                )
                return
        first = shown[names[0]]
        if not first.strip():
            self.report(
                raw.line,
                Severity.WARNING,
                f"the first field ({names[0]}) is empty: note skipped",
                "Anki skips a note whose first field is empty",
            )
            return
        answer_line = raw.lines[1][0] if len(raw.lines) > 1 else raw.line
        all_tags = tuple(dict.fromkeys([*tags, *self.file_tags]))
        fields = tuple(shown[name] for name in names)
        self.notes.append(
            Note(
                question=fields[0],
                answer=fields[1] if len(fields) > 1 else "",
                deck=self.deck,
                location=SourceLocation(path, raw.line),
                tags=all_tags,
                guid=_guid(raw.identifier) if raw.identifier else None,
                text_format=TextFormat.MARKDOWN,
                answer_location=SourceLocation(path, answer_line),
                kind=kind,
                notetype=notetype if kind is NoteKind.CUSTOM else None,
                fields=fields if kind is NoteKind.CUSTOM else (),
            )
        )

    def _curly(self, raw: _Raw, text: str) -> str:
        """A Cloze note's ``{c1:x}`` clozes as Anki's, unless it holds Anki's already."""
        if _ANKI_CLOZE.search(text):
            return text
        counter = 0

        def cloze(match: re.Match[str]) -> str:
            nonlocal counter
            counter += 1
            number = match.group(1) or str(counter)
            return "{{c" + number + "::" + match.group(2) + "}}"

        def change(prose: str) -> str:
            # Math is not a cloze: {x} inside $...$ is LaTeX.
            pieces: list[str] = []
            position = 0
            for found in _MATH.finditer(prose):
                pieces.append(_CURLY.sub(cloze, prose[position : found.start()]))
                pieces.append(found.group(0))
                position = found.end()
            pieces.append(_CURLY.sub(cloze, prose[position:]))
            return "".join(pieces)

        changed = outside_code(text, change)
        if changed != text:
            self.report(raw.line, Severity.NOTE, "curly clozes {c1:...} read as Anki's {{c1::...}}")
        return changed
