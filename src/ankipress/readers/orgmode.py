"""Reader for org-mode files written for anki-editor (the Emacs package), read as it reads them.

A note is a heading whose own property drawer names its note type::

    #+PROPERTY: ANKI_DECK Languages       the deck of every note below (inherited)
    #+FILETAGS: :lang:                    tags of every note (Org's file tags)
    * Idioms                              a heading that is not a note: its properties and
      :PROPERTIES:                          tags are inherited by the notes under it
      :ANKI_DECK: Languages::English
      :END:
    ** Raining                  :vocab:   a note: its tags are Org's (inherited) ones
       :PROPERTIES:
       :ANKI_NOTE_TYPE: Basic (and reversed card)
       :ANKI_TAGS: idioms                 more tags (inherited too, ``ANKI_TAGS+`` adds)
       :ANKI_NOTE_ID: 1700000000001       written by anki-editor once the note is in Anki
       :END:
    *** Front                             a field: its subheadings are its fields, by name
        (it's) raining cats and dogs
    *** Back
        it's raining very hard

anki-editor's own rules for a note whose subheadings are not all of its note type's fields
(``anki-editor--map-fields``): one field missing, it is the text before the first
subheading, or the heading when there is none; two missing, the first is the heading and the
second the text (``ANKI_SWAP_TWO_FIELDS`` swaps them); more, or a subheading that is no
field of a note type with none missing, is an error. Subheadings beyond the fields go into the
missing field, under their headings, as anki-editor puts them. ``ANKI_FIELD_<NAME>``
properties give a field too; ``ANKI_PREPEND_HEADING`` puts the heading above the text;
``ANKI_NO_SUBHEADING_FIELDS`` makes subheadings no fields; ``ANKI_FORMAT: nil`` (or a
field starting ``# raw``) sends a field as it is written, as HTML. Org's ``export`` and
``noexport`` tags are not Anki tags (``anki-editor-ignored-org-tags``).

Note types: Basic, "Basic (and reversed card)", "Basic (optional reversed card)", "Basic
(type in the answer)" and Cloze are ours; any other is a note type of its own whose fields
are the subheadings its notes use. A Cloze note whose heading would be its text while its
clozes are in the text under it is read with the two swapped (what anki-editor's
``anki-editor-swap-two-fields`` setting is for), and said so.

``:ANKI_NOTE_ID:`` is kept as the note's identity: its GUID is derived from that id alone, so
a rebuilt package updates the note it made before even when its deck or question changed.
It is Anki's note id, not the GUID of the note anki-editor made: a package cannot update
that note (Anki matches notes by GUID), so the notes are new in a collection that has them.

Field text is Org markup, shown as Org's HTML export shows it (:mod:`.orgmarkup`).

A file without anki-editor's note types that is written for org-anki (another Emacs package:
``#+ANKI_DECK:`` lines, or ``:ANKI_NOTE_ID:`` properties it wrote) is read as org-anki reads
it: each heading is a note whose front is the heading and whose back is its text up to any
subheading (or its ``Front``/``Back`` subheadings); a cloze in the heading or the text makes a
Cloze. Its notes are the headings ``#+ANKI_MATCH:`` matches (tags only), else the headings it
pushed (those with an id), else every heading (``org-anki-sync-all``); a note with an empty
field is left out, as org-anki leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from ankipress import ids, notetypes, rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.ondemand import OnUse
from ankipress.readers.reporting import Reporting
from ankipress.readers.stocktypes import FIELD_ALIASES, STOCK
from ankipress.sources import Source

if TYPE_CHECKING:
    from ankipress.readers import orgmarkup
    from ankipress.readers.orgmarkup import Line
else:
    # Org's HTML export, for reading a file: telling formats apart (sniff) goes without it.
    orgmarkup = OnUse("ankipress.readers.orgmarkup")

__all__ = ["OrgModeReader"]

_HEADING = re.compile(r"(\*+)(?:[ \t]+(.*?))?[ \t]*")
_TAGS = re.compile(r"(.*?)(?:^|[ \t]+)(:(?:[\w@#%]+:)+)$")
_PRIORITY = re.compile(r"\[#.\][ \t]*")
_PLANNING = re.compile(r"[ \t]*(?:SCHEDULED|DEADLINE|CLOSED):")
_DRAWER = re.compile(r"[ \t]*:([\w-]+):[ \t]*")
_DRAWER_END = re.compile(r"[ \t]*:END:[ \t]*", re.IGNORECASE)
_PROPERTY = re.compile(r"[ \t]*:([^\s:]+):(?:[ \t]+(.*?))?[ \t]*")
_FILE_KEYWORD = re.compile(
    r"#\+(PROPERTY|FILETAGS|TODO|SEQ_TODO|TYP_TODO|OPTIONS|ANKI_\w+):[ \t]*(.*?)[ \t]*", re.I
)
_BEGIN = re.compile(r"[ \t]*#\+begin_(\w+)", re.IGNORECASE)
_RAW = re.compile(r"# raw[ \t\n]*")
_CLOZE = re.compile(r"\{\{c\d+::")
_ANKI_PROPERTY = re.compile(r"^[ \t]*:ANKI_(?:NOTE_TYPE|DECK|NOTE_ID|TAGS):", re.MULTILINE)
_NOTE_TYPE = re.compile(r"^[ \t]*:ANKI_NOTE_TYPE:[ \t]*\S", re.MULTILINE)
_IGNORED_TAGS = frozenset(("export", "noexport"))
_RESERVED_DECK = "\x00anki-editor"

_FIELD_PROPERTY = "ANKI_FIELD_"
# Note types whose notes are more than text: they cannot be built from an org file.
_UNBUILDABLE = {"image occlusion": "its notes hold a picture's masks, which Anki's editor draws"}


def _guid(identifier: str) -> str:
    """The GUID of the note anki-editor gave this id: a hash of the id alone (salted apart
    from every other GUID: no deck may hold a NUL)."""
    return ids.note_guid(_RESERVED_DECK, identifier)


@dataclass
class _Heading:
    """One heading: where it is, what it says, its properties, and where its parts end."""

    index: int
    """0-based line of the heading."""
    level: int
    title: str
    tags: tuple[str, ...]
    parent: _Heading | None
    properties: list[tuple[str, str]] = field(default_factory=list)
    """Its property drawer's lines, in order: (NAME in capitals, value)."""
    body: int = 0
    """0-based line of its text, after the planning line and drawers."""
    end: int = 0
    """0-based line of the next heading, of any level (or the end of the file)."""
    subtree_end: int = 0
    """0-based line of the next heading of its level or above."""
    children: list[_Heading] = field(default_factory=list)

    def local(self, name: str) -> tuple[str | None, list[str]]:
        """Org's value of ``name`` on this heading alone: ``NAME``, and ``NAME+`` additions."""
        base: str | None = None
        extra: list[str] = []
        for key, value in self.properties:
            if key == name:
                base, extra = value, []
            elif key == name + "+":
                extra.append(value)
        return base, extra


@dataclass
class _Field:
    """A field's text as written: lines (or a property's value), and its attachment folder."""

    lines: list[Line]
    attach_dir: str | None = None


class OrgModeReader:
    """Org files for anki-editor: ``:ANKI_NOTE_TYPE:`` headings, subheadings as fields."""

    name: str = "org"
    extensions: tuple[str, ...] = (".org",)
    description: str = "Org files for anki-editor (:ANKI_NOTE_TYPE: headings, subheading fields)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is an org file for anki-editor, from 0 to 1."""
        if _NOTE_TYPE.search(source.text):
            return 1.0
        if _ANKI_PROPERTY.search(source.text):
            return 0.9  # anki-editor's properties without a note type: ours, to say so
        if PurePath(source.path).suffix.lower() in self.extensions:
            return 0.6  # an org file without notes: "no notes" beats "unknown format"
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every note of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck).run()


# A Logseq block tagged as a card (#card, #[[card]], [[card]]; #flashcard for its Anki plugin).
_LOGSEQ_CARD = re.compile(
    r"(?<![/#&\\\w])#(?:\[\[(?:flash)?card\]\]|(?:flash)?card\b)|\[\[card\]\]", re.I
)


class _Parser(Reporting[Source]):
    def __init__(self, source: Source, default_deck: str) -> None:
        self.source = source
        self.lines = [line.rstrip("\r") for line in source.lines]
        self.default_deck = default_deck
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[Note] = []
        self.file_properties: list[tuple[str, str]] = []
        self.file_tags: list[str] = []
        self.todo = {"TODO", "DONE"}
        self.scripts = "t"
        self.headings: list[_Heading] = []
        self.seen = 0
        self.decks: list[str] = []
        self.keywords: dict[str, str] = {}
        """org-anki's file keywords (``#+ANKI_DECK:``...), by name in capitals."""
        self.keyword_lines: dict[str, int] = {}
        self.errors = 0

    def report(
        self,
        line: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """A diagnostic at 1-based ``line`` (``None``: the whole file), errors counted."""
        super().report(line, severity, message, hint, rule)
        self.errors += severity is Severity.ERROR

    # -- the outline ---------------------------------------------------------------------

    def run(self) -> ReadResult:
        self._file_settings()
        self._outline()
        notes = [h for h in self.headings if self._own(h, "ANKI_NOTE_TYPE")]
        for heading in self.headings:
            base, _ = heading.local("ANKI_NOTE_TYPE")
            if base is not None and not base.strip():
                self.report(
                    heading.index + 1,
                    Severity.WARNING,
                    "an empty :ANKI_NOTE_TYPE: property: the heading is not a note",
                    "name its note type, e.g. :ANKI_NOTE_TYPE: Basic",
                )
        custom = self._custom_types(notes)
        for heading in notes:
            self.seen += 1
            self._note(heading, custom)
        tool = "anki-editor"
        if not notes and self._is_org_anki():
            notes, tool = self._org_anki(), "org-anki"
        self._say_ids(notes, tool)
        if not notes and not any(d.severity is Severity.ERROR for d in self.diagnostics):
            first = self.headings[0].index + 1 if self.headings else 1
            if self._logseq_page():
                return self._logseq_result()
            self.report(
                first,
                Severity.ERROR,
                "no notes found: no heading has an :ANKI_NOTE_TYPE: property",
                "anki-editor's notes are headings whose property drawer names the note type "
                "(:ANKI_NOTE_TYPE: Basic), their subheadings the fields; a file for org-anki "
                "names its deck in a line #+ANKI_DECK: name",
                rule=rules.NO_CARDS,
            )
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(self.notes), tuple(diagnostics), self.seen, tuple(self.decks))

    def _logseq_page(self) -> bool:
        """Whether the file is a page of a Logseq graph (a folder above it holds the graph's
        settings, logseq/config.edn)."""
        folder = Path(self.source.path).parent
        return any((up / "logseq" / "config.edn").is_file() for up in (folder, *folder.parents))

    def _logseq_result(self) -> ReadResult:
        """A Logseq page written in Org: said, not read (its cards would be lost unsaid)."""
        cards = [i + 1 for i, text in enumerate(self.lines) if _LOGSEQ_CARD.search(text)]
        if cards:
            self.report(
                cards[0],
                Severity.WARNING,
                f"a Logseq page in Org format, with {len(cards)} block(s) tagged as cards: "
                "not read (ankipress reads Logseq's Markdown pages)",
                "write the page in Markdown (Logseq reads both), or export its cards from Anki",
                rule=rules.UNSUPPORTED_FORMAT,
            )
        # "no cards found": in a graph given as a folder, a note of a page without cards.
        self.report(
            None,
            Severity.ERROR,
            "no cards found",
            "ankipress reads Logseq's Markdown pages; this one is written in Org",
            rule=rules.NO_CARDS,
        )
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult((), tuple(diagnostics), len(cards), ())

    def _file_settings(self) -> None:
        block: str | None = None
        for number, line in enumerate(self.lines, 1):
            if block is not None:
                if re.fullmatch(rf"[ \t]*#\+end_{re.escape(block)}[ \t]*", line, re.I):
                    block = None
                continue
            begin = _BEGIN.match(line)
            if begin:
                block = begin.group(1)
                continue
            match = _FILE_KEYWORD.fullmatch(line)
            if match is None:
                continue
            keyword, value = match.group(1).upper(), match.group(2)
            if keyword == "PROPERTY":
                name, _, rest = value.partition(" ")
                self.file_properties.append((name.upper(), rest.strip()))
            elif keyword == "FILETAGS":
                self.file_tags.extend(t for t in re.split(r"[:\s]+", value) if t)
            elif keyword.startswith("ANKI_"):
                self.keywords.setdefault(keyword, value)
                self.keyword_lines.setdefault(keyword, number)
            elif keyword == "OPTIONS":
                found = re.search(r"(?:^|\s)\^:(\S+)", value)
                if found:
                    self.scripts = found.group(1)
            else:
                for word in value.split():
                    if word != "|":
                        self.todo.add(re.sub(r"\(.*\)$", "", word))

    def _outline(self) -> None:
        stack: list[_Heading] = []
        for index, line in enumerate(self.lines):
            match = _HEADING.fullmatch(line)
            if match is None:
                continue
            level = len(match.group(1))
            title, tags = self._title(match.group(2) or "")
            while stack and stack[-1].level >= level:
                stack.pop()
            parent = stack[-1] if stack else None
            heading = _Heading(index, level, title, tags, parent)
            if parent is not None:
                parent.children.append(heading)
            self.headings.append(heading)
            stack.append(heading)
        total = len(self.lines)
        unended: list[_Heading] = []
        for position, heading in enumerate(self.headings):
            following = self.headings[position + 1] if position + 1 < len(self.headings) else None
            heading.end = following.index if following else total
            while unended and unended[-1].level >= heading.level:
                unended.pop().subtree_end = heading.index
            unended.append(heading)
        for heading in unended:
            heading.subtree_end = total
        for heading in self.headings:
            heading.body = self._drawers(heading)

    def _title(self, text: str) -> tuple[str, tuple[str, ...]]:
        """A heading's title as ``org-get-heading`` gives it (no keyword, priority, comment,
        tags), and its own tags."""
        tags: tuple[str, ...] = ()
        found = _TAGS.fullmatch(text)
        if found:
            text, tags = found.group(1), tuple(t for t in found.group(2).split(":") if t)
        first, _, rest = text.partition(" ")
        if first in self.todo:
            text = rest.lstrip()
        text = _PRIORITY.sub("", text, count=1) if text.startswith("[#") else text
        if text == "COMMENT" or text.startswith("COMMENT "):
            text = text[len("COMMENT") :].lstrip()
        return text.strip(), tags

    def _drawers(self, heading: _Heading) -> int:
        """Read the heading's property drawer; the line its text starts at."""
        index = heading.index + 1
        if index < heading.end and _PLANNING.match(self.lines[index]):
            index += 1
        first = True
        while index < heading.end:
            line = self.lines[index]
            if not line.strip():
                index += 1
                continue
            if _PLANNING.match(line):
                index += 1
                continue
            drawer = _DRAWER.fullmatch(line)
            if drawer is None or drawer.group(1).upper() == "END":
                break
            end = next(
                (i for i in range(index + 1, heading.end) if _DRAWER_END.fullmatch(self.lines[i])),
                None,
            )
            name = drawer.group(1).upper()
            if end is None:
                if name == "PROPERTIES" or first:
                    self.report(
                        index + 1,
                        Severity.ERROR,
                        f"a :{drawer.group(1)}: drawer without its :END:",
                        "end the drawer with a line :END: before the next heading",
                        rule=rules.MALFORMED_ROW,
                    )
                    return heading.end
                break
            if name == "PROPERTIES" and first:
                for line_index in range(index + 1, end):
                    match = _PROPERTY.fullmatch(self.lines[line_index])
                    if match:
                        heading.properties.append((match.group(1).upper(), match.group(2) or ""))
                    elif self.lines[line_index].strip():
                        self.report(
                            line_index + 1,
                            Severity.WARNING,
                            "not a property line: ignored",
                            "write properties as :NAME: value",
                        )
            first = False
            index = end + 1
        return index

    # -- properties ----------------------------------------------------------------------

    def _own(self, heading: _Heading, name: str) -> str | None:
        """``org-entry-get`` without inheritance: the heading's own value (``nil`` is none)."""
        base, extra = heading.local(name)
        parts = ([base] if base is not None else []) + extra
        value = " ".join(parts).strip() if parts else None
        return None if value in (None, "", "nil") else value

    def _inherited(self, heading: _Heading, name: str, literal: bool = False) -> str | None:
        """``org-entry-get-with-inheritance``: the nearest value up the outline, then the
        file's ``#+PROPERTY:``; ``NAME+`` values on the way are added in front of it.
        ``nil`` is no value unless ``literal``."""
        value: str | None = None
        node: _Heading | None = heading
        while node is not None:
            base, extra = node.local(name)
            parts = ([base] if base is not None else []) + extra
            if parts:
                joined = " ".join(parts)
                value = f"{joined} {value}" if value else joined
            if base is not None:
                return None if value == "nil" and not literal else value
            node = node.parent
        base = None
        extra = []
        for key, text in self.file_properties:
            if key == name:
                base, extra = text, []
            elif key == name + "+":
                extra.append(text)
        parts = ([base] if base is not None else []) + extra
        if parts:
            joined = " ".join(parts)
            value = f"{joined} {value}" if value else joined
        return None if value == "nil" and not literal else value

    def _tags(self, heading: _Heading) -> tuple[str, ...]:
        """``ANKI_TAGS`` (inherited), then Org's tags with inheritance, less the ignored."""
        tags = (self._inherited(heading, "ANKI_TAGS") or "").split()
        chain: list[_Heading] = []
        node: _Heading | None = heading
        while node is not None:
            chain.append(node)
            node = node.parent
        org = [*self.file_tags, *(t for h in reversed(chain) for t in h.tags)]
        kept = [t.replace("%20", "_") for t in [*tags, *org] if t not in _IGNORED_TAGS]
        return tuple(dict.fromkeys(kept))

    # -- notes ---------------------------------------------------------------------------

    def _fields_of(self, heading: _Heading) -> list[tuple[str, _Field, _Heading]]:
        """The subheadings read as fields: (name, text, subheading)."""
        if self._own(heading, "ANKI_NO_SUBHEADING_FIELDS"):
            return []
        fields = []
        for child in heading.children:
            if "noexport" in child.tags:
                message = f"the subheading {child.title!r} is tagged noexport: not a field"
                self.report(child.index + 1, Severity.NOTE, message)
                continue
            lines = [(i + 1, self.lines[i]) for i in range(child.body, child.subtree_end)]
            fields.append((child.title, _Field(lines, self._own(child, "DIR")), child))
        return fields

    def _content(self, heading: _Heading) -> list[Line]:
        """The text between the heading's drawers and its first subheading."""
        stop = heading.children[0].index if heading.children else heading.subtree_end
        if self._own(heading, "ANKI_NO_SUBHEADING_FIELDS"):
            stop = heading.subtree_end
        return [(i + 1, self.lines[i]) for i in range(heading.body, stop)]

    def _custom_types(self, notes: Sequence[_Heading]) -> dict[str, NoteType]:
        """Note types that are not Anki's stock ones: fields from the subheadings used."""
        names: dict[str, list[str]] = {}
        properties: dict[str, list[str]] = {}
        first: dict[str, _Heading] = {}
        for heading in notes:
            notetype = self._own(heading, "ANKI_NOTE_TYPE") or ""
            folded = notetype.casefold()
            if folded in STOCK or folded in _UNBUILDABLE:
                continue
            fields = names.setdefault(notetype, [])
            first.setdefault(notetype, heading)
            _merge(fields, [name for name, _, _ in self._fields_of(heading) if name])
            _merge(properties.setdefault(notetype, []), _property_fields(heading))
        custom: dict[str, NoteType] = {}
        for notetype, fields in names.items():
            # Fields given only as ANKI_FIELD_<NAME> properties come after those of the
            # subheadings (or after Front and Back, which the heading and its text fill).
            fields = list(fields or ("Front", "Back"))
            folded_names = {name.casefold() for name in fields}
            fields.extend(
                name for name in properties.get(notetype, []) if name.casefold() not in folded_names
            )
            cleaned = notetypes.field_names(tuple(fields))
            if len(cleaned) == 1:
                cleaned = notetypes.field_names((*cleaned, "Back"))
            custom[notetype] = notetypes.table(cleaned, notetype)
            self.report(
                first[notetype].index + 1,
                Severity.INFO,
                f"note type {notetype!r} is not one of Anki's stock ones: made with the fields "
                f"its notes use ({', '.join(cleaned)})",
                "a note type of that name already in Anki with other fields is forked on import",
            )
        return custom

    def _note(self, heading: _Heading, custom: dict[str, NoteType]) -> None:
        line = heading.index + 1
        notetype = self._own(heading, "ANKI_NOTE_TYPE") or ""
        folded = notetype.casefold()
        if folded in _UNBUILDABLE:
            self.report(
                line,
                Severity.ERROR,
                f"a note of type {notetype!r} cannot be built from text: {_UNBUILDABLE[folded]}",
                "make it in Anki, or give the heading another note type",
                rule=rules.UNSUPPORTED_FORMAT,
            )
            return
        stock = STOCK.get(folded)
        own_type = custom.get(notetype)
        model = stock[1] if stock is not None else own_type.fields if own_type else ()
        fields = self._map_fields(heading, notetype, model)
        if fields is None:
            return
        shown = {name: self._export(heading, name, value) for name, value in fields.items()}
        if any(value is None for value in shown.values()):
            return
        values = tuple(shown[name] or "" for name in model)
        kind = stock[0] if stock is not None else NoteKind.CUSTOM
        if folded == "basic (optional reversed card)":
            kind = NoteKind.REVERSED if values[2].strip() else NoteKind.BASIC
        if kind is NoteKind.CLOZE and not _CLOZE.search(values[0]):
            self.report(
                line,
                Severity.ERROR,
                f"a Cloze note without a cloze in its field {model[0]!r}",
                "mark a deletion as {{c1::text}}; Anki refuses a Cloze note without one",
                rule=rules.CLOZE_WITHOUT_DELETION,
            )
            return
        if not _visible(values[0]):
            self.report(
                line,
                Severity.ERROR,
                f"the first field ({model[0]}) of the note {heading.title!r} is empty",
                "Anki refuses a note whose first field is empty",
                rule=rules.EMPTY_QUESTION,
            )
            return
        deck = self._inherited(heading, "ANKI_DECK") or self.default_deck
        if deck not in self.decks and deck != self.default_deck:
            self.decks.append(deck)
        identifier = self._own(heading, "ANKI_NOTE_ID")
        self.notes.append(
            Note(
                question=values[0],
                answer=values[1] if len(values) > 1 else "",
                deck=deck,
                location=SourceLocation(self.source.path, line),
                tags=self._tags(heading),
                guid=_guid(identifier) if identifier else None,
                text_format=TextFormat.HTML,
                answer_location=SourceLocation(self.source.path, line),
                kind=kind,
                notetype=own_type if kind is NoteKind.CUSTOM else None,
                fields=values if kind is NoteKind.CUSTOM else (),
            )
        )

    def _map_fields(
        self, heading: _Heading, notetype: str, model: tuple[str, ...]
    ) -> dict[str, _Field] | None:
        """anki-editor's ``anki-editor--map-fields``: every field of ``model`` from the
        property fields, the subheadings, the heading and the text before the subheadings."""
        line = heading.index + 1
        named: dict[str, _Field] = {}
        for name in model:
            for spelling in (name, *FIELD_ALIASES.get(name, ())):
                prop = self._inherited(
                    heading, _FIELD_PROPERTY + spelling.upper().replace(" ", "_")
                )
                if prop is not None:
                    named[name] = _Field([(line, prop)])
                    break
        subheadings = self._fields_of(heading)
        aliases = {alias: name for name in model for alias in FIELD_ALIASES.get(name, ())}
        for name, value, _ in subheadings:
            named.setdefault(name if name in model else aliases.get(name, name), value)
        missing = [name for name in model if name not in named]
        extra = [name for name in named if name not in model]
        content = self._content(heading)
        has_content = any(text.strip() for _, text in content)
        title: list[Line] = [(line, heading.title)]
        attach = self._own(heading, "DIR")
        expected = ", ".join(model)
        if not missing:
            if extra:
                self.report(
                    line,
                    Severity.ERROR,
                    f"the note {heading.title!r} has fields its note type {notetype!r} has not: "
                    f"{', '.join(extra)}",
                    f"its fields are {expected}; name each subheading after one of them",
                    rule=rules.MALFORMED_ROW,
                )
                return None
            if has_content:
                first = next(n for n, text in content if text.strip())
                self.report(
                    first,
                    Severity.WARNING,
                    "text before the first field subheading is in no field: left out, "
                    "as anki-editor leaves it out",
                    "every field has a subheading; move the text under one of them",
                )
            return {name: named[name] for name in model}
        if len(missing) > 2:
            self.report(
                line,
                Severity.ERROR,
                f"the note {heading.title!r} misses {len(missing)} fields of its note type "
                f"{notetype!r} ({', '.join(missing)}); anki-editor fills two at most",
                f"its fields are {expected}: give each a subheading of its name",
                rule=rules.MALFORMED_ROW,
            )
            return None
        rest: list[Line] = []
        if has_content:
            rest.extend(content)
        for name, value, child in subheadings:
            if name in extra:
                stars = "*" * (heading.level + 1)
                rest.extend([(child.index + 1, f"{stars} {name}"), (child.index + 1, "")])
                rest.extend([*value.lines, (child.index + 1, "")])
        mapped = {name: named[name] for name in model if name in named}
        if len(missing) == 1:
            if not has_content and not extra:
                mapped[missing[0]] = _Field(title, attach)
            else:
                prepend = self._inherited(heading, "ANKI_PREPEND_HEADING", literal=True)
                if has_content and prepend not in (None, "nil"):
                    rest = [(line, f"/{heading.title}/"), (line, ""), *rest]
                mapped[missing[0]] = _Field(rest, attach)
            return mapped
        swapped = notetype in (self._inherited(heading, "ANKI_SWAP_TWO_FIELDS") or "").split()
        if (
            not swapped
            and notetype.casefold() == "cloze"
            and missing[0] == model[0]
            and not _CLOZE.search(heading.title)
            and any(_CLOZE.search(text) for _, text in rest)
        ):
            swapped = True
            self.report(
                line,
                Severity.NOTE,
                "the clozes are in the text under the heading: the text is the Cloze note's "
                f"{model[0]!r} and the heading its {missing[1]!r}",
                "as anki-editor does with its anki-editor-swap-two-fields setting",
            )
        order = missing[::-1] if swapped else missing
        mapped[order[0]] = _Field(title, attach)
        mapped[order[1]] = _Field(rest, attach)
        return mapped

    def _export(self, heading: _Heading, name: str, value: _Field) -> str | None:
        """A field's HTML, as anki-editor sends it; ``None`` when it has errors."""
        raw = "\n".join(text for _, text in value.lines)
        if self._inherited(heading, "ANKI_FORMAT", literal=True) == "nil":
            return raw.strip("\n")
        stripped = raw.lstrip()
        if stripped.startswith("# raw"):
            return _RAW.sub("", stripped, count=1).rstrip()
        errors = self.errors

        converter = orgmarkup.OrgHtml(self.report, self.scripts, value.attach_dir)
        shown = converter.convert(value.lines).strip("\n")
        for reference in converter.references:
            self._check_file(reference.line, reference.path, reference.kind)
        if self.errors > errors:
            return None
        return shown

    def _check_file(self, line: int, path: str, kind: str) -> None:
        """A picture or sound must be there: anki-editor fails a note whose file is not."""
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+://", path):
            return
        base = Path(self.source.path).parent
        candidate = Path(path).expanduser()
        if not (candidate if candidate.is_absolute() else base / candidate).is_file():
            self.report(
                line,
                Severity.ERROR,
                f"the {kind} {path!r} is not found",
                "file links are relative to the org file's folder",
                rule=rules.MEDIA_MISSING,
            )

    # -- org-anki --------------------------------------------------------------------------

    def _is_org_anki(self) -> bool:
        """Whether the file is written for org-anki: its ``#+ANKI_DECK:``-style keywords, or
        notes it pushed (``:ANKI_NOTE_ID:``) without anki-editor's ``:ANKI_NOTE_TYPE:``."""
        return bool(self.keywords) or any(h.local("ANKI_NOTE_ID")[0] for h in self.headings)

    def _org_anki(self) -> list[_Heading]:
        """The notes of an org-anki file, read as org-anki reads them (``org-anki--get-fields``):
        the heading is the front, its text up to any subheading the back (or ``Front``/
        ``Back`` subheadings); a cloze in the heading or the text makes a Cloze."""
        match = self.keywords.get("ANKI_MATCH")
        if match is not None:
            wanted = _tag_match(match)
            if wanted is None:
                self.report(
                    self.keyword_lines.get("ANKI_MATCH"),
                    Severity.ERROR,
                    f"#+ANKI_MATCH: {match!r} is more than a match of tags, which is all this "
                    "reader evaluates",
                    "match tags only (+card, card-draft), or tag the notes",
                    rule=rules.UNSUPPORTED_FORMAT,
                )
                return []
            notes = [h for h in self.headings if wanted(set(self._org_tags(h)))]
            rule = f"the headings #+ANKI_MATCH: {match} matches"
        elif any(h.local("ANKI_NOTE_ID")[0] for h in self.headings):
            notes = [h for h in self.headings if h.local("ANKI_NOTE_ID")[0]]
            rule = "the headings org-anki pushed to Anki (with an :ANKI_NOTE_ID:)"
            fields = {id(c) for h in notes for c in h.children if c.title in ("Front", "Back")}
            left = sum(
                1
                for h in self.headings
                if h not in notes
                and id(h) not in fields
                and any(text.strip() for _, text in self._content(h))
            )
            if left:
                rule += f"; {left} other heading{'s' if left > 1 else ''} with text left out"
        else:
            notes = list(self.headings)
            rule = "every heading, as org-anki-sync-all takes them"
        if notes:
            self.report(
                notes[0].index + 1,
                Severity.INFO,
                f"an org file written for org-anki: its notes are {rule}; the heading is the "
                "front, the text under it the back",
                "to take other headings, tag them and add a line #+ANKI_MATCH: +tag",
            )
        made = []
        for heading in notes:
            self.seen += 1
            if self._org_anki_note(heading):
                made.append(heading)
        return made

    def _org_tags(self, heading: _Heading) -> list[str]:
        chain: list[_Heading] = []
        node: _Heading | None = heading
        while node is not None:
            chain.append(node)
            node = node.parent
        return [*self.file_tags, *(t for h in reversed(chain) for t in h.tags)]

    def _org_anki_note(self, heading: _Heading) -> bool:
        line = heading.index + 1
        notetype = (
            self._inherited(heading, "ANKI_NOTE_TYPE")
            or self.keywords.get("ANKI_NOTE_TYPE")
            or "Basic"
        )
        folded = notetype.casefold()
        names = {"cloze": ("Text", "Extra")}.get(folded, ("Front", "Back"))
        if folded not in STOCK:
            self.report(
                line,
                Severity.ERROR,
                f"org-anki takes the fields of the note type {notetype!r} from Anki",
                "ankipress reads org-anki's Basic and Cloze notes; name one of those",
                rule=rules.UNSUPPORTED_FORMAT,
            )
            return False
        title: list[Line] = [(line, heading.title)]
        content = self._content(heading)
        found: dict[str, _Field] = {}
        for child in heading.children:
            if child.title in names and child.title not in found:
                lines = [(i + 1, self.lines[i]) for i in range(child.body, child.subtree_end)]
                found[child.title] = _Field(lines, self._own(child, "DIR"))
        attach = self._own(heading, "DIR")
        kind = STOCK[folded][0]
        if _CLOZE.search(heading.title):
            kind, fields = NoteKind.CLOZE, [_Field(title, attach), _Field(content, attach)]
        elif any(_CLOZE.search(text) for _, text in content):
            kind, fields = NoteKind.CLOZE, [_Field(content, attach), _Field([], attach)]
        elif not found:
            fields = [_Field(title, attach), _Field(content, attach)]
        elif len(found) == len(names) or len(found) == len(names) - 1:
            fields = [found.get(name) or _Field(content, attach) for name in names]
        else:  # unreachable with two fields; kept for a third
            return False
        shown = [
            self._export(heading, name, value) for name, value in zip(names, fields, strict=True)
        ]
        if any(value is None for value in shown):
            return False
        values = [value or "" for value in shown]
        if kind is not NoteKind.CLOZE and not all(_visible(value) for value in values):
            self.report(
                line,
                Severity.NOTE,
                f"the heading {heading.title!r} has no text under it: not a note, as org-anki "
                "leaves out a note with an empty field",
            )
            return False
        deck = (
            self._inherited(heading, "ANKI_DECK")
            or self.keywords.get("ANKI_DECK")
            or self.default_deck
        )
        if deck not in self.decks and deck != self.default_deck:
            self.decks.append(deck)
        extra_tags = re.split(r"[:\s]+", self.keywords.get("ANKI_TAGS", ""))
        tags = [t for t in (*self._org_tags(heading), *extra_tags) if t]
        identifier = self._own(heading, "ANKI_NOTE_ID")
        self.notes.append(
            Note(
                question=values[0],
                answer=values[1],
                deck=deck,
                location=SourceLocation(self.source.path, line),
                tags=tuple(dict.fromkeys(tags)),
                guid=_guid(identifier) if identifier else None,
                text_format=TextFormat.HTML,
                answer_location=SourceLocation(self.source.path, line),
                kind=kind,
            )
        )
        return True

    def _say_ids(self, notes: Sequence[_Heading], tool: str) -> None:
        with_id = [h for h in notes if self._own(h, "ANKI_NOTE_ID")]
        if not with_id:
            return
        count = len(with_id)
        self.report(
            with_id[0].index + 1,
            Severity.INFO,
            f"{count} note{'s carry' if count > 1 else ' carries'} an :ANKI_NOTE_ID: (pushed to "
            f"Anki by {tool}): kept as the notes' identity, so rebuilt packages update them",
            f"a package cannot update the notes {tool} made (Anki matches notes by GUID, "
            "not by note id): import it into a collection without them",
        )


def _tag_match(text: str) -> Callable[[set[str]], bool] | None:
    """An org-map-entries MATCH of tags only (``+a-b``, ``a&b``), as a test of a heading's
    tags; ``None`` for any other match (properties, ``|``, regular expressions)."""
    terms = re.findall(r"([+-]?)([\w@#%]+)", text)
    if not terms or re.sub(r"[+\-&]?[\w@#%]+", "", text).strip():
        return None

    def test(tags: set[str]) -> bool:
        return all((name in tags) != (sign == "-") for sign, name in terms)

    return test


def _property_fields(heading: _Heading) -> list[str]:
    """The fields a heading gives as ``ANKI_FIELD_<NAME>`` properties, named as Anki would
    spell them (``ANKI_FIELD_BACK_EXTRA``: "Back Extra")."""
    names: list[str] = []
    for key, _ in heading.properties:
        if key.startswith(_FIELD_PROPERTY) and len(key) > len(_FIELD_PROPERTY):
            words = key[len(_FIELD_PROPERTY) :].split("_")
            name = " ".join(word.capitalize() for word in words if word)
            if name and name not in names:
                names.append(name)
    return names


def _merge(known: list[str], names: list[str]) -> None:
    """Add the field names one note uses to those of its note type, keeping the order of
    both: a new name goes before the next name it precedes that is known already."""
    for position, name in enumerate(names):
        if name in known:
            continue
        after = next((n for n in names[position + 1 :] if n in known), None)
        known.insert(known.index(after) if after is not None else len(known), name)


def _visible(text: str) -> bool:
    """Whether a field's HTML shows anything (text, a picture, a sound)."""
    if re.search(r"<(?:img|video|audio)\b|\[sound:", text):
        return True
    return bool(re.sub(r"<[^>]*>", "", text).strip())
