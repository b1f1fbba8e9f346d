"""Loading a source file as text, with errors that name the file, line and column.

Also the limits a text source is held to: its size, and each field's (:func:`field_problem`).
Only regular files are read, without ever blocking on a FIFO or a device.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ankipress import rules
from ankipress.errors import InputError
from ankipress.model import Diagnostic, Note, Severity, SourceLocation

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Past this a "text export" is surely something else; it also bounds memory.
MAX_SOURCE_BYTES = 256 * 1024 * 1024
MAX_FIELD_CHARS = 1 << 20
"""The most characters one field of a text source may hold (1 Mi, about 1 MiB of text).

A longer field is a quote left open that swallowed the rest of the file, or an attack on
the time rendering takes; pictures belong in media files, not in a field as base64.
Anki packages are bounded by their own limits instead (:mod:`ankipress.readers.apkg_zip`).
"""
MAX_MARKDOWN_FIELD_CHARS = 100_000
"""The most characters a field rendered as Markdown may hold: Python-Markdown's time grows
faster than the length of a paragraph (a million characters of prose take most of a
minute), so the cap that keeps a build quick is lower than for plain text."""
# What Anki strips from a field (normalization removes them too): control characters but
# tab and the line breaks. \x1f would even split a field in two inside the package.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(OSError):
    """The path names a folder, a FIFO, a device or a socket: nothing ankipress reads."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"it is {kind}, not a file")
        self.kind = kind


def file_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is not a regular file ("a device"…)."""
    return next((kind for test, kind in _KINDS if test(mode)), None)


def open_regular_file(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    The file is opened without blocking and checked on the open descriptor, so a file
    swapped for a FIFO between a check and the read cannot hang the build. Raises
    :class:`NotRegularFileError` for a folder, FIFO, device or socket, :class:`OSError`
    when it cannot be opened.
    """
    if path.is_dir():  # Windows cannot open a folder to look at it
        raise NotRegularFileError("a folder")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags)
    stream = os.fdopen(handle, "rb")
    kind = file_kind(os.fstat(handle).st_mode)
    if kind is not None:
        stream.close()
        raise NotRegularFileError(kind)
    return stream


class FileTooLargeError(OSError):
    """The file is larger than the limit it is read with."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"it is larger than {limit:,} bytes, the limit")
        self.size = size


def read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular_file`).

    With ``limit``, a larger file raises :class:`FileTooLargeError` before it is read, and
    no more than ``limit`` bytes are read of one that grows while it is read.
    """
    with open_regular_file(path) as stream:
        if limit is None:
            return stream.read()
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            raise FileTooLargeError(size, limit)
        # Not read(limit + 1): that makes a buffer of the whole limit (256 MiB, or the
        # gigabytes a user raised it to) for a file of a few kilobytes.
        data = stream.read(size + 1)
        if len(data) > size:  # it grew while it was read: at most to the limit
            data += stream.read(limit + 1 - len(data))
        if len(data) > limit:
            raise FileTooLargeError(len(data), limit)
        return data


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded text source: its display path, text, and physical lines."""

    path: str
    text: str
    lines: tuple[str, ...]
    """Physical lines without their line breaks (CRLF, LF and CR all end a line)."""
    encoding: str = "utf-8"
    """The encoding the bytes were decoded with."""
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    """What decoding has to say (a detected legacy encoding)."""

    def location(self, line: int | None = None) -> SourceLocation:
        """The location of a 1-based line of this source."""
        return SourceLocation(self.path, line)

    @classmethod
    def from_text(
        cls, path: str, text: str, encoding: str = "utf-8", diagnostics: tuple[Diagnostic, ...] = ()
    ) -> Source:
        """A source from text already in memory (tests, stdin)."""
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(path, text, tuple(_LINE_BREAK.split(text)), encoding, diagnostics)


class LineSource:
    """A text source read a physical line at a time: a streaming reader's input.

    Iterating gives each physical line without its line break (CRLF, LF and CR all end a
    line), once. :attr:`diagnostics` (what decoding had to say) is complete only once every
    line has been read: decoding streamed text finds a legacy encoding or a control
    character as it goes. A failure to decode raises :class:`InputError` from the iteration.
    A reader that must look at every line before it can make the first note reads the
    lines again from :meth:`again`.
    """

    __slots__ = ("_again", "_lines", "diagnostics", "encoding", "path")

    def __init__(
        self,
        path: str,
        lines: Iterable[str],
        encoding: str = "utf-8",
        diagnostics: Iterable[Diagnostic] = (),
        again: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.diagnostics = list(diagnostics)
        if again is None and isinstance(lines, tuple | list):
            kept = lines
            again = lambda: kept  # noqa: E731
        self._again = again
        self._lines = iter(lines)

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def location(self, line: int | None = None) -> SourceLocation:
        """The location of a 1-based line of this source."""
        return SourceLocation(self.path, line)

    def again(self) -> LineSource | None:
        """The same lines from the first, as a new source; ``None`` when they are read once.

        A file is read again from the disk (an :class:`InputError` from the iteration if it
        changed in between); lines in memory are given again.
        """
        if self._again is None:
            return None
        return LineSource(self.path, self._again(), self.encoding, self.diagnostics, self._again)

    @classmethod
    def of(cls, source: Source) -> LineSource:
        """The lines of a source already decoded."""
        return cls(source.path, source.lines, source.encoding, source.diagnostics)


_CHUNK_BYTES = 1 << 18
"""How much of a file is read and decoded at a time when it is streamed."""


def open_lines(
    path: Path,
    display: str | None = None,
    encoding: str | None = None,
    limit: int | None = None,
) -> LineSource:
    """The lines of a source file, read and refused as :func:`load` reads and refuses it.

    A UTF-8 file (the usual case) is streamed: a first pass over its bytes, a chunk at a
    time, checks that it decodes (and finds control characters); the lines are then
    decoded from the file as they are read, so memory does not grow with the file. A file
    that is not plain UTF-8 (a NUL byte, invalid UTF-8, UTF-16, another named encoding) is
    read whole by :func:`load`, which refuses it, or guesses its legacy encoding, with the
    same words it always has.
    """
    shown = display if display is not None else str(path)
    limit = MAX_SOURCE_BYTES if limit is None else limit
    if encoding is not None:
        try:
            named = codecs.lookup(encoding).name
        except (LookupError, ValueError, UnicodeError):
            named = None
        if named != "utf-8":
            return LineSource.of(load(path, display, encoding, limit))
    scanned = _scan_utf8(path, shown, limit, bom=encoding is None)
    if scanned is None:
        return LineSource.of(load(path, display, encoding, limit))

    def lines() -> Iterator[str]:
        return _streamed_lines(path, shown, scanned)

    said = () if scanned.control is None else (scanned.control,)
    return LineSource(shown, lines(), encoding or "utf-8", said, lines)


@dataclass(frozen=True, slots=True)
class _Scanned:
    """What the first pass over a UTF-8 file found: what the stream must find again."""

    size: int
    crc: int
    skip: int
    """How many leading BOMs are no text: load() strips the BOM's bytes when no encoding is
    named, and :meth:`Source.from_text` one more BOM."""
    control: Diagnostic | None


class _Position:
    """The line and column reached in text decoded a chunk at a time."""

    __slots__ = ("breaks", "cr", "tail")

    def __init__(self) -> None:
        self.breaks = 0
        self.tail = 0
        self.cr = False

    def at(self, text: str, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``text[offset]``, ``text`` the next chunk."""
        head = text[:offset]
        matches = list(_LINE_BREAK.finditer(head))
        count = len(matches) - (self.cr and head.startswith("\n"))
        column = offset - matches[-1].end() + 1 if matches else self.tail + offset + 1
        return self.breaks + count + 1, column

    def advance(self, text: str) -> None:
        if not text:
            return
        lf, cr = text.count("\n"), text.count("\r")
        self.breaks += lf + cr - text.count("\r\n") - (self.cr and text[0] == "\n")
        last = max(text.rfind("\n"), text.rfind("\r")) + 1
        self.tail = len(text) - last if last else self.tail + len(text)
        self.cr = text[-1] == "\r"


def _scan_utf8(path: Path, shown: str, limit: int, bom: bool) -> _Scanned | None:
    """Check, a chunk at a time, that the file is UTF-8 with no NUL; ``None`` if it is not.

    ``bom``: a UTF-8 BOM starts no text (no encoding was named; :func:`load` strips it).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    position = _Position()
    size = crc = controls = 0
    first: tuple[int, int, str] | None = None
    with _opened(path, shown, limit) as stream:
        while True:
            # The first read holds a whole BOM, to tell it.
            chunk = stream.read(min(max(_CHUNK_BYTES, 3 - size), limit + 1 - size))
            if not chunk or size + len(chunk) > limit:
                if chunk:
                    _too_large(shown, size + len(chunk), limit)
                break
            if b"\x00" in chunk:
                return None
            chunk_text = chunk
            if size == 0 and bom and chunk.startswith(codecs.BOM_UTF8):
                chunk_text = chunk[len(codecs.BOM_UTF8) :]  # as load() reads it: no text
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
            try:
                text = decoder.decode(chunk_text)
            except UnicodeDecodeError:
                return None
            # Control characters are single bytes in UTF-8: a cheap look first.
            found = None
            if len(chunk_text.translate(None, _CONTROL_BYTES)) < len(chunk_text):
                found = _CONTROL.search(text)
            if found is not None:
                if first is None:
                    first = (*position.at(text, found.start()), found.group())
                controls += len(_CONTROL.findall(text))
            position.advance(text)
        try:
            decoder.decode(b"", True)
        except UnicodeDecodeError:
            return None
    control = None
    if first is not None:
        control = _control_diagnostic(shown, *first, controls)
    return _Scanned(size, crc, 2 if bom else 1, control)


def _streamed_lines(path: Path, shown: str, scanned: _Scanned) -> Iterator[str]:
    """The physical lines of a file :func:`_scan_utf8` checked, decoded as they are read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = crc = 0
    carry = ""
    skip = scanned.skip
    changed = _fail(shown, "the file changed while it was read", hint="read it again")
    with _opened(path, shown, None) as stream:
        while True:
            chunk = stream.read(_CHUNK_BYTES)
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
            if size > scanned.size:
                raise changed
            try:
                text = decoder.decode(chunk, not chunk)
            except UnicodeDecodeError:
                raise changed from None
            while skip and text:  # (a chunk of a few bytes may hold the BOM alone)
                skip = skip - 1 if text.startswith("\ufeff") else 0
                text = text[1:] if text.startswith("\ufeff") else text
            text = carry + text
            if not chunk:
                if (size, crc) != (scanned.size, scanned.crc):
                    raise changed
                yield from _split_lines(text)
                return
            # A CR at the end may be the first half of a CRLF: it waits for the next chunk.
            cut = len(text) - (text[-1:] == "\r")
            lines = _split_lines(text[:cut])
            carry = lines.pop() + text[cut:]
            yield from lines


def _split_lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text) if "\r" in text else text.split("\n")


# Python-Markdown finds the end of a link's text and address by stepping over characters
# from every "[", and from every "(" after "]", to the bracket that closes it: linear for
# text as people write it, quadratic for brackets nested deep or left open by thousands.
# The steps are counted first (in linear time), and a field over this budget is refused.
_MARKDOWN_STEPS_BASE = 50_000
_MARKDOWN_STEPS_PER_CHAR = 4
_BRACKET = re.compile(r"\\.|[\[\]()]", re.DOTALL)


def markdown_link_steps(text: str) -> int:
    """How many characters Markdown's link parser steps over in ``text`` (an estimate from
    above: brackets in code count too)."""
    steps = 0
    squares: list[int] = []
    parens: list[tuple[int, bool]] = []
    closed = -2
    for match in _BRACKET.finditer(text):
        char, at = match.group(), match.start()
        if char == "[":
            squares.append(at)
        elif char == "]":
            steps += at - squares.pop() if squares else 0
            closed = at
        elif char == "(":
            parens.append((at, at == closed + 1))  # an address: "](" starts one
        elif char == ")" and parens:
            opened, address = parens.pop()
            steps += at - opened if address else 0
    end = len(text)
    steps += sum(end - at for at in squares)
    return steps + sum(end - at for at, address in parens if address)


MAX_MARKDOWN_DEPTH = 32
"""How deep a Markdown field may nest lists and quotes. Python-Markdown parses every level
again (and recurses: some hundreds of levels exhaust Python's stack), so the time grows
with depth times length; at this depth a field of :data:`MAX_MARKDOWN_FIELD_CHARS` takes
a fraction of a second."""
_QUOTE_MARKS = re.compile(r"(?:[ \t]{0,3}>)+")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def markdown_depth(text: str) -> int:
    """How deep the lists and quotes of Markdown ``text`` nest: ``>`` marks, and a list
    item's indentation in steps of four columns (a tab is four)."""
    deepest = 0
    for line in text.split("\n") if "\n" in text else (text,):
        if not line.startswith((" ", "\t", ">")):
            continue  # at most one level: a list item at the margin
        marks = _QUOTE_MARKS.match(line)
        quotes = marks.group().count(">") if marks else 0
        rest = line[marks.end() :] if marks else line
        item = rest.lstrip(" \t")
        indent = len(rest[: len(rest) - len(item)].expandtabs(4))
        deepest = max(deepest, quotes + (indent // 4 if _LIST_ITEM.match(item) else 0))
    return deepest


def field_problem(text: str, markdown: bool, html: bool = False) -> tuple[str, str] | None:
    """Why one field of a text source cannot be taken (message, hint), or ``None``.

    A field holds at most :data:`MAX_FIELD_CHARS` characters. A Markdown field holds at
    most :data:`MAX_MARKDOWN_FIELD_CHARS`, nests at most :data:`MAX_MARKDOWN_DEPTH` levels,
    and its brackets must not cost its rendering more than a budget linear in its length.
    (``html``: raw HTML is let through; markdown-it reads it in linear time.)
    """
    limit = MAX_MARKDOWN_FIELD_CHARS if markdown else MAX_FIELD_CHARS
    if len(text) > limit:
        what = "a Markdown field" if markdown else "a field"
        return (
            f"is {len(text):,} characters long, more than the {limit:,} {what} may hold",
            "is a quote left open? keep pictures and long texts as media files",
        )
    if markdown and markdown_depth(text) > MAX_MARKDOWN_DEPTH:
        return (
            f"nests lists or quotes more than {MAX_MARKDOWN_DEPTH} levels deep, more than "
            "Markdown can render in reasonable time",
            "flatten the lists and quotes",
        )
    if markdown and ("[" in text or "(" in text):
        budget = _MARKDOWN_STEPS_BASE + _MARKDOWN_STEPS_PER_CHAR * len(text)
        if markdown_link_steps(text) > budget:
            return (
                "holds too many brackets left open or nested deep for Markdown to render "
                "in reasonable time",
                "write a bracket that is text as \\[ or \\(, or close the brackets",
            )
    return None


def note_problems(note: Note, markdown: bool, html: bool = False) -> list[Diagnostic]:
    """An error for each field of a text source's note that :func:`field_problem` refuses.

    ``markdown``: the fields are rendered as Markdown; ``html``: with raw HTML let through.
    """
    if not markdown:
        # A plain field has but its length to check (most decks).
        if note.fields:
            if all(len(text) <= MAX_FIELD_CHARS for text in note.fields):
                return []
        elif len(note.question) <= MAX_FIELD_CHARS and len(note.answer) <= MAX_FIELD_CHARS:
            return []
    named = (
        [(f"field {i + 1}", text) for i, text in enumerate(note.fields)]
        if note.fields
        else [("the question", note.question), ("the answer", note.answer)]
    )
    problems = []
    for name, text in named:
        problem = field_problem(text, markdown, html)
        if problem is not None:
            where = note.answer_location if name == "the answer" else None
            message, hint = problem
            diagnostic = Diagnostic(
                where or note.location,
                Severity.ERROR,
                f"{name} {message}",
                hint,
                rules.FIELD_NOT_WRITABLE,
            )
            problems.append(diagnostic)
    return problems


_SURROGATE = re.compile("[\ud800-\udfff]")


def unwritable_text(note: Note) -> Diagnostic | None:
    """An error when a part of ``note`` holds a lone surrogate, which no file can hold.

    Decoding never makes one; an escape can (YAML's or JSON's ``"\\ud800"``), and writing
    it would fail deep in the writer.
    """
    if (
        note.notetype is None
        and note.question.isascii()
        and note.answer.isascii()
        and note.deck.isascii()
        and (note.guid is None or note.guid.isascii())
        and (not note.fields or "".join(note.fields).isascii())
        and (not note.tags or "".join(note.tags).isascii())
    ):
        return None  # a surrogate is not ASCII (most notes are)
    parts = [
        ("the question", note.question),
        ("the answer", note.answer),
        ("the deck name", note.deck),
        ("the GUID", note.guid or ""),
        *((f"field {i + 1}", text) for i, text in enumerate(note.fields)),
        *(("a tag", tag) for tag in note.tags),
    ]
    if note.notetype is not None:
        note_type = note.notetype
        texts = [note_type.name, note_type.css, *note_type.fields]
        texts += [text for template in note_type.templates for text in template]
        parts.extend(("its note type", text) for text in texts)
    for name, text in parts:
        if not text.isascii() and _SURROGATE.search(text):
            message = f"{name} holds a lone surrogate (an escape such as \\ud800), not text"
            hint = "write the character itself, or a pair of escapes"
            return Diagnostic(
                note.location, Severity.ERROR, message, hint, rules.FIELD_NOT_WRITABLE
            )
    return None


def _fail(
    path: str,
    message: str,
    line: int | None = None,
    col: int | None = None,
    hint: str | None = None,
) -> InputError:
    where = SourceLocation(path, line, col)
    diagnostic = Diagnostic(where, Severity.ERROR, message, hint, rules.UNREADABLE_SOURCE)
    return InputError(str(diagnostic), [diagnostic])


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    head = data[:offset]
    line_start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    line = 1 + head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")
    column = len(head[line_start:].decode("utf-8", errors="replace")) + 1
    return line, column


def _text_position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of character ``offset`` of decoded text."""
    head = text[:offset]
    breaks = list(_LINE_BREAK.finditer(head))
    # A CR at the very end of the head may be the first half of a CRLF: still one break.
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, offset - start + 1


def _control_warning(path: str, text: str) -> Diagnostic | None:
    """A warning for control characters in the text: they are removed, as Anki removes them."""
    first = _CONTROL.search(text)
    if first is None:
        return None
    line, column = _text_position(text, first.start())
    return _control_diagnostic(path, line, column, first.group(), len(_CONTROL.findall(text)))


def _control_diagnostic(path: str, line: int, column: int, char: str, count: int) -> Diagnostic:
    """The warning for ``count`` control characters, the first ``char`` at ``line:column``."""
    more = f" (and {count - 1} more in the file)" if count > 1 else ""
    return Diagnostic(
        SourceLocation(path, line, column),
        Severity.WARNING,
        f"control character U+{ord(char):04X}{more} removed: "
        "Anki strips control characters from fields",
        "delete it from the file if it was not meant to be there",
        rules.CONTROL_CHARACTER,
    )


# A valid UTF-8 sequence of two or more bytes: its presence says the file is meant as UTF-8.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xef][\x80-\xbf]{2}"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# What older Windows tools write; preferred when it reads as real text.
_LEGACY_DEFAULT = "cp1252"


def _legacy_encoding(data: bytes) -> str | None:
    """The single-byte encoding a non-UTF-8 file was most likely written in, if any.

    charset-normalizer ranks candidates; on short Western text it often cannot tell
    Windows-1252 from its Central European sibling, so Windows-1252 wins whenever it
    decodes the bytes into text that charset-normalizer itself finds clean.
    """
    # Loaded here, for the few files that are not UTF-8, not by every command.
    import charset_normalizer
    from charset_normalizer.md import mess_ratio

    try:
        text = data.decode(_LEGACY_DEFAULT)
    except UnicodeDecodeError:
        text = None
    if text is not None and mess_ratio(text, 0.2) < 0.1:
        return _LEGACY_DEFAULT
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best is not None else None


def decode(path: str, data: bytes, encoding: str | None = None) -> Source:
    """Decode bytes read from ``path``; a BOM decides the encoding unless one is given."""
    return _decoded(path, *_text(path, data, encoding))


def _text(path: str, data: bytes, encoding: str | None) -> tuple[str, str, tuple[Diagnostic, ...]]:
    """The text of ``data``, the encoding it was read with, and what decoding said."""
    may_guess = False
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
            may_guess = True
            nul = data.find(b"\x00")
            if nul >= 0:
                line, col = _line_and_column(data, nul)
                raise _fail(path, "this is a binary file, not a text export (NUL byte)", line, col)
    try:
        codec = codecs.lookup(encoding)
    except (LookupError, ValueError, UnicodeError):
        raise _fail(path, f"unknown encoding {encoding!r}") from None
    if not getattr(codec, "_is_text_encoding", True):
        # base64, rot13, zlib: codecs of bytes to bytes, which str.decode refuses.
        message = f"{encoding!r} is not a text encoding"
        raise _fail(path, message, hint="name a text encoding such as utf-8 or cp1252")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        guessed = None
        if may_guess and not _UTF8_MULTIBYTE.search(data):
            guessed = _legacy_encoding(data)
        if guessed is not None:
            note = Diagnostic(
                SourceLocation(path),
                Severity.INFO,
                f"not UTF-8; read as {guessed} (detected)",
                "if the text looks wrong, name the encoding with --encoding",
                rules.ENCODING_DETECTED,
            )
            return data.decode(guessed), guessed, (note,)
        if encoding.replace("-", "").replace("_", "").lower() in ("utf8", "utf8sig"):
            line, col = _line_and_column(data, exc.start)
            raise _fail(
                path,
                f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
                line,
                col,
                "if the file is in another encoding, name it with --encoding "
                "(for example --encoding cp1252)",
            ) from None
        # Where, counted in the encoding the file is read with (a lone UTF-16 surrogate).
        head = data[: exc.start].decode(encoding, errors="replace")
        line, col = _text_position(head, len(head))
        raise _fail(
            path,
            f"cannot decode as {encoding}: {exc.reason}",
            line,
            col,
            "the file is damaged, or in another encoding: name it with --encoding",
        ) from None
    return text, encoding, ()


def _decoded(
    path: str, text: str, encoding: str, diagnostics: tuple[Diagnostic, ...] = ()
) -> Source:
    """The source of decoded text: NUL is refused in any encoding, control characters said."""
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _text_position(text, nul)
        raise _fail(path, "this is a binary file, not a text export (NUL character)", line, col)
    warning = _control_warning(path, text)
    if warning is not None:
        diagnostics = (*diagnostics, warning)
    return Source.from_text(path, text, encoding, diagnostics)


def load(
    path: Path,
    display: str | None = None,
    encoding: str | None = None,
    limit: int | None = None,
) -> Source:
    """Read and decode a source file; every failure is an :class:`InputError`.

    ``limit`` is the largest size read, in bytes (default :data:`MAX_SOURCE_BYTES`).
    """
    shown = display if display is not None else str(path)
    limit = MAX_SOURCE_BYTES if limit is None else limit
    with _refusing(shown, limit):
        # Bounded, and never blocking: a FIFO or a device in place of a file is refused.
        data = read_regular_file(path, limit)
    text, encoding, said = _text(shown, data, encoding)
    del data  # a big source's bytes are gone before its lines are made
    return _decoded(shown, text, encoding, said)


@contextmanager
def _refusing(shown: str, limit: int) -> Iterator[None]:
    """Turn the failures of opening and reading a file into :func:`load`'s errors."""
    try:
        yield
    except FileTooLargeError as exc:
        _too_large(shown, exc.size, limit)
    except NotRegularFileError as exc:
        raise _fail(shown, f"cannot read: {exc}") from None
    except FileNotFoundError:
        raise _fail(shown, "no such file") from None
    except PermissionError:
        raise _fail(shown, "permission denied") from None
    except OSError as exc:
        raise _fail(shown, f"cannot read: {exc.strerror or exc}") from None


def _too_large(shown: str, size: int, limit: int) -> None:
    message = f"file is too large ({size} bytes; the limit is {limit} bytes)"
    hint = (
        f"raise the limit with --max-source-size {_suggested(size)} "
        f'(or max_source_size = "{_suggested(size)}" in ankipress.toml)'
    )
    raise _fail(shown, message, hint=hint) from None


@contextmanager
def _opened(path: Path, shown: str, limit: int | None) -> Iterator[BinaryIO]:
    """The file opened as :func:`read_regular_file` opens it, refused as :func:`load` refuses."""
    with _refusing(shown, limit or 0), open_regular_file(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        if limit is not None and size > limit:
            raise FileTooLargeError(size, limit)
        yield stream


DETECT_WHOLE_BYTES = 8 << 20
"""A source up to this size is read whole to tell its format; a bigger one by its head."""
DETECT_HEAD_BYTES = 1 << 20
"""How much of the start of a big source telling its format reads (whole lines)."""


def load_head(
    path: Path, display: str | None = None, encoding: str | None = None, limit: int | None = None
) -> Source | None:
    """The whole lines in the first :data:`DETECT_HEAD_BYTES` of a source bigger than
    :data:`DETECT_WHOLE_BYTES`, decoded as :func:`load` decodes them: enough to tell its
    format without holding it. ``None`` when the source is not that big, is bigger than
    ``limit`` (as :func:`load`), is UTF-16 (its lines do not end at a byte), or its head does
    not decode: then the whole is read, and refused there with its own words."""
    limit = MAX_SOURCE_BYTES if limit is None else limit
    shown = display if display is not None else str(path)
    try:
        with open_regular_file(path) as stream:
            if not DETECT_WHOLE_BYTES < os.fstat(stream.fileno()).st_size <= limit:
                return None
            data = stream.read(DETECT_HEAD_BYTES)
    except OSError:
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    end = max(data.rfind(b"\n"), data.rfind(b"\r"))
    if end < 0:
        return None
    try:
        text, used, said = _text(shown, data[: end + 1], encoding)
        return _decoded(shown, text, used, said)
    except InputError:
        return None


def _suggested(size: int) -> str:
    """A limit above ``size``, as a user would write it: whole MiB, rounded up."""
    return f"{-(-size // (1 << 20))}M"
