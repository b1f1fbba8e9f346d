"""Media in source cards: files a field refers to (``<img src>``, ``[sound:…]``), packed.

(Being written.) :func:`pack_references` finds the references in rendered fields, resolves
them relative to the note's source file, gives each file a name from its content, and
rewrites the field to use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ankipress.model import Diagnostic, Media, RenderedNote


def pack_references(
    notes: Sequence[RenderedNote],
) -> tuple[tuple[RenderedNote, ...], list[Media], list[Diagnostic]]:
    """The notes with references rewritten to packed names, the media, and any problems."""
    return tuple(notes), [], []
