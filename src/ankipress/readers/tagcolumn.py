"""Whether a headerless tab-separated ``.txt`` is one of Anki's own exports, tags last.

Anki's "Notes in Plain Text" export, before it wrote ``#`` headers, was the note's fields
separated by tabs and then, when tags were exported, the tags in one more column. Anki's
importer reads it back that way: the first column after the note type's fields is the tags
column (``maybe_set_tags_column`` in ``rslib/src/import_export/text/csv/metadata.rs``). Such a
file is read as Anki text, not as a table whose last column would show tags as text on the
card, when its last column looks like tags and like nothing else:

* every row has the same three columns or more, split by tabs, with no quoting;
* every last cell is empty or a few tokens without spaces, HTML or sentence punctuation;
* and the cells are tags by their look: a token has what tags have and words seldom do
  (``::`` of a hierarchy, ``_``, a digit, a comma), or is a tag Anki gives (``leech``,
  ``marked``), or every row carries the same single tag.

A vocabulary table whose third column says ``noun`` or ``verb``, or ``der``/``die`` with one
left empty, stays a table.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ankipress.sources import Source

__all__ = ["tags_last"]

_SAMPLE_ROWS = 400
_TAG_CELL = re.compile(r"[^\s<>\"]{1,80}(?:[ \t]+[^\s<>\"]{1,80}){0,11}")
_SENTENCE_END = re.compile(r"[.?!:;]$")
_TAG_SIGN = re.compile(r"::|_|\d|,")
# The tags Anki itself gives notes.
_ANKIS_OWN = frozenset({"leech", "marked"})


def tags_last(source: Source) -> bool:
    """Whether ``source`` is an Anki export without headers whose last column is tags."""
    if PurePath(source.path).suffix.lower() != ".txt":
        return False
    rows = [line.rstrip("\r") for line in source.lines[:_SAMPLE_ROWS] if line.strip()]
    # "#" opens Anki's headers; "*<tab>" Flashcards Deluxe's setting lines.
    if len(rows) < 2 or rows[0].startswith(("#", "*\t")) or any('"' in row for row in rows):
        return False
    widths = {row.count("\t") for row in rows}
    if len(widths) != 1 or widths.pop() < 2:
        return False
    last = [row.rsplit("\t", 1)[1].strip() for row in rows]
    filled = [cell for cell in last if cell]
    if not filled:
        return False
    for cell in filled:
        if not _TAG_CELL.fullmatch(cell):
            return False
        if any(_SENTENCE_END.search(token) for token in cell.split()):
            return False
    tokens = {token for cell in filled for token in cell.split()}
    return (
        any(_TAG_SIGN.search(cell) for cell in filled)
        or bool(tokens & _ANKIS_OWN)
        or (len(filled) == len(last) and len(set(filled)) == 1 and " " not in filled[0])
    )
