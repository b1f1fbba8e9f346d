"""What the Obsidian readers share: Obsidian's own Markdown, and where its code is.

Obsidian notes are Markdown with a few additions that no Markdown renderer knows:
``[[note]]`` and ``[[note|text]]`` links (shown as their text: the note they point to is
not in the deck), ``#tags`` (Obsidian's, which become Anki tags where a plugin says so) and
``<!-- -->`` comments, which Obsidian hides. Code spans and fenced code are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

__all__ = [
    "code_lines",
    "outside_code",
    "pop_tags",
    "show_links",
]

_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1)[^\n])*?\1")
_LINK = re.compile(r"(?<!!)\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]*?))?\]\]")
# Obsidian's tags: '#' after white space or at the start, then a name that is not a number
# (#2 is not a tag); '/' nests them.
_TAG = re.compile(r"(?<![^\s(])#([\w/-]*[^\W\d][\w/-]*)")


def code_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of the lines of fenced code, fences included (an unclosed fence runs on)."""
    code: set[int] = set()
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                code.add(index)
            continue
        code.add(index)
        marker = match.group(1) if match else ""
        if (
            marker[:1] == fence[0]
            and len(marker) >= len(fence)
            and not line.strip(" \t" + fence[0])
        ):
            fence = None
    return code


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to every part that is not code (spans, fences)."""
    lines = text.split("\n")
    code = code_lines(lines)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            prose = "\n".join(run)
            pieces: list[str] = []
            position = 0
            for match in _CODE_SPAN.finditer(prose):
                pieces.append(change(prose[position : match.start()]))
                pieces.append(match.group(0))
                position = match.end()
            pieces.append(change(prose[position:]))
            out.append("".join(pieces))
            run.clear()

    for index, line in enumerate(lines):
        if index in code:
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    return "\n".join(out)


def _link_text(match: re.Match[str]) -> str:
    target, alias = match.group(1), match.group(2)
    if alias is not None and alias.strip():
        return alias.strip()
    # [[note#heading]] shows as "note > heading"; [[#heading]] as "heading".
    parts = [part.strip() for part in target.split("#") if part.strip()]
    return " > ".join(parts) if parts else target


def show_links(text: str) -> str:
    """``text`` with ``[[links]]`` (outside code) written as the text Obsidian shows."""
    if "[[" not in text:
        return text
    return outside_code(text, lambda prose: _LINK.sub(_link_text, prose))


def pop_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without its Obsidian ``#tags`` (outside code), and the tags as Anki's
    (``#a/b`` is ``a::b``)."""
    if "#" not in text:
        return text, ()
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group(1).strip("/").replace("/", "::"))
        return ""

    def strip_tags(prose: str) -> str:
        changed = _TAG.sub(take, prose)
        if changed == prose:
            return prose
        # Spaces a tag leaves at the end of a line are not content.
        return "\n".join(line.rstrip() for line in changed.split("\n"))

    stripped = outside_code(text, strip_tags)
    return stripped.strip(), tuple(dict.fromkeys(tag for tag in found if tag))
