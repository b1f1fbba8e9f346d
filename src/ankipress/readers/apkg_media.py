"""A package's media list, and the names of its media files checked as Anki checks them.

Legacy packages list their media as JSON, ``{"0": "picture.png"}``: zip entry ``0`` is the
file ``picture.png``. The current generation lists them as a zstd-compressed protobuf
``MediaEntries`` message (name, size, SHA-1): entry N of the list is zip entry ``N``.

A media name becomes a file name in the user's media folder, so it must be one path
component: a name with a slash or backslash, ``.``, ``..``, a drive letter or NUL is an error
(Anki itself refuses such a package as corrupt). Names that are safe but not as Anki stores
them are renamed as Anki's own import renames them (``normalize_filename`` in Anki's
``rslib/src/media/files.rs``): NFC, without ``[]<>:"/?*^\\|``, control and unassigned
characters, no-break spaces made spaces, Windows device names and trailing dots or spaces
suffixed with ``_``, at most 120 bytes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from ankipress.readers.apkg_zip import PackageError

__all__ = ["MediaRef", "anki_media_name", "latest_media_list", "legacy_media_map", "unsafe_reason"]

_MAX_NAME_BYTES = 120
_DISALLOWED = frozenset('[]<>:"/?*^\\|')
_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class MediaRef:
    """One media file as the package lists it."""

    entry: str
    """The zip entry holding it."""
    name: str
    """Its name, as the package gives it (unchecked)."""
    size: int | None = None
    """Its size, where the package says (the current generation)."""
    sha1: bytes | None = None
    """Its SHA-1, where the package says."""


def legacy_media_map(data: bytes) -> list[MediaRef]:
    """The media of a legacy package, from its JSON ``media`` entry."""
    try:
        mapping = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PackageError(f"the media list is not valid JSON: {exc}") from None
    if not isinstance(mapping, dict):
        raise PackageError("the media list is not a JSON object of entry numbers and names")
    refs = []
    for entry, name in mapping.items():
        if not entry.isascii() or not entry.isdigit() or not isinstance(name, str):
            raise PackageError(
                f"the media list maps {entry!r} to {name!r}; it should map entry numbers to names"
            )
        refs.append(MediaRef(entry, name))
    return sorted(refs, key=lambda ref: int(ref.entry))


def latest_media_list(data: bytes) -> list[MediaRef]:
    """The media of a current package, from its decompressed protobuf ``media`` entry."""
    # protobuf is loaded by the packages that need it, not by every reader importing this.
    from google.protobuf.message import DecodeError

    from ankipress.readers.anki_package_pb2 import MediaEntries

    try:
        entries = MediaEntries.FromString(data).entries
    except DecodeError as exc:
        raise PackageError(f"the media list is damaged: {exc}") from None
    refs = []
    for index, entry in enumerate(entries):
        # Anki writes entry N as zip entry "N"; its importer records where it came from.
        number = entry.legacy_zip_filename if entry.HasField("legacy_zip_filename") else index
        refs.append(MediaRef(str(number), entry.name, entry.size, entry.sha1))
    return refs


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` cannot be a file name in a media folder at all, or ``None``."""
    if not name:
        return "it is empty"
    if "\x00" in name:
        return "it contains a NUL character"
    if "/" in name or "\\" in name:
        return "it is a path, not a file name"
    if name in (".", ".."):
        return "it names a folder"
    if _DRIVE.match(name):
        return "it starts with a drive letter"
    if any("\ud800" <= char <= "\udfff" for char in name):
        # Only JSON's escapes make one ("\ud800"); no file system can hold it.
        return "it holds a lone surrogate, which is not a character"
    return None


def _allowed(char: str) -> bool:
    return not (
        char in _DISALLOWED
        or ord(char) < 0x20
        or ord(char) == 0x7F
        or unicodedata.category(char) == "Cn"
    )


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, cut between characters."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def anki_media_name(name: str) -> str:
    """The name Anki's import would give a media file called ``name`` (see the module doc)."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(char for char in text if _allowed(char)).replace("\u00a0", " ")
    text = _DEVICE.sub(r"\1_\2", text)
    if text.endswith((" ", ".")):
        text += "_"
    if len(text.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = text.rpartition(".")
        if not dot:
            stem, ext = ext, ""
        ext = _truncate(ext, 10)
        stem = _truncate(stem, _MAX_NAME_BYTES - len(ext.encode("utf-8")) - 2)
        text = f"{stem}.{ext}" if ext else stem
        if text.endswith((" ", ".")):
            text += "_"
    return text
