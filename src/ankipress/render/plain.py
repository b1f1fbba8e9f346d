"""Plain text to HTML: shown literally, laid out as its author laid it out.

* ``<``, ``>`` and ``&`` are escaped: plain text is never interpreted as HTML.
* Each source line stays a line (``<br>``); a blank line separates paragraphs (``<p>``).
  A paragraph of three lines or more has a block per line (``<div>`` in a
  ``div.ankipress-lines``), which the card CSS sets apart, so a line wrapped on a phone does
  not read as two.
* A paragraph whose every line is numbered (``1. …``, ``2) …``, one after another) or
  bulleted (``- …``, ``* …``, ``• …``), two lines at least, becomes a list. Anything less
  sure stays lines as written: an intro line followed by numbered lines shows as those lines.
"""

from __future__ import annotations

import re

from ankipress.render.math import MathHandler, split_math

_NUMBERED = re.compile(r"\s*(\d{1,9})[.)]\s+(\S.*)")
_BULLETED = re.compile(r"\s*[-*\u2022\u2023\u25e6\u2043]\s+(\S.*)")
# A blank line (white space allowed) between two blocks.
_BLOCK_BREAK = re.compile(r"\n[^\S\n]*\n")


def escape_line(text: str) -> str:
    """One line of plain text as HTML: stripped, ``&``, ``<`` and ``>`` escaped."""
    # html.escape(text.strip(), quote=False), without its call: this runs for every line.
    return text.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _list_run(lines: list[str], start: int) -> tuple[str, int] | None:
    """An ``<ol>``/``<ul>`` for a run of list items at ``start``, and the index after it."""
    first = _NUMBERED.fullmatch(lines[start])
    if first:
        number = int(first.group(1))
        items = [first.group(2)]
        index = start + 1
        while index < len(lines):
            match = _NUMBERED.fullmatch(lines[index])
            if not match or int(match.group(1)) != number + len(items):
                break
            items.append(match.group(2))
            index += 1
        if len(items) < 2:
            return None
        opening = "<ol>" if number == 1 else f'<ol start="{number}">'
        body = "".join(f"<li>{escape_line(item)}</li>" for item in items)
        return f"{opening}{body}</ol>", index
    items = []
    index = start
    while index < len(lines):
        match = _BULLETED.fullmatch(lines[index])
        if not match:
            break
        items.append(match.group(1))
        index += 1
    if len(items) < 2:
        return None
    return "<ul>" + "".join(f"<li>{escape_line(item)}</li>" for item in items) + "</ul>", index


# What a list item starts with, after white space: a digit (\d is str.isdecimal) or a bullet.
_BULLETS = "-*\u2022\u2023\u25e6\u2043"


def _block(text: str) -> tuple[bool, str]:
    """(is_list, html) of one paragraph: a list if every line is an item, else lines."""
    lines = text.split("\n")
    first = lines[0].lstrip()[:1]
    if first and (first.isdecimal() or first in _BULLETS):
        run = _list_run(lines, 0)
        if run is not None and run[1] == len(lines):
            return True, run[0]
    # Escaping maps white space and line breaks to themselves: the paragraph is escaped in
    # one go, then cut into lines and each stripped (as escape_line would have, line by line).
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    shown = [line.strip() for line in escaped.split("\n")]
    if len(shown) >= 3:
        # Lines to scan (a list typed without marks, as Brainscape writes it): one block each,
        # so a line wrapped on a phone stays visibly one line (the card CSS spaces them).
        inner = "</div><div>".join(shown)
        return True, f'<div class="ankipress-lines"><div>{inner}</div></div>'
    return False, "<br>".join(shown)


_TOKEN = re.compile("\ue000(\\d+)\ue001")


def render_plain(text: str, math: MathHandler | None = None) -> str:
    """HTML for plain text; a single paragraph of text gets no wrapping element.

    With ``math``, formulas (``$…$``, ``\\(…\\)``, …) are cut out first, so escaping and
    line breaks never reach inside them, and put back as ``math`` makes them.
    """
    if math is None or ("$" not in text and "\\" not in text):
        return _render(text)
    pieces = split_math(text)
    if len(pieces) == 1 and isinstance(pieces[0], str):
        return _render(text)
    formulas: list[str] = []
    marked: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            marked.append(piece)
        else:
            marked.append(f"\ue000{len(formulas)}\ue001")
            formulas.append(math(*piece))
    return _TOKEN.sub(lambda m: formulas[int(m.group(1))], _render("".join(marked)))


def _render(text: str) -> str:
    if "\n" not in text:
        # One line (most questions): no paragraphs, and a list needs two lines.
        return escape_line(text)
    text = text.strip("\n")
    if _BLOCK_BREAK.search(text) is None:
        # One paragraph (most answers): its block needs no wrapping element.
        return _block(text)[1]
    parts = [_block(block) for block in _BLOCK_BREAK.split(text)]
    if len(parts) == 1 and not parts[0][0]:
        return parts[0][1]
    return "".join(piece if is_list else f"<p>{piece}</p>" for is_list, piece in parts)
