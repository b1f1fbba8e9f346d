"""An untrusted zip archive (an Anki package), read within fixed bounds.

A package comes from anywhere (a shared deck, a download), so nothing it declares is taken
on trust before it is checked, and nothing is unpacked without a cap:

* The end-of-directory record is read first, by hand (zipfile's parser is private): a file
  that declares a million entries or a giant directory is refused before zipfile builds a
  Python object for each entry.
* Every entry's sizes are checked from the central directory before anything is
  decompressed: per entry, in total, and their ratio (a small entry that would inflate
  enormously is a zip bomb). Encrypted entries, compression methods Anki never writes,
  two entries of one name, and entries whose data overlap (the "overlapping files" bomb)
  are errors.
* Reading is streamed in chunks and counted against the same caps, as declared sizes may
  lie. zstd data (the current package generation) is decompressed with a bounded window
  and checked against the frame's declared size, the caps and the ratio as it streams: a
  zstd bomb is an error after a few MiB, never an out-of-memory.

Entry names are never used as paths: entries are looked up by the names Anki gives them
and copied into files whose names are ours. Every problem is a :class:`PackageError`.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from ankipress.sources import open_regular_file

__all__ = ["ZSTD_MAGIC", "Limits", "PackageError", "SafeZip", "describe_size"]

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 20
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER_SIZE = 30
_CENTRAL_SIZE = 46
_CENTRAL_LENGTHS = struct.Struct("<3H")  # name, extra field, comment lengths at offset 28
_MAX_COMMENT = 0xFFFF


class PackageError(Exception):
    """The package cannot be read at all; ``message`` says why, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an archive may hold and unpack to. The defaults fit any real deck."""

    max_entries: int = 250_000
    """Entries in the archive: a package holds its database, media list and media files."""
    max_entry_size: int = 1 << 30
    """Bytes one entry (or one zstd stream) may unpack to."""
    max_total_size: int = 2 << 30
    """Bytes the whole archive may unpack to, declared and actually read."""
    max_ratio: int = 200
    """Unpacked size / packed size; deflated text and SQLite stay far below it."""
    ratio_floor: int = 16 << 20
    """Entries unpacking to less than this are not held to :attr:`max_ratio`."""
    max_directory_size: int = 64 << 20
    """Bytes of the zip's central directory."""
    max_zstd_window: int = 1 << 27
    """zstd's own default cap on a frame's window (the memory it needs)."""


def describe_size(size: int) -> str:
    """A byte count for messages: ``3.0 GiB``, ``512 KiB``, ``17 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift:
            value = size / (1 << shift)
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{size} bytes"


def _not_a_zip(stream: IO[bytes], size: int) -> PackageError:
    """Why a file with no zip directory is not a package, in the terms of what it is."""
    if size == 0:
        return PackageError("the file is empty, not an Anki package")
    stream.seek(0)
    head = stream.read(1024)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"PK\x03\x04"):
        return PackageError(
            "the package is cut short: the zip directory at its end is missing",
            "download or copy the file again",
        )
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
        return PackageError(
            "this is an HTML page, not an Anki package",
            "download the .apkg file itself, not the page that links to it",
        )
    if head.startswith(b"SQLite format 3\x00"):
        return PackageError(
            "this is an SQLite database (a bare collection), not an Anki package",
            "export it from Anki as an .apkg",
        )
    return PackageError("not an Anki package: the file is not a zip archive")


def _directory(stream: IO[bytes], limits: Limits) -> tuple[int, int]:
    """(entries, start of the central directory), from the end-of-directory records."""
    size = os.fstat(stream.fileno()).st_size
    tail_size = min(size, _EOCD.size + _MAX_COMMENT)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        raise _not_a_zip(stream, size)
    eocd_offset = size - tail_size + at
    _, disk, cd_disk, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
    record_offset = eocd_offset
    if 0xFFFF in (disk, entries) or 0xFFFFFFFF in (cd_size, cd_offset):
        # ZIP64: the real counts are in a second record that a locator points to.
        if eocd_offset < _ZIP64_LOCATOR.size:
            raise PackageError("the zip archive is damaged: its ZIP64 locator is missing")
        stream.seek(eocd_offset - _ZIP64_LOCATOR.size)
        signature, _, record_offset, _ = _ZIP64_LOCATOR.unpack(stream.read(_ZIP64_LOCATOR.size))
        stream.seek(record_offset)
        record = stream.read(_ZIP64_EOCD.size)
        if signature != b"PK\x06\x07" or len(record) != _ZIP64_EOCD.size:
            raise PackageError("the zip archive is damaged: its ZIP64 records are broken")
        fields = _ZIP64_EOCD.unpack(record)
        if fields[0] != b"PK\x06\x06":
            raise PackageError("the zip archive is damaged: its ZIP64 records are broken")
        disk, cd_disk, entries, cd_size = fields[4], fields[5], fields[7], fields[8]
    if disk != 0 or cd_disk != 0:
        raise PackageError("the package is split over several files (a multi-disk zip)")
    if entries > limits.max_entries:
        raise PackageError(
            f"the archive lists {entries:,} entries, more than the {limits.max_entries:,} "
            "a package may hold"
        )
    if cd_size > limits.max_directory_size:
        raise PackageError(
            f"the archive's directory is {describe_size(cd_size)}, more than the "
            f"{describe_size(limits.max_directory_size)} a package may have"
        )
    start = record_offset - cd_size
    if start < 0:
        raise PackageError("the zip archive is damaged: its directory lies outside the file")
    stream.seek(start)
    directory = stream.read(cd_size)
    # zipfile parses every record the directory's bytes hold, whatever the count says:
    # walk them first, so that no more than the limit are ever parsed.
    count = at = 0
    while at < len(directory):
        if directory[at : at + 4] != b"PK\x01\x02" or at + _CENTRAL_SIZE > len(directory):
            raise PackageError("the zip archive is damaged: its directory is broken")
        name, extra, comment = _CENTRAL_LENGTHS.unpack_from(directory, at + 28)
        at += _CENTRAL_SIZE + name + extra + comment
        count += 1
        if count > limits.max_entries:
            raise PackageError(
                f"the archive holds more than the {limits.max_entries:,} entries a package may hold"
            )
    if count != entries:
        raise PackageError(
            f"the zip archive is damaged: it lists {entries} entries but its directory "
            f"holds {count}"
        )
    return entries, start


def _raw_name_length(info: zipfile.ZipInfo) -> int:
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    return len(info.orig_filename.encode(encoding, errors="replace"))


class SafeZip:
    """A zip archive whose entries are checked on opening and read within :class:`Limits`."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.limits = limits
        try:
            # Opened once, without blocking: a FIFO or a device is refused, not waited on.
            self._file = open_regular_file(path)
            size = os.fstat(self._file.fileno()).st_size
        except OSError as exc:
            raise PackageError(f"cannot read the file: {exc.strerror or exc}") from None
        # What may be unpacked in all, however often an entry is read (a media list may
        # name one small entry hundreds of times): the absolute cap, and a ratio to the
        # package's own size above a floor.
        by_ratio = max(limits.ratio_floor, limits.max_ratio * size)
        self._budget = min(limits.max_total_size, by_ratio)
        self._budget_reason = (
            "the most a package may hold"
            if self._budget == limits.max_total_size
            else f"from a package of {describe_size(size)}: a bomb, not a package"
        )
        self._budget_total = self._budget
        try:
            try:
                declared, directory_start = _directory(self._file, limits)
                self._zip = zipfile.ZipFile(self._file)
            except (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error) as exc:
                # zipfile's parser raises all of these on damaged or odd archives.
                raise PackageError(f"the zip archive is damaged: {exc}") from None
            except OSError as exc:
                raise PackageError(f"cannot read the file: {exc.strerror or exc}") from None
        except BaseException:
            self._file.close()
            raise
        try:
            infos = self._zip.infolist()
            if len(infos) != declared:
                raise PackageError("the zip archive is damaged: its directory is inconsistent")
            self.entries = self._check(infos, directory_start)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the archive and its file."""
        self._zip.close()
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check(
        self, infos: list[zipfile.ZipInfo], directory_start: int
    ) -> dict[str, zipfile.ZipInfo]:
        limits = self.limits
        entries: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if name in entries:
                raise PackageError(f"the archive holds two entries named {name!r}")
            entries[name] = info
            if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption
                raise PackageError(
                    f"entry {name!r} is encrypted", "Anki never encrypts its packages"
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise PackageError(
                    f"entry {name!r} uses zip compression method {info.compress_type}; "
                    "Anki packages use only stored and deflated entries"
                )
            if info.file_size > limits.max_entry_size:
                raise PackageError(
                    f"entry {name!r} would unpack to {describe_size(info.file_size)}, more "
                    f"than the {describe_size(limits.max_entry_size)} one entry may hold"
                )
            total += info.file_size
            if total > limits.max_total_size:
                raise PackageError(
                    "the archive would unpack to more than "
                    f"{describe_size(limits.max_total_size)}, the most a package may hold"
                )
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise PackageError(
                    f"entry {name!r} would unpack from {describe_size(info.compress_size)} to "
                    f"{describe_size(info.file_size)}: a zip bomb, not a package"
                )
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise PackageError(f"the zip archive is damaged: entry {name!r} has two sizes")
        # Entries must follow one another without sharing bytes: overlapping entries are how
        # a small archive claims a huge total ("better zip bomb").
        ordered = sorted(infos, key=lambda info: info.header_offset)
        followers = [*ordered[1:], None] if ordered else []  # an archive with no entry
        for info, following in zip(ordered, followers, strict=True):
            end = (
                info.header_offset
                + _LOCAL_HEADER_SIZE
                + _raw_name_length(info)
                + info.compress_size
            )
            limit = following.header_offset if following is not None else directory_start
            if info.header_offset < 0 or end > limit:
                raise PackageError(
                    f"the zip archive is damaged or hostile: entry {info.filename!r} overlaps "
                    "the next one"
                )
        return entries

    def _chunks(self, name: str, zstd: bool) -> Iterator[bytes]:
        """The entry's bytes (zstd-decompressed if asked), in chunks of at most 1 MiB."""
        import zstandard  # only packages of the latest generation need it

        info = self.entries[name]
        try:
            with self._zip.open(info) as raw:
                if not zstd:
                    while chunk := raw.read(_CHUNK):
                        yield chunk
                    return
                self._check_frame(name, info)
                decompressor = zstandard.ZstdDecompressor(
                    max_window_size=self.limits.max_zstd_window
                )
                with decompressor.stream_reader(
                    raw, read_size=_CHUNK, read_across_frames=True, closefd=False
                ) as reader:
                    while chunk := reader.read(_CHUNK):
                        yield chunk
        except zstandard.ZstdError as exc:
            raise PackageError(f"entry {name!r} holds damaged zstd data: {exc}") from None
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
            ValueError,
        ) as exc:
            raise PackageError(f"entry {name!r} is damaged: {exc}") from None

    def _check_frame(self, name: str, info: zipfile.ZipInfo) -> None:
        # The frame header is at most 18 bytes; reading them through a second handle keeps
        # the stream itself untouched for the decompressor.
        import zstandard

        with self._zip.open(info) as probe:
            head = probe.read(18)
        if not head.startswith(ZSTD_MAGIC):
            raise PackageError(f"entry {name!r} should be zstd-compressed, but is not")
        declared = zstandard.frame_content_size(head)
        if declared > self.limits.max_entry_size:
            raise PackageError(
                f"entry {name!r} declares {describe_size(declared)} of zstd content, more "
                f"than the {describe_size(self.limits.max_entry_size)} one entry may hold"
            )

    def stream(self, name: str, limit: int | None = None, zstd: bool = False) -> Iterator[bytes]:
        """The bytes of entry ``name``; more than ``limit`` (or any cap) is a PackageError."""
        info = self.entries[name]
        cap = min(
            limit if limit is not None else self.limits.max_entry_size, self.limits.max_entry_size
        )
        produced = 0
        for chunk in self._chunks(name, zstd):
            produced += len(chunk)
            if (
                zstd
                and produced > self.limits.ratio_floor
                and produced > self.limits.max_ratio * max(info.file_size, 1)
            ):
                raise PackageError(
                    f"entry {name!r} decompresses to more than {self.limits.max_ratio} times "
                    "its size: a zstd bomb, not a package"
                )
            if produced > self._budget:
                raise PackageError(
                    f"the archive unpacks to more than {describe_size(self._budget_total)}"
                    + (", " if self._budget_total == self.limits.max_total_size else " ")
                    + self._budget_reason
                )
            if produced > cap:
                raise PackageError(
                    f"entry {name!r} unpacks to more than {describe_size(cap)}"
                    + (", the most one entry may hold" if cap == self.limits.max_entry_size else "")
                )
            yield chunk
        self._budget -= produced

    def read(self, name: str, limit: int | None = None, zstd: bool = False) -> bytes:
        """The whole of entry ``name`` (see :meth:`stream`)."""
        return b"".join(self.stream(name, limit, zstd))

    def copy(self, name: str, target: IO[bytes], zstd: bool = False) -> int:
        """Copy entry ``name`` into ``target``; the number of bytes written."""
        written = 0
        for chunk in self.stream(name, zstd=zstd):
            target.write(chunk)
            written += len(chunk)
        return written
