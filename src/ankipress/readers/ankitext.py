"""Reader for Anki's "Notes in Plain Text" export, and any text file with Anki's import headers.

Header lines come first, read as Anki's importer reads them (``#key:value`` lines up to the
first line not starting with ``#``; a ``#`` line without a colon is a comment)::

    #separator:tab                 Tab, Comma, Semicolon, Pipe, Space, Colon, or the character
    #html:true                     fields are HTML, passed through; false (default): plain text
    #tags:week1 physics            added to every note
    #columns:Back<TAB>Front        column names; fields are found by name when they name them
    #notetype:Basic                the note type of every note (default: Basic), or
    #notetype column:2             the column naming each note's note type (1-based)
    #deck:Course::Week 1           the deck of every note, or
    #deck column:3                 the column naming each note's deck
    #guid column:1                 the note's GUID, kept exactly
    #tags column:7                 the note's tags, space-separated

Then one record a note, split by :mod:`csv` (quoted fields may hold the separator, ``""``
and line breaks), fed one physical line at a time so that each note knows the line its record
starts on. As in Anki, a line starting with ``#`` where a record would start is a comment,
and without ``#separator:`` the separator is the first of Tab, Pipe, Semicolon, Colon and
Comma found in the first 8 KiB after the headers (Space when there is none).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

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
from ankipress.readers.csv import allow_long_fields, too_long_message
from ankipress.sources import Source

_SEPARATORS = {"tab": "\t", "pipe": "|", "semicolon": ";", "colon": ":", "comma": ",", "space": " "}
_SEPARATOR_NAMES = {char: name for name, char in _SEPARATORS.items()}
_DETECT_BYTES = 8 * 1024
_COLUMN_KEYS = ("guid column", "notetype column", "deck column", "tags column")
# Anki reads these too; they say how to match existing notes, which a package does by GUID.
_IGNORED_KEYS = ("match scope", "if matches")
_KNOWN_KEYS = frozenset(
    ("separator", "html", "tags", "columns", "notetype", "deck", *_COLUMN_KEYS, *_IGNORED_KEYS)
)
_HEADER_LIST = (
    "Anki's headers are #separator:, #html:, #tags:, #columns:, #notetype:, #deck:, "
    "#guid column:, #notetype column:, #deck column: and #tags column:"
)


@dataclass(frozen=True, slots=True)
class _NoteType:
    """A note type we can write: its fields, and the note kind it becomes."""

    name: str
    fields: tuple[str, ...]
    required: int
    """Fields a record must supply; later ones (Back Extra, Add Reverse) may be left out."""
    kind: NoteKind
    optional_reverse: bool = False
    """Basic (optional reversed card): a reverse card only when the third field is set."""

    def kind_of(self, values: list[str]) -> NoteKind:
        """The kind of one note of this type, given its field values."""
        if self.optional_reverse and len(values) > 2 and values[2].strip():
            return NoteKind.REVERSED
        return self.kind


_STOCK = (
    _NoteType("Basic", ("Front", "Back"), 2, NoteKind.BASIC),
    _NoteType("Basic (and reversed card)", ("Front", "Back"), 2, NoteKind.REVERSED),
    _NoteType(
        "Basic (optional reversed card)", ("Front", "Back", "Add Reverse"), 2, NoteKind.BASIC, True
    ),
    _NoteType("Basic (type in the answer)", ("Front", "Back"), 2, NoteKind.TYPE_ANSWER),
    _NoteType("Cloze", ("Text", "Back Extra"), 1, NoteKind.CLOZE),
)
# Our own note types map back too, so a collection holding ankipress notes round-trips.
_OURS = tuple(replace(t, name=f"ankipress {t.name}") for t in _STOCK if not t.optional_reverse)
_NOTE_TYPES = {t.name.casefold(): t for t in (*_STOCK, *_OURS)}
_BASIC = _STOCK[0]
_SUPPORTED = ", ".join(t.name for t in _STOCK[:-1]) + f" and {_STOCK[-1].name}"


@dataclass
class _Headers:
    """What the header lines say. Column numbers are kept 0-based."""

    end: int = 0
    """Index of the first line after the headers."""
    separator: str | None = None
    html: bool = False
    tags: tuple[str, ...] = ()
    columns: tuple[str, int] | None = None
    """The ``#columns:`` value and its line; split once the separator is known."""
    notetype: tuple[str, int] | None = None
    deck: str | None = None
    special: dict[str, int] = field(default_factory=dict)
    """``guid``, ``notetype``, ``deck`` and ``tags`` → their column."""
    special_lines: dict[str, int] = field(default_factory=dict)
    """The 1-based line of each ``#… column:`` header, for messages."""


def _header_key(line: str) -> tuple[str, str] | None:
    """``(key, value)`` of a ``#key:value`` line; ``None`` for a comment without a colon."""
    key, colon, value = line[1:].partition(":")
    return (key.strip().casefold(), value) if colon else None


class AnkiTextReader:
    """Anki's "Notes in Plain Text" export, or any text file with Anki's import headers."""

    name: str = "ankitext"
    # Anki exports .txt; its importer also takes .csv and .tsv, which people write by hand
    # with these headers: claiming them wins a tie with a CSV reader that likes the file too.
    extensions: tuple[str, ...] = (".txt", ".csv", ".tsv")
    description: str = "Anki's Notes in Plain Text export, or any file with Anki's #headers"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """1 for a file opening with ``#separator:`` or ``#html:``, 0.9 for other Anki headers."""
        keys = set()
        for line in source.lines[:100]:
            if not line.startswith("#"):
                break
            keys.add((_header_key(line) or ("",))[0])
        if keys & {"separator", "html"}:
            return 1.0
        return 0.9 if keys & _KNOWN_KEYS else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck).run()


class _Lines:
    """Physical lines handed to :func:`csv.reader` one at a time; ``index`` is the next one."""

    def __init__(self, lines: tuple[str, ...], start: int) -> None:
        self.lines = lines
        self.index = start

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.index >= len(self.lines):
            raise StopIteration
        self.index += 1
        return self.lines[self.index - 1] + "\n"


class _Parser:
    def __init__(self, source: Source, default_deck: str) -> None:
        self.source = source
        self.default_deck = default_deck
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[Note] = []
        self.decks: dict[str, None] = {}
        self.separator = "\t"
        self.headers = _Headers()
        self.note_type: _NoteType | None = _BASIC
        """The note type of every note, unless a column names one; ``None`` if unknown."""
        self.by_name: list[int | None] | None = None
        """The note type's field columns, when ``#columns:`` names them."""

    def report(self, line: int | None, severity: Severity, message: str, hint: str = "") -> None:
        location = SourceLocation(self.source.path, line)
        self.diagnostics.append(Diagnostic(location, severity, message, hint or None))

    def run(self) -> ReadResult:
        self.headers = headers = self._headers()
        self.separator = headers.separator or self._detect_separator(headers.end)
        self.note_type = self._global_notetype(headers)
        self.by_name = self._columns_by_name(headers, self.note_type)
        records = widest = 0
        for line, row in self._records(headers.end):
            records += 1
            widest = max(widest, len(row))
            if self.note_type is not None:  # else its one error says it all
                self._note(line, row)
        if records:
            self._missing_columns(widest)
        if not records and not self.diagnostics:
            self.report(None, Severity.ERROR, "no notes found")
        # In the order of the file: headers are checked again once every record is read.
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(self.notes), tuple(diagnostics), records, tuple(self.decks))

    # -- headers ---------------------------------------------------------------------

    def _headers(self) -> _Headers:
        headers = _Headers()
        lines = self.source.lines
        if lines[0].startswith("tags:"):  # Anki still reads this older form on the first line
            headers.tags, headers.end = tuple(lines[0][5:].split()), 1
        while headers.end < len(lines) and lines[headers.end].startswith("#"):
            parsed = _header_key(lines[headers.end])
            headers.end += 1
            if parsed is not None:
                self._header(headers, *parsed, headers.end)
        return headers

    def _header(self, headers: _Headers, key: str, value: str, line: int) -> None:
        text = value.strip()
        if key == "separator":
            # A name, or the character itself, unstripped: "#separator: " means Space.
            found = _SEPARATORS.get(text.casefold())
            headers.separator = value if found is None and value in _SEPARATOR_NAMES else found
            if headers.separator is None:
                names = ", ".join(name.capitalize() for name in _SEPARATORS)
                message = f"unknown separator {value!r}; detecting it instead"
                hint = f"write one of {names}, or the character itself"
                self.report(line, Severity.WARNING, message, hint)
        elif key == "html":
            headers.html = text.casefold() == "true"
            if text.casefold() not in ("true", "false"):
                message = f"'#html:' must be true or false, not {text!r}; read as false"
                self.report(line, Severity.WARNING, message)
        elif key == "tags":
            headers.tags = tuple(text.split())
        elif key == "columns":
            headers.columns = (value, line)
        elif key == "notetype":
            headers.notetype = (text, line)
        elif key == "deck":
            headers.deck = text or None
        elif key in _COLUMN_KEYS:
            # isdigit() is true of "³" too, which int() refuses: ASCII digits only.
            if text.isascii() and text.isdigit() and int(text) > 0:
                headers.special[key.split()[0]] = int(text) - 1
                headers.special_lines[key.split()[0]] = line
            else:
                message = f"'#{key}:' needs a column number from 1, not {text!r}; ignored"
                self.report(line, Severity.WARNING, message)
        elif key not in _IGNORED_KEYS:
            self.report(line, Severity.WARNING, f"unknown header '#{key}:' ignored", _HEADER_LIST)

    def _missing_columns(self, widest: int) -> None:
        """An error for each ``#… column:`` header naming a column no record has.

        A record may leave a column out (Anki pads short rows), but a column that none has
        is a header that does not fit the file: every note would silently lose its GUID,
        deck, note type or tags.
        """
        for name, column in self.headers.special.items():
            if column >= widest:
                line = self.headers.special_lines[name]
                plural = "column" if widest == 1 else "columns"
                message = f"'#{name} column:' names column {column + 1}, but no note has more "
                message += f"than {widest} {plural}"
                hint = "correct the number, or delete the header line"
                self.report(line, Severity.ERROR, message, hint)
                self.notes.clear()

    def _detect_separator(self, start: int) -> str:
        """Anki's guess: the first of Tab, Pipe, Semicolon, Colon, Comma in the first 8 KiB."""
        head = "\n".join(self.source.lines[start:]).encode("utf-8")[:_DETECT_BYTES]
        return next((char for char in "\t|;:," if char.encode() in head), " ")

    def _global_notetype(self, headers: _Headers) -> _NoteType | None:
        """The ``#notetype:`` note type (Basic when there is none); ``None`` when unknown."""
        if headers.notetype is None:
            return _BASIC
        name, line = headers.notetype
        found = _NOTE_TYPES.get(name.casefold())
        if found is None:
            self._unsupported(line, name)
        return found

    def _columns_by_name(
        self, headers: _Headers, note_type: _NoteType | None
    ) -> list[int | None] | None:
        """The columns of the note type's fields when ``#columns:`` names them (Anki's map).

        Only when every required field is named: otherwise Anki would leave the fields it
        cannot find empty, a silent trap, so the names are taken as mere labels.
        """
        if headers.columns is None or note_type is None or "notetype" in headers.special:
            return None
        value, line = headers.columns
        try:
            labels = next(csv.reader([value], delimiter=self.separator, strict=True))
        except csv.Error as exc:
            self.report(line, Severity.WARNING, f"cannot read '#columns:' ({exc}); ignored")
            return None
        special = set(headers.special.values())
        index = {label.strip(): i for i, label in enumerate(labels) if i not in special}
        if not all(name in index for name in note_type.fields[: note_type.required]):
            return None
        return [index.get(name) for name in note_type.fields]

    # -- records ---------------------------------------------------------------------

    def _records(self, start: int) -> Iterator[tuple[int, list[str]]]:
        """Each record and the 1-based line it starts on; blank and comment lines skipped."""
        lines = self.source.lines
        allow_long_fields()
        feed = _Lines(lines, start)
        reader = csv.reader(feed, delimiter=self.separator, strict=True)
        while True:
            while feed.index < len(lines) and self._skip(lines[feed.index], feed.index + 1):
                feed.index += 1
            if feed.index >= len(lines):
                return
            first = feed.index
            try:
                row = next(reader)
            except csv.Error as exc:
                self._bad_record(first, feed.index, str(exc))
                continue
            if any(cell.strip() for cell in row):  # a line of separators only: nothing lost
                yield first + 1, row

    def _skip(self, line: str, number: int) -> bool:
        """Whether a line where a record would start is blank or a comment (Anki skips both)."""
        if not line.startswith("#"):
            return not line.strip()
        key = (_header_key(line) or ("",))[0]
        if key in _KNOWN_KEYS:
            message = f"header '#{key}:' after the first note is ignored, as Anki does"
            self.report(number, Severity.WARNING, message, "move it to the top of the file")
        elif self.separator in line:  # it looks like a note: say why it is not one
            message = "a line starting with '#' is a comment, skipped as Anki does"
            hint = 'if it is a note, quote its first field: "#..."'
            self.report(number, Severity.WARNING, message, hint)
        return True

    def _bad_record(self, first: int, current: int, problem: str) -> None:
        """Report a record :mod:`csv` refused; ``current`` is the line it stopped on."""
        quote_hint = "write a quote inside a quoted field as '\"\"'"
        if "end of data" in problem:
            opened = _quote_opening(self.source.lines, first, self.separator)
            message = "this quoted field is never closed"
            self.report(opened, Severity.ERROR, message, f"end it with '\"'; {quote_hint}")
        elif "expected after" in problem:
            message = "text after the closing quote of a field"
            self.report(current, Severity.ERROR, message, quote_hint)
        elif "field limit" in problem:
            self.report(first + 1, Severity.ERROR, *too_long_message())
        else:
            self.report(first + 1, Severity.ERROR, f"cannot read this note: {problem}")

    # -- notes -----------------------------------------------------------------------

    def _unsupported(self, line: int, name: str) -> None:
        hint = f"ankipress converts {_SUPPORTED} notes; leave the others out of the export"
        self.report(line, Severity.ERROR, f"note type {name!r} is not supported yet", hint)

    def _note(self, line: int, row: list[str]) -> None:
        headers = self.headers

        def cell(name: str) -> str:
            column = headers.special.get(name)
            return row[column] if column is not None and column < len(row) else ""

        note_type = self.note_type or _BASIC
        if named := cell("notetype").strip():
            found = _NOTE_TYPES.get(named.casefold())
            if found is None:
                self._unsupported(line, named)
                return
            note_type = found
        if self.by_name is not None:
            values = [row[i] if i is not None and i < len(row) else "" for i in self.by_name]
        else:
            special = set(headers.special.values())
            values = [value for i, value in enumerate(row) if i not in special]
        if not self._fields_ok(line, values, note_type):
            return
        named_deck = cell("deck").strip() or headers.deck
        if named_deck:
            self.decks[named_deck] = None
        self.notes.append(
            Note(
                question=values[0],
                answer=values[1] if len(values) > 1 else "",
                deck=named_deck or self.default_deck,
                location=SourceLocation(self.source.path, line),
                tags=(*cell("tags").split(), *headers.tags),
                guid=cell("guid") or None,
                text_format=TextFormat.HTML if headers.html else TextFormat.PLAIN,
                kind=note_type.kind_of(values),
            )
        )

    def _fields_ok(self, line: int, values: list[str], note_type: _NoteType) -> bool:
        """Whether a record holds the note type's fields (Anki pads rows to its widest type)."""
        fields = note_type.fields
        while len(values) > len(fields) and not values[-1].strip():
            values.pop()
        if not note_type.required <= len(values) <= len(fields):
            label = _SEPARATOR_NAMES[self.separator]
            hint = f"separate the fields with the file's separator ({label})"
            if len(values) > len(fields):
                hint = f"quote fields that contain the separator ({label})"
                if self.headers.notetype is None and "notetype" not in self.headers.special:
                    hint += "; the file names no note type (Anki's export option 'Include "
                    hint += "notetype name'), so every note is read as Basic"
            message = (
                f"expected {len(fields)} fields for note type '{note_type.name}' "
                f"({', '.join(fields)}), found {len(values)}"
            )
            self.report(line, Severity.ERROR, message, hint)
            return False
        if not values[0].strip():
            hint = "Anki would skip this note; fill the field in or delete the line"
            self.report(line, Severity.ERROR, f"the first field ({fields[0]}) is empty", hint)
            return False
        return True


def _quote_opening(lines: tuple[str, ...], start: int, separator: str) -> int:
    """The 1-based line of the quote left open by the record starting at index ``start``."""
    opened = start + 1
    in_quote = False
    for number, line in enumerate(lines[start:], start + 1):
        at_field_start = not in_quote
        index = 0
        while index < len(line):
            char = line[index]
            if in_quote and char == '"':
                if line[index + 1 : index + 2] == '"':
                    index += 1  # a doubled quote stays inside the field
                else:
                    in_quote = False
            elif char == '"' and at_field_start:
                in_quote, opened = True, number
            at_field_start = not in_quote and char == separator
            index += 1
    return opened
