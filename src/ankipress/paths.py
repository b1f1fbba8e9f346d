"""Paths as a user or a project file gives them, checked before the system sees them.

A NUL character, a name longer than a file system allows or a path longer than the system
takes make ``os.stat`` raise ``ValueError`` or ``OSError`` deep inside a build; checked
first, each is a message naming the path instead.
"""

from __future__ import annotations

import os

__all__ = ["MAX_NAME_BYTES", "MAX_PATH_BYTES", "path_problem", "shown_path"]

MAX_NAME_BYTES = 255
"""The longest file name (one path component) common file systems hold, in bytes."""
MAX_PATH_BYTES = 4096
"""The longest path Linux takes (``PATH_MAX``), in bytes."""
_SHOWN = 60


def shown_path(path: str | os.PathLike[str]) -> str:
    """The path for a message: a long one cut in the middle, a NUL shown as ``\\0``."""
    text = os.fspath(path).replace("\x00", "\\0")
    if len(text) > _SHOWN:
        text = f"{text[: _SHOWN // 2]}…{text[-_SHOWN // 2 :]} ({len(text):,} characters)"
    return text


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` can name no file at all, or ``None``."""
    text = os.fspath(path)
    if "\x00" in text:
        return "it holds a NUL character, which no file name can"
    try:
        encoded = os.fsencode(text)
    except UnicodeError:
        return "it is not text a file name can hold"
    if len(encoded) > MAX_PATH_BYTES:
        return f"it is {len(encoded):,} bytes long; a path is at most {MAX_PATH_BYTES:,}"
    longest = max((len(part) for part in encoded.replace(b"\\", b"/").split(b"/")), default=0)
    if longest > MAX_NAME_BYTES:
        return (
            f"a name in it is {longest:,} bytes long; a file or folder name is at most "
            f"{MAX_NAME_BYTES}"
        )
    return None
