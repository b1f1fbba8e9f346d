"""Reader for Anki's "Notes in Plain Text" files, read by the rules of Anki's own importer.

The rules are those of Anki's CSV importer (``rslib/src/import_export/text/csv/`` in
ankitects/anki: ``get_csv_metadata`` guesses the settings its import dialog opens with,
``import_csv`` reads the records), so that a file converts to the notes Anki itself would
make of it:

* Header lines come first: an optional ``tags:…`` first line (an older form), then every
  line starting with ``#``; a ``#key:value`` line sets something, any other ``#`` line is a
  comment. Keys::

      #separator:tab                 Tab, Comma, Semicolon, Pipe, Space, Colon, or the character
      #html:true                     fields are HTML; false: text, shown as written
      #tags:week1 physics            added to every note
      #columns:Back<TAB>Front        column names; a column named like a field fills it
      #notetype:Basic                the note type of every note (default: Basic), or
      #notetype column:2             the column naming each note's note type (1-based)
      #deck:Course::Week 1           the deck of every note, or
      #deck column:3                 the column naming each note's deck
      #guid column:1                 the note's GUID, kept exactly
      #tags column:7                 the note's tags, space-separated

* Without ``#separator:`` the separator is the first of Tab, Pipe, Semicolon, Colon and
  Comma found in the first 8 KiB after the headers (Space when there is none).
* Without ``#html:`` the file is HTML when a field of its first five records holds a tag
  (:mod:`ankipress.readers.htmlguess`). Text that is not HTML is stored as Anki stores it:
  ``&``, ``<``, ``>``, ``"`` and ``'`` escaped, line breaks as ``<br>``.
* Records are split as Anki's CSV parser splits them: a field may be quoted (holding the
  separator, ``""`` and line breaks); a quote elsewhere is text; text after a closing quote
  is kept (with a warning). A line starting with ``#`` where a record would start is a
  comment; empty lines are skipped.
* The note type's fields take the columns that are not GUID, note type, deck or tags, in
  order, or by name when ``#columns:`` names them. The first record's width counts: a
  column after the fields is the tags column when no ``#tags column:`` says otherwise.
* A record may leave fields out (they stay empty). A record's first field empty: skipped,
  as Anki skips it.

Where Anki's importer would lose what the user wrote, we keep it and say so: cells beyond the
note type's fields (Anki drops them) are added to the last field; a field ``#columns:`` does
not name takes the next column nobody named, where Anki's import dialog would leave it empty
until the user maps it; a note type we do not know becomes a note type of its own whose
fields are the file's columns.
"""

from __future__ import annotations

import difflib
import html
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from ankipress import notetypes, rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteStream,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.htmlguess import looks_like_html
from ankipress.readers.tagcolumn import tags_last
from ankipress.sources import LineSource, Source

_SEPARATORS = {"tab": "\t", "pipe": "|", "semicolon": ";", "colon": ":", "comma": ",", "space": " "}
_SEPARATOR_NAMES = {char: name for name, char in _SEPARATORS.items()}
_DETECT_BYTES = 8 * 1024
_KEEP_RECORDS = 4096
"""A file of no more records is read once: its records are kept for the notes."""
_HTML_GUESS_RECORDS = 5
"""Anki guesses HTML from the records its import dialog previews: the first five."""
_CLOZE = re.compile(r"\{\{c\d+::")
# How Anki names a copy of a note type whose name is taken: "Basic+", or (older versions)
# "Basic-" and five characters of a checksum.
_COPY_SUFFIX = re.compile(r"(?:\+|-[0-9a-z]{5})+$", re.IGNORECASE)
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
    kind: NoteKind
    optional_reverse: bool = False
    """Basic (optional reversed card): a reverse card only when the third field is set."""
    table: NoteType | None = None
    """For a note type we do not know: ours, with the file's columns as fields."""

    def kind_of(self, values: list[str]) -> NoteKind:
        """The kind of one note of this type, given its field values."""
        if self.optional_reverse and len(values) > 2 and values[2].strip():
            return NoteKind.REVERSED
        return self.kind


_STOCK = (
    _NoteType("Basic", ("Front", "Back"), NoteKind.BASIC),
    _NoteType("Basic (and reversed card)", ("Front", "Back"), NoteKind.REVERSED),
    _NoteType(
        "Basic (optional reversed card)", ("Front", "Back", "Add Reverse"), NoteKind.BASIC, True
    ),
    _NoteType("Basic (type in the answer)", ("Front", "Back"), NoteKind.TYPE_ANSWER),
    _NoteType("Cloze", ("Text", "Back Extra"), NoteKind.CLOZE),
)
# Our own note types map back too, so a collection holding ankipress notes round-trips.
_OURS = tuple(replace(t, name=f"ankipress {t.name}") for t in _STOCK if not t.optional_reverse)
_NOTE_TYPES = {t.name.casefold(): t for t in (*_STOCK, *_OURS)}
_BASIC = _STOCK[0]


@dataclass
class _Headers:
    """What the header lines say. Column numbers are kept 1-based, as Anki keeps them."""

    end: int = 0
    """Index of the first line after the headers."""
    separator: str | None = None
    html: bool | None = None
    tags: tuple[str, ...] = ()
    columns: list[str] | None = None
    """The ``#columns:`` labels, split by the separator known on that line (as Anki does)."""
    columns_line: int = 0
    notetype: tuple[str, int] | None = None
    deck: str | None = None
    special: dict[str, int] = field(default_factory=dict)
    """``guid``, ``notetype``, ``deck`` and ``tags`` → their column."""
    special_lines: dict[str, int] = field(default_factory=dict)
    """The 1-based line of each ``#… column:`` header, for messages."""
    rest: list[str] = field(default_factory=list)
    """The line read after the headers (the first record's), to be read as a record."""


@dataclass
class _Survey:
    """What the first pass over the records found."""

    count: int = 0
    first: list[_Record] = field(default_factory=list)
    """The first records, which Anki looks at for HTML and the number of columns."""
    widest: int = 0
    """The most cells a record has."""
    filled: int = 0
    """The most fields a record fills (a ``#notetype:`` we may not know)."""
    records: list[_Record] | None = None
    """Every record, when there are few enough to keep."""


def _keeping(lines: Iterable[str], kept: list[str]) -> Iterator[str]:
    """``lines``, each kept in ``kept`` too (lines that cannot be read twice)."""
    for line in lines:
        kept.append(line)
        yield line


def _header_key(line: str) -> tuple[str, str] | None:
    """``(key, value)`` of a ``#key:value`` line; ``None`` for a comment without a colon."""
    key, colon, value = line[1:].partition(":")
    return (key.strip().casefold(), value) if colon else None


def _short_value(value: str) -> str:
    """Anki's cut of a one-word header value: up to the first character after the first
    that is not an ASCII letter or digit, so ``tab<TAB><TAB>`` (a header line exported as a
    record) reads ``tab`` and ``,`` stays ``,``."""
    for index in range(1, len(value)):
        if not (value[index].isascii() and value[index].isalnum()):
            return value[:index]
    return value


def escape_text(text: str) -> str:
    """Text as Anki's importer stores a field that is not HTML (its ``encode_minimal``)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("\n", "<br>")
    )


class AnkiTextReader:
    """Anki's "Notes in Plain Text" export, or any text file with Anki's import headers."""

    name: str = "ankitext"
    # Anki exports .txt; its importer also takes .csv and .tsv, which people write by hand
    # with these headers: claiming them wins a tie with a CSV reader that likes the file too.
    extensions: tuple[str, ...] = (".txt", ".csv", ".tsv")
    description: str = "Anki's Notes in Plain Text export, or any file with Anki's #headers"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """1 for a file opening with ``#separator:`` or ``#html:``, 0.9 for other Anki headers.

        0.95 for a headerless tab-separated ``.txt`` whose last column is tags
        (:func:`ankipress.readers.tagcolumn.tags_last`: Anki's export before it wrote headers).
        0.7 for ``#`` comment lines without a colon (Anki's importer skips them; no other
        exporter of rows writes them) above rows that hold the separator Anki would find: a
        Markdown title above prose does not. Markdown headings further down rule it out.
        """
        head = source.lines[:100]
        end = next((i for i, line in enumerate(head) if not line.startswith("#")), len(head))
        keys = {(_header_key(line) or ("",))[0] for line in head[:end]}
        if keys & {"separator", "html"}:
            return 1.0
        if keys & _KNOWN_KEYS:
            return 0.9
        if end == 0 and tags_last(source):
            return 0.95  # an export from before Anki wrote headers: tags in the last column
        comments = keys == {""}  # "# Title: text" is an unknown header, not a comment
        return 0.7 if comments and _rows_below_comments(source.lines[end : end + 200]) else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of ``source``; problems become diagnostics, never exceptions."""
        return self.stream(LineSource.of(source), options).collect()

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        """The notes of ``source`` a record at a time (see :meth:`read`).

        Two passes: whether any note is made (a quote never closed, a ``#… column:``
        wider than every record), and a note type's fields, depend on every record, so a
        first pass reads the headers and surveys the records, and a second makes the notes.
        """
        parser = _Parser(source.path, options.default_deck, options.allow_html)
        return NoteStream(parser.notes(source), parser.result)


def _rows_below_comments(lines: tuple[str, ...]) -> bool:
    """Whether ``lines`` are rows: most hold the separator Anki would find; no Markdown."""
    filled = [line for line in lines if line.strip() and not line.startswith("#")]
    if not filled or any(line.startswith("##") for line in lines):
        return False
    head = "\n".join(filled).encode("utf-8")[:_DETECT_BYTES]
    separator = next((char for char in "\t|;:," if char.encode() in head), None)
    rows = sum(separator in line for line in filled) if separator else 0
    return rows >= 0.8 * len(filled)


@dataclass(frozen=True, slots=True)
class _Record:
    line: int
    """1-based line the record starts on."""
    cells: list[str]


class _Parser:
    def __init__(self, path: str, default_deck: str, allow_html: bool = False) -> None:
        self.path = path
        self.default_deck = default_deck
        self.allow_html = allow_html
        """``--allow-html``: Anki's "Allow HTML in fields", over the file's ``#html:``."""
        self.diagnostics: list[Diagnostic] = []
        self.muted = False
        """Reading the records a second time: what they say was said the first time."""
        self.records = 0
        self.decks: dict[str, None] = {}
        self.separator = "\t"
        self.headers = _Headers()
        self.html = False
        self.width = 0
        """Columns of the file, as Anki counts them: ``#columns:`` or the first record."""
        self.note_type: _NoteType = _BASIC
        """The note type of every note, unless a column names one."""
        self.field_columns: list[int | None] = []
        """The 1-based column of each field of :attr:`note_type` (global note type only)."""
        self.tags_column: int | None = None
        self.tables: dict[str, _NoteType] = {}
        """Note types we do not know, by name: each becomes a table of ours."""
        self.clozes: set[str] = set()
        """Note types we do not know whose cloze notes were said to become Cloze notes."""
        self.copies: set[str] = set()
        """Names of copies of stock note types already said to be read as the stock one."""
        self.filled: dict[str, int] = {}
        """With a note type column: the most fields a note of each named type fills."""
        self.meta: frozenset[int] | None = None

    def report(
        self,
        line: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """Record ``message`` at 1-based ``line``, with the fix ``hint`` where one is known."""
        if not self.muted:
            location = SourceLocation(self.path, line)
            self.diagnostics.append(Diagnostic(location, severity, message, hint or None, rule))

    def notes(self, source: LineSource) -> Iterator[Note]:
        """The notes, made in a second pass over the records once the first has surveyed
        them (the lines are read again, or kept when they cannot be)."""
        second = source.again()
        kept: list[str] = []
        lines = iter(source) if second is not None else _keeping(source, kept)
        survey = self._survey(lines)
        if survey is None or any(d.severity is Severity.ERROR for d in self.diagnostics):
            return
        if survey.records is not None:  # a small file: its records were kept
            for kept_record in survey.records:
                note = self._note(kept_record)
                if note is not None:
                    yield note
            return
        again = itertools.islice(kept if second is None else second, self.headers.end, None)
        records = self._records(iter(again), self.headers.end)
        while True:
            self.muted = True
            record = next(records, None)
            self.muted = False
            if record is None:
                return
            note = self._note(record)
            if note is not None:
                yield note

    def _survey(self, lines: Iterator[str]) -> _Survey | None:
        """The first pass: the headers, the separator, and what the records hold."""
        self.headers = headers = self._headers(lines)
        lines = itertools.chain(headers.rest, lines)
        headers.rest = []
        if headers.separator is None:
            head: list[str] = []
            size = 0
            for line in lines:  # Anki looks at the first 8 KiB
                head.append(line)
                size += len(line.encode("utf-8")) + 1
                if size >= _DETECT_BYTES:
                    break
            self.separator = self._detect_separator(head)
            lines = itertools.chain(head, lines)
        else:
            self.separator = headers.separator
        meta = self._meta_columns()
        survey = _Survey()
        # How many fields the notes fill matters only for a note type we do not know.
        count_filled = "notetype" in headers.special
        type_filled = (
            not count_filled
            and headers.notetype is not None
            and headers.notetype[0].casefold() not in _NOTE_TYPES
        )
        column = headers.special.get("notetype", 0)
        kept: list[_Record] | None = []
        for record in self._records(lines, headers.end):
            cells = record.cells
            if survey.count < _HTML_GUESS_RECORDS:
                survey.first.append(record)
            survey.count += 1
            if kept is not None:
                kept.append(record)
                if survey.count > _KEEP_RECORDS:
                    kept = None
            if len(cells) > survey.widest:
                survey.widest = len(cells)
            if type_filled:
                filled = _filled([c for i, c in enumerate(cells, 1) if i not in meta])
                survey.filled = max(survey.filled, filled)
            elif count_filled and column <= len(cells):
                name = cells[column - 1].strip().casefold()
                if name and name not in _NOTE_TYPES:
                    filled = _filled([c for i, c in enumerate(cells, 1) if i not in meta])
                    self.filled[name] = max(self.filled.get(name, 0), filled)
        self.records = survey.count
        survey.records = kept
        if not survey.count:
            if not any(d.severity is Severity.ERROR for d in self.diagnostics):
                self.report(None, Severity.ERROR, "no notes found")
            return None
        records = survey.first
        if self.allow_html:
            self.html = True
        elif headers.html is not None:
            self.html = headers.html
        else:
            self.html = self._guess_html(records)
        self.width = len(headers.columns) if headers.columns is not None else len(records[0].cells)
        self._check_special_columns(survey.widest)
        if "notetype" not in headers.special:
            self.note_type = self._global_notetype(survey)
            self._map_fields(records[0].line)
        else:
            self.tags_column = headers.special.get("tags")
        return survey

    def result(self) -> ReadResult:
        """The diagnostics in the order of the file, the count of records and the decks."""
        # In the order of the file: headers are checked again once every record is read.
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult((), tuple(diagnostics), self.records, tuple(self.decks))

    # -- headers ---------------------------------------------------------------------

    def _headers(self, lines: Iterator[str]) -> _Headers:
        headers = _Headers()
        line = next(lines, None)
        if line is not None and line.startswith("tags:"):  # Anki still reads this older form
            headers.tags, headers.end = tuple(line[5:].split()), 1
            line = next(lines, None)
        while line is not None and line.startswith("#"):
            parsed = _header_key(line)
            headers.end += 1
            if parsed is not None:
                self._header(headers, *parsed, headers.end)
            line = next(lines, None)
        if line is not None:
            headers.rest.append(line)
        return headers

    def _header(self, headers: _Headers, key: str, value: str, line: int) -> None:
        short = _short_value(value)
        if key == "separator":
            found = _SEPARATORS.get(short.casefold().strip())
            if found is None and short in _SEPARATOR_NAMES:
                found = short  # the character itself: "#separator: " means Space
            if found is None:
                names = ", ".join(name.capitalize() for name in _SEPARATORS)
                message = f"unknown separator {value!r}; detecting it instead, as Anki does"
                hint = f"write one of {names}, or the character itself"
                self.report(line, Severity.WARNING, message, hint, rules.HEADER)
            else:
                headers.separator = found
        elif key == "html":
            if short.casefold() in ("true", "false"):
                headers.html = short.casefold() == "true"
            else:
                message = f"'#html:' must be true or false, not {value!r}; ignored, and the "
                message += "content tells whether the fields are HTML, as in Anki"
                self.report(line, Severity.WARNING, message, "", rules.HEADER)
        elif key == "tags":
            headers.tags = tuple(value.split())
        elif key == "columns":
            # Split by the separator known so far (Tab before any '#separator:'), as Anki does.
            labels = _split_one(value, headers.separator or "\t")
            one = len(labels or ()) == 1 and any(char in value for char in ",;|:")
            if headers.separator is None and one:
                message = "'#columns:' comes before '#separator:', so it is split by Tab, as "
                message += "Anki splits it, and names one column"
                hint = "put '#separator:' first, or separate the names by Tab"
                self.report(line, Severity.WARNING, message, hint, rules.HEADER)
            if labels is None:
                self.report(
                    line, Severity.WARNING, "cannot read '#columns:'; ignored", "", rules.HEADER
                )
            else:
                headers.columns, headers.columns_line = labels, line
        elif key == "notetype":
            headers.notetype = (value.strip(), line)
        elif key == "deck":
            headers.deck = value.strip() or None
        elif key in _COLUMN_KEYS:
            text = short.strip()
            # isdigit() is true of "³" too, which int() refuses: ASCII digits only.
            if text.isascii() and text.isdigit() and int(text) > 0:
                headers.special[key.split()[0]] = int(text)
                headers.special_lines[key.split()[0]] = line
            else:
                message = f"'#{key}:' needs a column number from 1, not {value!r}; ignored"
                self.report(line, Severity.WARNING, message, "", rules.HEADER)
        elif key not in _IGNORED_KEYS:
            # Anki ignores any other key. One close to a header's name is likely a typo; the
            # rest are comments that hold a colon ("# Source: my notes").
            if difflib.get_close_matches(key, _KNOWN_KEYS, n=1):
                message = f"unknown header '#{key}:' ignored"
                self.report(line, Severity.WARNING, message, _HEADER_LIST, rules.HEADER)
            else:
                self.report(line, Severity.NOTE, "a comment line, skipped as Anki does")

    def _check_special_columns(self, widest: int) -> None:
        """An error for each ``#… column:`` header naming a column no record has.

        A record may leave a column out (Anki pads short rows), but a column that none has
        is a header that does not fit the file: every note would silently lose its GUID,
        deck, note type or tags.
        """
        for name, column in self.headers.special.items():
            if column > widest:
                line = self.headers.special_lines[name]
                plural = "column" if widest == 1 else "columns"
                message = f"'#{name} column:' names column {column}, but no note has more "
                message += f"than {widest} {plural}"
                hint = "correct the number, or delete the header line"
                self.report(line, Severity.ERROR, message, hint)

    def _detect_separator(self, lines: list[str]) -> str:
        """Anki's guess: the first of Tab, Pipe, Semicolon, Colon, Comma in the first 8 KiB."""
        head = "\n".join(lines).encode("utf-8")[:_DETECT_BYTES]
        return next((char for char in "\t|;:," if char.encode() in head), " ")

    def _guess_html(self, records: list[_Record]) -> bool:
        """Anki's guess without ``#html:``: a tag in a field of the first five records."""
        for record in records[:_HTML_GUESS_RECORDS]:
            for cell in record.cells:
                if looks_like_html(cell):
                    message = "the fields are read as HTML: the file has no '#html:' line, and "
                    message += "a field holds a tag, which tells Anki the file is HTML"
                    hint = "write '#html:false' as the first line to show them as typed"
                    self.report(record.line, Severity.INFO, message, hint)
                    return True
        return False

    # -- note types and columns ------------------------------------------------------

    def _meta_columns(self) -> frozenset[int]:
        """The GUID, note type, deck and tags columns (the headers are read by now)."""
        if self.meta is None:
            self.meta = frozenset(self.headers.special.values())
        return self.meta

    def _global_notetype(self, survey: _Survey) -> _NoteType:
        """The ``#notetype:`` note type (Basic when there is none)."""
        if self.headers.notetype is None:
            return _BASIC
        name, line = self.headers.notetype
        found = _NOTE_TYPES.get(name.casefold())
        if found is not None:
            return found
        meta = self._meta_columns()
        copy = self._copy_of_stock(name, line, survey.filled)
        if copy is not None:
            return copy
        width = max(self.width, survey.widest)
        columns = [c for c in range(1, width + 1) if c not in meta]
        return self._table(name, line, columns)

    def _copy_of_stock(self, name: str, line: int, filled: int) -> _NoteType | None:
        """A stock note type under the name Anki gives a copy of it (``Basic+``,
        ``Basic-1a2b3``), when the notes fill no more fields than it has."""
        base = _COPY_SUFFIX.sub("", name)
        stock = _NOTE_TYPES.get(base.casefold()) if base != name else None
        if stock is None or filled > len(stock.fields):
            return None
        if name.casefold() not in self.copies:
            self.copies.add(name.casefold())
            message = f"note type {name!r} is read as {stock.name!r}: Anki names a copy of a "
            message += "note type so, and its notes fill no more fields than that one has"
            self.report(line, Severity.INFO, message)
        return stock

    def _table(self, name: str, line: int, columns: list[int]) -> _NoteType:
        """A note type of ours for one we do not know, its fields the file's columns."""
        known = self.tables.get(name.casefold())
        if known is not None:
            return known
        labels = self.headers.columns or []
        fields: list[str] = []
        for number, column in enumerate(columns, 1):
            label = labels[column - 1].strip() if column <= len(labels) else ""
            default = ("Front", "Back")[number - 1] if number <= 2 else f"Field {number}"
            fields.append(label or default)
        # A file whose every column is a meta column (its note type, deck, tags) still makes
        # a note type of one field: its rows are then empty, and said so (found by fuzzing).
        table = notetypes.table(tuple(fields or ["Front"]), name=name)
        found = _NoteType(name, table.fields, NoteKind.CUSTOM, table=table)
        self.tables[name.casefold()] = found
        message = f"note type {name!r} is not one ankipress knows: its notes get a note type "
        message += f"of ours of that name, with the fields {', '.join(table.fields)}"
        hint = "its cards ask the first field and show the others on the back"
        self.report(line, Severity.WARNING, message, hint)
        return found

    def _map_fields(self, first_line: int) -> None:
        """Which column fills each field, and the tags column: Anki's mapping."""
        headers, meta = self.headers, self._meta_columns()
        fields = self.note_type.fields
        free = [c for c in range(1, self.width + 1) if c not in meta]
        labels = headers.columns
        mapped: list[int | None] = [None] * len(fields)
        if labels is None or not any(label for label in labels) or self.note_type.table:
            for index, column in enumerate(free[: len(fields)]):
                mapped[index] = column
        else:
            by_label = {labels[c - 1]: c for c in free if c <= len(labels)}
            mapped = [by_label.get(name) for name in fields]
            if mapped[0] is None:  # Anki's first field takes the first column by default
                mapped[0] = next((c for c in free if c not in mapped), None)
            self._fill_unnamed(mapped, free, labels)
        if mapped[0] is None:
            mapped[0] = free[0] if free else 1
        self.field_columns = mapped
        self.tags_column = headers.special.get("tags")
        if self.tags_column is None:
            last = max((c for c in mapped if c is not None), default=0)
            spare = [c for c in free if c > last]
            if spare:
                self.tags_column = spare[0]
                message = f"column {spare[0]} is read as tags: note type "
                message += f"'{self.note_type.name}' has {len(fields)} fields "
                message += f"({', '.join(fields)}), and Anki reads the next column as tags"
                self.report(first_line, Severity.INFO, message)

    def _fill_unnamed(self, mapped: list[int | None], free: list[int], labels: list[str]) -> None:
        """Fields ``#columns:`` does not name take the columns it names no field for.

        Anki's import dialog would leave such a field empty (and read a column after the
        fields as tags) until the user maps it by hand; the mapping a user would pick is
        the columns in order.
        """
        fields = self.note_type.fields
        taken = {c for c in mapped if c is not None}
        spare = [c for c in free if c not in taken]
        for index, column in enumerate(mapped):
            if column is None and spare:
                mapped[index] = taken_column = spare.pop(0)
                label = labels[taken_column - 1] if taken_column <= len(labels) else ""
                message = f"'#columns:' names no column '{fields[index]}': column "
                message += f"{taken_column} ({label!r}) fills it; Anki's import dialog "
                message += "would leave it empty until you map it"
                hint = f"name the columns after the fields of '{self.note_type.name}'"
                self.report(self.headers.columns_line, Severity.WARNING, message, hint)

    # -- records ---------------------------------------------------------------------

    def _records(self, lines: Iterator[str], start: int) -> Iterator[_Record]:
        """Each record, as Anki's CSV parser splits it; comment and empty lines skipped.

        ``lines``: the file's lines from 0-based line ``start`` on.
        """
        index = start - 1
        separator = self.separator
        for line in lines:
            index += 1
            if not line or line[0] == "#":
                if line:
                    self._comment(line, index + 1)
                continue
            first = index
            if '"' not in line:
                cells = line.split(separator)
            else:
                parsed = self._split_quoted(line, index, lines)
                if parsed is None:
                    return  # a quote never closed: reported, and nothing after it is certain
                cells, index = parsed
            for cell in cells:  # a line of separators only: nothing lost
                if cell and not cell.isspace():
                    yield _Record(first + 1, cells)
                    break
            else:
                self.report(first + 1, Severity.NOTE, "a line of empty fields, skipped")

    def _comment(self, line: str, number: int) -> None:
        """Say why a ``#`` line where a note would start is not one (Anki skips it)."""
        key = (_header_key(line) or ("",))[0]
        if key in _KNOWN_KEYS:
            message = f"header '#{key}:' after the first note is ignored, as Anki does"
            self.report(number, Severity.WARNING, message, "move it to the top of the file")
        elif self.separator in line:  # it looks like a note: say why it is not one
            message = "a line starting with '#' is a comment, skipped as Anki does"
            hint = 'if it is a note, quote its first field: "#..."'
            self.report(number, Severity.WARNING, message, hint)
        else:
            self.report(number, Severity.NOTE, "a comment line, skipped as Anki does")

    def _split_quoted(
        self, text: str, index: int, lines: Iterator[str]
    ) -> tuple[list[str], int] | None:
        """The cells of the record starting with line ``text`` (0-based line ``index``) and
        the index of its last line, the lines after the first taken from ``lines``.

        Anki's parser (Rust's ``csv``): a quote opens a field only at its start; inside,
        ``""`` is a quote and a line break is text; after the closing quote, text up to the
        separator is kept. ``None`` when a quote is never closed.
        """
        sep = self.separator
        cells: list[str] = []
        cell: list[str] = []
        pos, end = 0, len(text)
        while True:  # a field from its start
            if pos < end and text[pos] == '"':
                opened = index
                pos += 1
                while True:  # inside the quotes
                    close = text.find('"', pos)
                    if close < 0:
                        cell.append(text[pos:])
                        line = next(lines, None)
                        if line is None:
                            self._unclosed(opened)
                            return None
                        index += 1
                        cell.append("\n")
                        text, pos, end = line, 0, len(line)
                        continue
                    cell.append(text[pos:close])
                    if text.startswith('"', close + 1):
                        cell.append('"')
                        pos = close + 2
                        continue
                    pos = close + 1
                    break
                stop = text.find(sep, pos)
                stop = end if stop < 0 else stop
                if stop > pos:
                    message = "text after the closing quote of a field is kept as Anki keeps "
                    message += "it, without the quotes"
                    hint = "write a quote inside a quoted field as '\"\"'"
                    self.report(index + 1, Severity.WARNING, message, hint)
                    cell.append(text[pos:stop])
            else:
                stop = text.find(sep, pos)
                stop = end if stop < 0 else stop
                cell.append(text[pos:stop])
            cells.append("".join(cell))
            if stop >= end:
                return cells, index
            cell = []
            pos = stop + 1

    def _unclosed(self, opened: int) -> None:
        message = "this quoted field is never closed: Anki would read the rest of the file "
        message += "into it"
        hint = "end it with '\"'; write a quote inside a quoted field as '\"\"'"
        self.report(opened + 1, Severity.ERROR, message, hint)

    # -- notes -----------------------------------------------------------------------

    def _note(self, record: _Record) -> Note | None:
        headers, row = self.headers, record.cells

        def cell(name: str) -> str:
            column = headers.special.get(name)
            return row[column - 1] if column is not None and column <= len(row) else ""

        note_type = self.note_type
        if "notetype" in headers.special:
            named = cell("notetype").strip()
            found = _NOTE_TYPES.get(named.casefold()) if named else _BASIC
            if not named:
                column = headers.special["notetype"]
                message = f"column {column} names no note type: read as Basic, where Anki "
                message += "would skip the note"
                hint = "write the note type's name in that column"
                self.report(record.line, Severity.WARNING, message, hint)
            if found is None:
                filled = self.filled.get(named.casefold(), 0)
                found = self._copy_of_stock(named, record.line, filled)
            if found is None:
                meta = self._meta_columns()
                width = max(self.width, len(row))
                columns = [c for c in range(1, width + 1) if c not in meta]
                found = self._table(named, record.line, columns)
            note_type = found
            values, extra = self._row_fields(row, note_type)
        else:
            values, extra = self._mapped_fields(row)
        if not values or not values[0]:
            message = f"the first field ({note_type.fields[0]}) is empty: skipped, as Anki does"
            hint = "fill it in or delete the line"
            self.report(record.line, Severity.WARNING, message, hint, rules.EMPTY_QUESTION)
            return None
        if not values[0].strip():
            message = f"the first field ({note_type.fields[0]}) is blank: skipped"
            hint = "fill it in or delete the line"
            self.report(record.line, Severity.WARNING, message, hint, rules.EMPTY_QUESTION)
            return None
        values = [value if self.html else escape_text(value) for value in values]
        if extra:
            values = self._keep_extra(record.line, note_type, values, extra)
        named_deck = cell("deck").strip() or headers.deck
        if named_deck:
            self.decks[named_deck] = None
        tags_column = self.tags_column
        tags = row[tags_column - 1].split() if tags_column and tags_column <= len(row) else []
        values += [""] * (len(note_type.fields) - len(values))
        note = Note(
            question=values[0],
            answer=values[1] if len(values) > 1 else "",
            deck=named_deck or self.default_deck,
            location=SourceLocation(self.path, record.line),
            tags=(*tags, *headers.tags),
            guid=cell("guid") or None,
            text_format=TextFormat.HTML,
            kind=note_type.kind_of(values),
            notetype=note_type.table,
            fields=tuple(values) if note_type.table is not None else (),
        )
        if note_type.table is not None and _CLOZE.search(values[0]):
            note = self._as_cloze(note, note_type)
        return note

    def _as_cloze(self, note: Note, note_type: _NoteType) -> Note:
        """A note of a cloze note type we do not know, as a Cloze of ours.

        A table would show its deletions as ``{{c1::…}}``; as a Cloze each makes a card, and
        every other field shows on the back, labelled.
        """
        if note_type.name.casefold() not in self.clozes:
            self.clozes.add(note_type.name.casefold())
            message = f"notes of {note_type.name!r} with a cloze deletion in their first field "
            message += "become Cloze notes of ours, their other fields on the back, labelled"
            self.report(note.location.line, Severity.INFO, message)
        extras = "".join(
            f'<div class="card-extra"><div class="card-label">{html.escape(name)}</div>'
            f"{value}</div>"
            for name, value in zip(note_type.fields[1:], note.fields[1:], strict=True)
            if value.strip()
        )
        return replace(note, answer=extras, kind=NoteKind.CLOZE, notetype=None, fields=())

    def _mapped_fields(self, row: list[str]) -> tuple[list[str], list[str]]:
        """The note type's fields from their columns, and the cells nothing maps."""
        values = [row[c - 1] if c is not None and c <= len(row) else "" for c in self.field_columns]
        used = {c for c in self.field_columns if c is not None} | self._meta_columns()
        if self.tags_column is not None:
            used.add(self.tags_column)
        extra = [value for c, value in enumerate(row, 1) if c not in used and value.strip()]
        return values, extra

    def _row_fields(self, row: list[str], note_type: _NoteType) -> tuple[list[str], list[str]]:
        """With a note type column: every other column in order, as Anki takes them."""
        meta = self._meta_columns()
        cells = [value for c, value in enumerate(row, 1) if c not in meta]
        count = len(note_type.fields)
        return cells[:count], [value for value in cells[count:] if value.strip()]

    def _keep_extra(
        self, line: int, note_type: _NoteType, values: list[str], extra: list[str]
    ) -> list[str]:
        """Cells the note type has no field for, added to its last field (Anki drops them)."""
        fields = note_type.fields
        last = len(fields) - 1
        if note_type.optional_reverse:
            last = 1  # not "Add Reverse": that one only says whether to make a second card
        values += [""] * (len(fields) - len(values))
        kept = [value if self.html else escape_text(value) for value in extra]
        values[last] = "<br>".join(part for part in (values[last], *kept) if part)
        plural = "field" if len(extra) == 1 else "fields"
        message = f"{len(extra)} more {plural} than note type '{note_type.name}' has "
        message += f"({', '.join(fields)}): added to its {fields[last]}; Anki would drop "
        message += f"{'it' if len(extra) == 1 else 'them'}"
        label = _SEPARATOR_NAMES[self.separator]
        hint = f"quote fields that contain the separator ({label})"
        self.report(line, Severity.WARNING, message, hint)
        return values


def _filled(cells: list[str]) -> int:
    """How many of ``cells`` there are up to the last one that is not blank."""
    return max((i for i, cell in enumerate(cells, 1) if cell.strip()), default=0)


def _split_one(value: str, separator: str) -> list[str] | None:
    """One line split as a record (quotes honoured); ``None`` if a quote is left open."""
    parser = _Parser("<columns>", "")
    parser.separator = separator
    parsed = parser._split_quoted(value, 0, iter(()))
    return None if parsed is None else parsed[0]
