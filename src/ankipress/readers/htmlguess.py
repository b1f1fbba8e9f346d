"""Whether a source's text is HTML, decided as Anki's text importer decides it.

Anki's CSV importer, given no ``#html:`` header, treats a file as HTML when any field of it
holds something tag-shaped: a ``<`` with a ``>`` somewhere after it (its ``is_html`` test, a
regular expression ``<.*?>`` over comments, style and script blocks and tags). Readers of
formats that other apps export as HTML (tables, Quizlet) use the same test, so that a file
Anki would show rendered is rendered by us too.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["any_html", "looks_like_html"]


def looks_like_html(text: str) -> bool:
    """Whether ``text`` holds a tag as Anki's importer sees one: ``<`` then, later, ``>``.

    Two scans of the string at most, so it stays linear in the length of the field.
    """
    start = text.find("<")
    return start != -1 and text.find(">", start + 1) != -1


def any_html(fields: Iterable[str]) -> bool:
    """Whether any of ``fields`` looks like HTML (Anki's rule for a whole file)."""
    return any(looks_like_html(field) for field in fields)
