"""Loading a source file as text, with errors that name the file, line and column."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

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
    try:
        text = data.decode(_LEGACY_DEFAULT)
    except UnicodeDecodeError:
        text = None
    if text is not None:
        from charset_normalizer.md import mess_ratio

        if mess_ratio(text, 0.2) < 0.1:
            return _LEGACY_DEFAULT
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best is not None else None


def decode(path: str, data: bytes, encoding: str | None = None) -> Source:
    """Decode bytes read from ``path``; a BOM decides the encoding unless one is given."""
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
        codecs.lookup(encoding)
    except LookupError:
        raise _fail(path, f"unknown encoding {encoding!r}") from None
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
            )
            return Source.from_text(path, data.decode(guessed), guessed, (note,))
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
    return Source.from_text(path, text, encoding)


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
