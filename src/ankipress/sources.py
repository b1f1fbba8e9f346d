"""Loading a source file as text, with errors that name the file, line and column."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from ankipress.errors import InputError
from ankipress.model import Diagnostic, Severity, SourceLocation

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Past this a "text export" is surely something else; it also bounds memory.
MAX_SOURCE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded text source: its display path, text, and physical lines."""

    path: str
    text: str
    lines: tuple[str, ...]
    """Physical lines without their line breaks (CRLF, LF and CR all end a line)."""

    def location(self, line: int | None = None) -> SourceLocation:
        """The location of a 1-based line of this source."""
        return SourceLocation(self.path, line)

    @classmethod
    def from_text(cls, path: str, text: str) -> Source:
        """A source from text already in memory (tests, stdin)."""
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(path, text, tuple(_LINE_BREAK.split(text)))


def _fail(
    path: str,
    message: str,
    line: int | None = None,
    col: int | None = None,
    hint: str | None = None,
) -> InputError:
    diagnostic = Diagnostic(SourceLocation(path, line, col), Severity.ERROR, message, hint)
    return InputError(str(diagnostic), [diagnostic])


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    head = data[:offset]
    line_start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    line = 1 + head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n")
    column = len(head[line_start:].decode("utf-8", errors="replace")) + 1
    return line, column


def decode(path: str, data: bytes, encoding: str | None = None) -> Source:
    """Decode bytes read from ``path``; a BOM decides the encoding unless one is given."""
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
            nul = data.find(b"\x00")
            if nul >= 0:
                line, col = _line_and_column(data, nul)
                raise _fail(path, "this is a binary file, not a text export (NUL byte)", line, col)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _fail(path, f"unknown encoding {encoding!r}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding.replace("-", "").replace("_", "").lower() == "utf8":
            line, col = _line_and_column(data, exc.start)
            raise _fail(
                path,
                f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
                line,
                col,
                "if the file is in another encoding, name it with --encoding "
                "(for example --encoding cp1252)",
            ) from None
        raise _fail(path, f"cannot decode as {encoding}: {exc.reason}") from None
    return Source.from_text(path, text)


def load(path: Path, display: str | None = None, encoding: str | None = None) -> Source:
    """Read and decode a source file; every failure is an :class:`InputError`."""
    shown = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise _fail(shown, "is a directory, not a file")
        if size > MAX_SOURCE_BYTES:
            raise _fail(
                shown, f"file is too large ({size} bytes; the limit is {MAX_SOURCE_BYTES} bytes)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail(shown, "no such file") from None
    except PermissionError:
        raise _fail(shown, "permission denied") from None
    except OSError as exc:
        raise _fail(shown, f"cannot read: {exc.strerror or exc}") from None
    return decode(shown, data, encoding)
