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
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "META_KEYS",
    "Fences",
    "MetaError",
    "fenced",
    "format_meta",
    "parse_meta",
    "unwrap_verbatim",
    "wrap_verbatim",
]

# Python-Markdown's fences: three or more backticks or tildes at the start of a line, closed
# by a line holding the same fence.
FENCE = re.compile(r"`{3,}|~{3,}")
_VERBATIM = re.compile(r"(`{3,}|~{3,})[ \t]*verbatim[ \t]*")
_META_LINE = re.compile(r"<!--(.*)-->")
_KEY = re.compile(r"\s*([a-z]+):[ \t]*")
META_KEYS = ("guid", "deck", "tags", "kind", "notetype", "cards", "format")
"""The keys of a card's metadata line, in the order the writer writes them."""
_NEEDS_QUOTES = re.compile(r'[|"\x00-\x1f\x7f]|-->')


@dataclass(frozen=True, slots=True)
class Fences:
    """Fenced code of a run of lines: which lines, each block's end, the fences never closed."""

    code: set[int] = field(default_factory=set)
    closes: dict[int, int] = field(default_factory=dict)
    """Index of an opening fence → index of the line closing it."""
    unclosed: list[tuple[int, str]] = field(default_factory=list)


def fenced(lines: Sequence[str], start: int = 0) -> Fences:
    """The fenced code of ``lines`` from ``start`` (fence lines included)."""
    bare: dict[str, list[int]] = {}
    for index in range(start, len(lines)):
        fence = lines[index].rstrip()
        if FENCE.fullmatch(fence):
            bare.setdefault(fence, []).append(index)
    found = Fences()
    index = start
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        closers = bare.get(match.group(0), [])
        after = bisect_right(closers, index)
        if after == len(closers):
            # Python-Markdown renders an unclosed fence as text, so it is no fence here either.
            found.unclosed.append((index, match.group(0)))
            index += 1
            continue
        found.code.update(range(index, closers[after] + 1))
        found.closes[index] = closers[after]
        index = closers[after] + 1
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
    taken = {line.rstrip() for line in lines}
    fence = "~~~"
    while fence in taken:
        fence += "~"
    return [f"{fence} verbatim", *lines, fence]


def unwrap_verbatim(lines: Sequence[str], first: int, fences: Fences) -> str | None:
    """The field a verbatim block holds, if ``lines`` (from index ``first``) are just one."""
    if not lines or not _VERBATIM.fullmatch(lines[0].rstrip()):
        return None
    if fences.closes.get(first) != first + len(lines) - 1:
        return None
    return "\n".join(lines[1:-1])
