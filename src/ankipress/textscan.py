"""Scans of user text in linear time, where the obvious regular expression is quadratic.

Python's ``re`` tries a pattern at every position in turn. A pattern like ``<.*?>`` or
``\\\\(.*?\\\\)`` that starts at an opener and runs to a closer scans to the end of the text
from every opener that has no closer after it: ten thousand ``<`` in a field cost a hundred
million steps, and a field may hold a million characters. Anki's own scans (Rust's
``regex``) run in one pass and do not have the problem.

The cure used here: an opener can only match if a closer follows it, so each scan first
finds where the last closer is, and matches only up to it; past it, nothing can match, and
before it, every attempt succeeds and consumes what it scanned. Where an opener has several
closers (``\\\\(`` … ``\\\\)`` and ``\\\\[`` … ``\\\\]``), :func:`lazy_spans` finds the spans
one by one with the same guarantee.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

__all__ = [
    "lazy_spans",
    "line_search",
    "line_sub",
    "strip_tags",
    "sub_before_last",
]

_STYLE = re.compile(r"<style", re.IGNORECASE)
_SCRIPT = re.compile(r"<script", re.IGNORECASE)
_STYLE_END = re.compile(r"</style>", re.IGNORECASE)
_SCRIPT_END = re.compile(r"</script>", re.IGNORECASE)


def _last(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of a literal ``pattern`` starts; -1 if none."""
    last = -1
    for match in pattern.finditer(text):
        last = match.start()
    return last


def sub_before_last(
    pattern: re.Pattern[str],
    replacement: str | Callable[[re.Match[str]], str],
    text: str,
    closer: str | tuple[str, ...],
) -> str:
    """``pattern.sub(replacement, text)`` for a pattern whose every match ends in ``closer``
    (a ``<[^>]*>``, an ``\\{\\{(.*?)\\}\\}``; or one of several closers): the text after
    the last closer is left as it is, since no match can lie there, and before it no attempt
    fails after a long scan."""
    closers = (closer,) if isinstance(closer, str) else closer
    end = max(text.rfind(one) + len(one) if one in text else -1 for one in closers)
    if end < 0:
        return text
    return pattern.sub(replacement, text[:end]) + text[end:]


def strip_tags(text: str) -> str:
    """``text`` without comments, styles, scripts and tags, as Anki's ``strip_html`` removes
    them (its pattern ``<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>``,
    case-insensitive, matched leftmost first), in linear time."""
    last_gt = text.rfind(">")
    if last_gt < 0 or "<" not in text:
        return text
    last_comment = text.rfind("-->")
    last_style = _last(_STYLE_END, text) if _STYLE.search(text) else -1
    last_script = _last(_SCRIPT_END, text) if _SCRIPT.search(text) else -1
    out: list[str] = []
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0 or start > last_gt:
            break  # no ">" after it: neither this "<" nor a later one starts a match
        out.append(text[position:start])
        end = -1
        if text.startswith("<!--", start) and last_comment >= start + 4:
            end = text.find("-->", start + 4) + 3
        else:
            for opener, closer, last in (
                (_STYLE, _STYLE_END, last_style),
                (_SCRIPT, _SCRIPT_END, last_script),
            ):
                opened = opener.match(text, start) if last >= 0 else None
                if opened is not None:
                    gt = text.find(">", opened.end())
                    if gt >= 0 and last > gt:
                        found = closer.search(text, gt + 1)
                        assert found is not None  # the last one lies after gt
                        end = found.end()
                    break
        if end < 0:
            end = text.find(">", start + 1) + 1
        position = end
    out.append(text[position:])
    return "".join(out)


def lazy_spans(text: str, kinds: Sequence[tuple[str, str]]) -> Iterator[tuple[int, int, int]]:
    """The spans ``(start, end, kind)`` that ``opener(.*?)closer`` finds in ``text`` (DOTALL,
    the kinds as alternatives in order, leftmost first, not overlapping), in linear time.

    ``kinds`` holds literal ``(opener, closer)`` pairs, e.g. ``[("\\\\(", "\\\\)")]``.
    """
    openers = re.compile("|".join(f"({re.escape(opener)})" for opener, _ in kinds))
    last = [text.rfind(closer) for _, closer in kinds]
    position = 0
    while True:
        match = openers.search(text, position)
        if match is None:
            return
        kind = (match.lastindex or 1) - 1
        closer = kinds[kind][1]
        if last[kind] < match.end():
            # No closer after this opener: it is text; the next opener may be another kind.
            position = match.start() + 1
            continue
        end = text.find(closer, match.end()) + len(closer)
        yield match.start(), end, kind
        position = end


def line_search(pattern: re.Pattern[str], text: str, closer: str) -> re.Match[str] | None:
    """``pattern.search(text)`` for a pattern that ends in ``closer`` and does not cross a
    line break (``\\[\\[type:(.+?)\\]\\]``): each line is searched only up to its last
    ``closer``."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        cut = text.rfind(closer, start, end)
        if cut >= 0:
            match = pattern.search(text, start, cut + len(closer))
            if match is not None:
                return match
        start = end + 1
    return None


def line_sub(
    pattern: re.Pattern[str],
    replacement: str | Callable[[re.Match[str]], str],
    text: str,
    closer: str,
) -> str:
    """``pattern.sub(replacement, text)`` for a pattern as :func:`line_search` takes."""
    return "\n".join(
        sub_before_last(pattern, replacement, line, closer) for line in text.split("\n")
    )
