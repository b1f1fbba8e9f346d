"""Pieces of the Markdown deck syntax that its reader and its writer share.

* Fences: which lines are fenced code, as Python-Markdown decides (:func:`fenced`).
* The card metadata line, an HTML comment right under a card's heading that a Markdown
  preview does not show::

      <!-- guid: kJTo(12V-D | deck: Course::Week 1 | tags: a::b quoting | format: html -->

  ``key: value`` pairs separated by ``|``. A value is bare text, or a JSON string
  (``"a | b"``) when it holds ``|``, ``"``, ``-->``, control characters or outer spaces.
* Verbatim blocks: a field that the card layout cannot hold as it is (a line ``%`` in an
  answer, a heading inside HTML, outer blank lines) is written as a fenced block with the
  info string ``verbatim``; its lines are the field, exactly.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "FENCE_OR_HEADING",
    "META_KEYS",
    "Fences",
    "LineStarts",
    "MetaError",
    "fenced",
    "format_meta",
    "parse_meta",
    "unwrap_verbatim",
    "wrap_verbatim",
]

# Fences: three or more backticks or tildes, indented three spaces at most (CommonMark, and
# mdanki's marked); a backtick fence's info string holds no backtick ("```x```" is code in a
# line). Closed by a line holding the same fence.
FENCE = re.compile(r"`{3,}|~{3,}")
_OPENER = re.compile(r" {0,3}(`{3,}(?![^`]*`)|~{3,})")
_CLOSER = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# A card heading of a Markdown deck (see ankipress.readers.markdown), checked on rstripped lines.
_CARD_HEADING = re.compile(r"#{1,2}(?:[ \t].*)?")
_VERBATIM = re.compile(r"(`{3,}|~{3,})[ \t]*verbatim[ \t]*")
_META_LINE = re.compile(r"<!--(.*)-->")
_KEY = re.compile(r"\s*([a-z]+):[ \t]*")
META_KEYS = ("guid", "deck", "tags", "kind", "notetype", "cards", "format")
"""The keys of a card's metadata line, in the order the writer writes them."""
_NEEDS_QUOTES = re.compile(r'[|"\x00-\x1f\x7f]|-->')


class LineStarts:
    """The lines of a text whose start a pattern matches, found in one search over the whole
    text (a search for a line break followed by the pattern) instead of a test a line."""

    def __init__(self, pattern: str) -> None:
        self._first = re.compile(pattern)
        self._rest = re.compile(f"\n(?:{pattern})")

    def find(self, text: str, lines: Sequence[str]) -> list[int] | None:
        """The indices of the lines of ``text`` that start so, in order; ``None`` when
        ``lines`` are not the text cut at each ``\\n`` (a ``\\r`` ends lines too)."""
        if "\r" in text or len(lines) != text.count("\n") + 1:
            return None
        indices = [0] if self._first.match(text) else []
        line = last = 0
        for match in self._rest.finditer(text):
            # The line after this break: as many lines as breaks up to it, this one included.
            after = match.start() + 1
            line += text.count("\n", last, after)
            last = after
            indices.append(line)
        return indices


FENCE_OR_HEADING = LineStarts(r" {0,3}[`~]|#")
"""Lines that may open or close a fence, or be a card heading: :func:`fenced` reads no other."""


@dataclass(frozen=True, slots=True)
class Fences:
    """Fenced code of a run of lines: which lines, each block's end, the fences never closed."""

    code: set[int] = field(default_factory=set)
    closes: dict[int, int] = field(default_factory=dict)
    """Index of an opening fence → index of the line closing it."""
    unclosed: list[tuple[int, str]] = field(default_factory=list)
    trailing: dict[int, str] = field(default_factory=dict)
    """Lines of code that close their block with the fence at their end, as in
    ``WHERE x = 1`` followed by three backticks: the fence, by line index."""


def fenced(lines: Sequence[str], start: int = 0, candidates: Sequence[int] | None = None) -> Fences:
    """The fenced code of ``lines`` from ``start`` (fence lines included).

    ``candidates``: when known, the indices of the lines :data:`FENCE_OR_HEADING` finds, in
    order; no other line opens or closes a block, or ends one at a heading.

    A block ends at the next line holding its fence alone. One exception, for decks written
    for mdanki (which splits cards at every ``## `` line, code or not): a block whose closing
    line would lie past a card heading (``# ``, ``## ``), or that has none, ends at a line
    before that heading that ends with its fence (text, then the fence), if there is one.
    """
    indices: Sequence[int] = range(start, len(lines))
    if candidates is not None:
        indices = candidates[bisect_left(candidates, start) :]
    bare: dict[str, list[int]] = {}
    headings: list[int] = []
    for index in indices:
        line = lines[index].rstrip()
        closer = _CLOSER.fullmatch(line)
        if closer:
            bare.setdefault(closer.group(1), []).append(index)
        elif line.startswith("#") and _CARD_HEADING.fullmatch(line):
            headings.append(index)
    found = Fences()
    after_block = start
    for index in indices:
        match = _OPENER.match(lines[index]) if index >= after_block else None
        if match is None:
            continue
        fence = match.group(1)
        closers = bare.get(fence, [])
        after = bisect_right(closers, index)
        close = closers[after] if after < len(closers) else None
        heading_at = bisect_right(headings, index)
        heading = headings[heading_at] if heading_at < len(headings) else len(lines)
        if close is None or close > heading:
            trailing = next(
                (
                    i
                    for i in range(index + 1, heading)
                    if lines[i].rstrip().endswith(fence) and lines[i].strip() != fence
                ),
                None,
            )
            if trailing is not None:
                close = trailing
                found.trailing[trailing] = fence
        if close is None:
            # Python-Markdown renders an unclosed fence as text, so it is no fence here either.
            found.unclosed.append((index, fence))
            continue
        found.code.update(range(index, close + 1))
        found.closes[index] = close
        after_block = close + 1
    return found


class MetaError(ValueError):
    """A card metadata line that starts like one but cannot be read."""


def parse_meta(line: str) -> dict[str, str] | None:
    """The ``key: value`` pairs of a metadata line; ``None`` if the line is not one.

    A comment is a metadata line when its first key is one of :data:`META_KEYS`, so other
    comments under a heading stay part of the card. Past that, a problem is a
    :class:`MetaError`.
    """
    match = _META_LINE.fullmatch(line.strip())
    if match is None:
        return None
    text = match.group(1).strip()
    first = _KEY.match(text)
    if first is None or first.group(1) not in META_KEYS:
        return None
    values: dict[str, str] = {}
    position = 0
    while position < len(text):
        key_match = _KEY.match(text, position)
        if key_match is None:
            raise MetaError(f"expected 'key: value' at {text[position:][:20]!r}")
        key, position = key_match.group(1), key_match.end()
        if key not in META_KEYS:
            raise MetaError(f"unknown key {key!r}; the keys are {', '.join(META_KEYS)}")
        if key in values:
            raise MetaError(f"{key!r} is given twice")
        if text.startswith('"', position):
            try:
                value, position = json.JSONDecoder().raw_decode(text, position)
            except json.JSONDecodeError as exc:
                raise MetaError(f"bad quoted value of {key!r}: {exc.msg}") from None
            rest = text[position:].lstrip()
            if rest and not rest.startswith("|"):
                raise MetaError(f"text after the quoted value of {key!r}; separate keys with |")
            position = len(text) - len(rest) + 1
        else:
            bar = text.find("|", position)
            end = len(text) if bar < 0 else bar
            value, position = text[position:end].strip(), end + 1
        values[key] = value
    return values


def _value(text: str) -> str:
    bare = text == text.strip() and not text.startswith('"') and not _NEEDS_QUOTES.search(text)
    if text and bare:
        return text
    # JSON, with ">" escaped so that the value can never end the comment early.
    return json.dumps(text, ensure_ascii=False).replace(">", "\\u003e")


def format_meta(values: Mapping[str, str]) -> str:
    """The metadata line for ``values`` (keys in :data:`META_KEYS` order)."""
    pairs = [f"{key}: {_value(values[key])}" for key in META_KEYS if key in values]
    return f"<!-- {' | '.join(pairs)} -->"


def wrap_verbatim(text: str) -> list[str]:
    """``text`` as a verbatim block: a tilde fence no line of it can close."""
    lines = text.split("\n")
    # No line may even end with the fence: fenced() may close a block there.
    fence = "~~~"
    while any(line.rstrip().endswith(fence) for line in lines):
        fence += "~"
    return [f"{fence} verbatim", *lines, fence]


def unwrap_verbatim(lines: Sequence[str], first: int, fences: Fences) -> str | None:
    """The field a verbatim block holds, if ``lines`` (from index ``first``) are just one."""
    if not lines or not _VERBATIM.fullmatch(lines[0].rstrip()):
        return None
    if fences.closes.get(first) != first + len(lines) - 1:
        return None
    return "\n".join(lines[1:-1])
