"""Hostile and broken Anki packages, built byte by byte, for the package reader's tests.

Most are built by :func:`raw_zip`, a zip writer whose every header field can lie (sizes,
flags, entry counts, where an entry starts), since the point is archives that no honest
zip library writes. :data:`GOLDEN_CASES` are written once into ``tests/golden/apkg/`` as
committed inputs of the golden tests::

    python tests/hostile_apkg.py [NAME…]   # rewrites tests/golden/apkg/*.apkg (or NAME.apkg)

Each is a few KiB: a bomb is dangerous for what it declares or decompresses to, not for
its own size.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import zstandard

from ankipress.model import RenderedNote, SourceLocation
from ankipress.readers.anki_package_pb2 import MediaEntries, PackageMetadata
from ankipress.writers.apkg import write_apkg

__all__ = [
    "GOLDEN_CASES",
    "Entry",
    "collection_db",
    "deflated",
    "latest_package",
    "legacy_package",
    "raw_zip",
    "stored",
    "zstd_bomb",
]

GOLDEN = Path(__file__).parent / "golden" / "apkg"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_DOS_DATE = (1 << 5) | 1  # 1980-01-01


@dataclass(frozen=True)
class Entry:
    """One zip entry as :func:`raw_zip` writes it; the optional fields lie on purpose."""

    name: str
    data: bytes
    """The bytes as stored (deflated already when ``method`` is 8)."""
    method: int = 0
    size: int = 0
    """The uncompressed size declared in both headers."""
    crc: int = 0
    flags: int = 0
    same_offset_as: int | None = None
    """The central directory points at the local header of that earlier entry."""


def stored(name: str, content: bytes) -> Entry:
    """An entry stored as it is, with true sizes and CRC."""
    return Entry(name, content, 0, len(content), zlib.crc32(content))


def deflated(name: str, content: bytes) -> Entry:
    """An entry deflated, with true sizes and CRC."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    return Entry(name, data, 8, len(content), zlib.crc32(content))


def raw_zip(entries: list[Entry], declared_entries: int | None = None) -> bytes:
    """A zip archive exactly as described; ``declared_entries`` makes its count lie (ZIP64)."""
    out = bytearray()
    offsets: list[int] = []
    for entry in entries:
        offsets.append(len(out))
        name = entry.name.encode("utf-8")
        out += _LOCAL.pack(
            b"PK\x03\x04", 20, entry.flags, entry.method, 0, _DOS_DATE, entry.crc,
            len(entry.data), entry.size, len(name), 0,
        )  # fmt: skip
        out += name + entry.data
    directory_start = len(out)
    for entry, offset in zip(entries, offsets, strict=True):
        name = entry.name.encode("utf-8")
        if entry.same_offset_as is not None:
            offset = offsets[entry.same_offset_as]
        out += _CENTRAL.pack(
            b"PK\x01\x02", 20, 20, entry.flags, entry.method, 0, _DOS_DATE, entry.crc,
            len(entry.data), entry.size, len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        out += name
    directory_size = len(out) - directory_start
    if declared_entries is None:
        out += _EOCD.pack(
            b"PK\x05\x06", 0, 0, len(entries), len(entries), directory_size, directory_start, 0
        )
        return bytes(out)
    record = len(out)
    out += _ZIP64_EOCD.pack(
        b"PK\x06\x06", _ZIP64_EOCD.size - 12, 45, 45, 0, 0,
        declared_entries, declared_entries, directory_size, directory_start,
    )  # fmt: skip
    out += _ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, record, 1)
    out += _EOCD.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


def collection_db(extra_sql: str = "") -> bytes:
    """The collection of a package ankipress writes (genanki's schema 11), one Basic note.

    ``extra_sql`` runs on it afterwards (a view, a trigger, a renamed table).
    """
    note = RenderedNote(
        guid="hostile-1",
        deck="Hostile",
        fields=("What is in this package?", "A note, and trouble"),
        tags=("test",),
        location=SourceLocation("hostile"),
    )
    with tempfile.TemporaryDirectory() as work:
        package = Path(work) / "one.apkg"
        write_apkg(package, [note], 1_700_000_000)
        with zipfile.ZipFile(package) as archive:
            database = archive.read("collection.anki2")
        if extra_sql:
            path = Path(work) / "collection.anki2"
            path.write_bytes(database)
            connection = sqlite3.connect(path)
            connection.executescript(extra_sql)
            connection.commit()
            connection.close()
            database = path.read_bytes()
    return database


def legacy_package(database: bytes, media: dict[str, str], files: dict[str, bytes]) -> bytes:
    """A legacy (genanki-style) package: ``collection.anki2``, a JSON media map, files."""
    entries = [deflated("collection.anki2", database), stored("media", json.dumps(media).encode())]
    entries += [stored(name, content) for name, content in files.items()]
    return raw_zip(entries)


def _zstd(content: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(content)


def latest_package(database: bytes, media: list[tuple[str, bytes]]) -> bytes:
    """A package of the current generation around ``database`` (any schema)."""
    meta = PackageMetadata(version=PackageMetadata.VERSION_LATEST).SerializeToString()
    listing = MediaEntries(
        entries=[
            MediaEntries.MediaEntry(name=name, size=len(data), sha1=hashlib.sha1(data).digest())
            for name, data in media
        ]
    ).SerializeToString()
    entries = [stored("meta", meta), stored("collection.anki21b", _zstd(database))]
    entries += [stored(str(index), _zstd(data)) for index, (_, data) in enumerate(media)]
    return raw_zip([*entries, stored("media", _zstd(listing))])


def zstd_bomb(size: int = 64 << 20, declare: int | None = None) -> bytes:
    """A latest package whose database is a tiny zstd frame of ``size`` zero bytes.

    With ``declare``, the frame is a hand-made header declaring that many bytes of content,
    followed by one empty block: all claim, no data.
    """
    if declare is None:
        packer = zstandard.ZstdCompressor(level=19, write_content_size=False).compressobj()
        chunk = bytes(1 << 20)
        frame = b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()
    else:
        # Frame header: single segment, 8-byte content size; then a last, raw, empty block.
        frame = b"\x28\xb5\x2f\xfd\xe0" + struct.pack("<Q", declare) + b"\x01\x00\x00"
    meta = PackageMetadata(version=PackageMetadata.VERSION_LATEST).SerializeToString()
    return raw_zip([stored("meta", meta), stored("collection.anki21b", frame)])


def _generated_column(expression: str) -> bytes:
    """A collection whose notes' ``flds`` is a column SQLite computes on every read.

    The column is made with a placeholder expression, which the schema's text then
    swaps for ``expression``: SQLite computes it only when the column is read.
    """
    quoted = expression.replace("'", "''")
    return collection_db(
        f"""
        ALTER TABLE notes RENAME TO plain;
        CREATE TABLE notes (id integer primary key, guid text, mid integer, mod integer,
            usn integer, tags text, stored text, sfld integer, csum integer, flags integer,
            data text, flds text GENERATED ALWAYS AS (stored) VIRTUAL);
        INSERT INTO notes (id, guid, mid, mod, usn, tags, stored, sfld, csum, flags, data)
            SELECT id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data FROM plain;
        DROP TABLE plain;
        PRAGMA writable_schema = ON;
        UPDATE sqlite_master SET sql = replace(sql, 'AS (stored)', 'AS ({quoted})')
            WHERE name = 'notes';
        """
    )


def _one_entry_listed_often(times: int = 600, size: int = 1 << 20) -> bytes:
    """A latest package whose media list names one small zstd entry ``times`` times."""
    content = bytes(size)
    sha1 = hashlib.sha1(content).digest()
    listing = MediaEntries(
        entries=[
            MediaEntries.MediaEntry(name=f"{i}.png", size=size, sha1=sha1, legacy_zip_filename=0)
            for i in range(times)
        ]
    ).SerializeToString()
    meta = PackageMetadata(version=PackageMetadata.VERSION_LATEST).SerializeToString()
    return raw_zip(
        [
            stored("meta", meta),
            stored("collection.anki21b", _zstd(collection_db())),
            stored("0", _zstd(content)),
            stored("media", _zstd(listing)),
        ]
    )


def _sqlite_not_anki() -> bytes:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "people.db"
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE people (name TEXT)")
        connection.execute("INSERT INTO people VALUES ('Ada')")
        connection.commit()
        connection.close()
        return path.read_bytes()


def _encrypted() -> bytes:
    database = deflated("collection.anki2", collection_db())
    return raw_zip([replace(database, flags=0x1), stored("media", b"{}")])


def _zip_bomb() -> bytes:
    # 32 MiB of zeros deflate to 32 KiB: over the ratio cap, declared honestly.
    return raw_zip([deflated("collection.anki2", bytes(32 << 20)), stored("media", b"{}")])


def _oversized() -> bytes:
    # Declares 3 GiB for four bytes of data.
    entry = stored("collection.anki2", b"tiny")
    return raw_zip([replace(entry, size=3 << 30, method=8)])


GOLDEN_CASES: dict[str, Callable[[], bytes]] = {
    "media_traversal": lambda: legacy_package(collection_db(), {"0": "../evil.png"}, {"0": PNG}),
    "media_absolute": lambda: legacy_package(collection_db(), {"0": "/etc/evil.png"}, {"0": PNG}),
    "media_missing_entry": lambda: legacy_package(collection_db(), {"0": "x.png"}, {}),
    "zip_bomb": _zip_bomb,
    "zip_oversized_entry": _oversized,
    "zstd_bomb": zstd_bomb,
    "zstd_declared_huge": lambda: zstd_bomb(declare=3 << 30),
    "truncated": lambda: legacy_package(collection_db(), {}, {})[:1500],
    "html_page": lambda: (
        b"<!DOCTYPE html>\n<html><head><title>Deck</title></head>"
        b"<body><a href='deck.apkg'>Download</a></body></html>\n"
    ),
    "no_collection": lambda: raw_zip([stored("media", b"{}"), stored("notes.txt", b"hello")]),
    "not_sqlite": lambda: legacy_package(b"these are my notes, not a database\n" * 4, {}, {}),
    "sqlite_not_anki": lambda: legacy_package(_sqlite_not_anki(), {}, {}),
    "encrypted": _encrypted,
    "too_many_entries": lambda: raw_zip([stored("media", b"{}")], declared_entries=1_000_000),
    "sql_generated_column": lambda: legacy_package(
        _generated_column("'RAN-SQL' || char(31) || stored"), {}, {}
    ),
    "sql_generated_heavy": lambda: legacy_package(
        _generated_column("length(hex(zeroblob(2000000000))) || stored"), {}, {}
    ),
    "zstd_entry_listed_600_times": _one_entry_listed_often,
}


def main(names: list[str]) -> None:
    """Write the golden cases named (default: every one) into ``tests/golden/apkg/``."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, build in GOLDEN_CASES.items():
        if names and name not in names:
            continue
        data = build()
        (GOLDEN / f"{name}.apkg").write_bytes(data)
        print(f"{name}.apkg: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
