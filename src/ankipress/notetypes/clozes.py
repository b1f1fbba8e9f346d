"""Anki's cloze deletions, as the engine reads and shows them (``rslib/src/cloze.rs``).

``{{c1::text}}`` and ``{{c1::text::hint}}``, several numbers in one (``{{c1,2::…}}``) and
deletions nested up to ten deep; a deletion never closed is dropped with its text, and a
stray ``}}`` stays text. Image occlusion is not ported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ankipress.render.math import MATH_PATTERN
from ankipress.textscan import strip_tags, sub_before_last

_MATHJAX = re.compile(r"(\\[(\[])(.*?)(\\[)\]])", re.IGNORECASE | re.DOTALL)
_MARK = re.compile(r"\{\{c([\d,]*)::|\}\}")


def _encode_attribute(text: str) -> str:
    # The engine's htmlescape::encode_attribute: every non-alphanumeric character below 256
    # as a hex reference, except the five with names.
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    out = []
    for char in text:
        if char in named:
            out.append(named[char])
        elif ord(char) < 256 and not (char.isascii() and char.isalnum()):
            out.append(f"&#x{ord(char):02X};")
        else:
            out.append(char)
    return "".join(out)


@dataclass(slots=True)
class _Cloze:
    ordinals: tuple[int, ...]
    nodes: list[str | _Cloze]
    hint: str | None = None


def _parse(text: str) -> list[str | _Cloze]:
    output: list[str | _Cloze] = []
    open_clozes: list[_Cloze] = []

    def add_text(chunk: str) -> None:
        if not chunk:
            return
        if open_clozes:
            if "::" in chunk:  # text after "::" in a deletion is its hint
                chunk, open_clozes[-1].hint = chunk.split("::", 1)
            open_clozes[-1].nodes.append(chunk)
        else:
            output.append(chunk)

    position = 0
    for match in _MARK.finditer(text):
        ordinals: tuple[int, ...] = ()
        if match.group(1) is not None:
            given = {int(n) for n in match.group(1).split(",") if n.isdigit() and int(n) < 65536}
            ordinals = tuple(sorted(given))
            if not ordinals:  # "{{c::" opens nothing: it is text
                continue
        add_text(text[position : match.start()])
        position = match.end()
        if ordinals:
            if len(open_clozes) < 10:  # the engine's nesting limit
                open_clozes.append(_Cloze(ordinals, []))
        elif open_clozes:
            cloze = open_clozes.pop()
            (open_clozes[-1].nodes if open_clozes else output).append(cloze)
        else:
            output.append("}}")
    add_text(text[position:])
    return output  # deletions never closed are dropped, as the engine drops them


def _reveal(cloze: _Cloze, number: int, question: bool, found: list[bool]) -> str:
    active = number in cloze.ordinals
    found[0] = found[0] or active
    inner = "".join(
        node if isinstance(node, str) else _reveal(node, number, question, found)
        for node in cloze.nodes
    )
    ordinals = ",".join(map(str, cloze.ordinals))
    if active and question:
        hint = cloze.hint if cloze.hint is not None else "..."
        return (
            f'<span class="cloze" data-cloze="{_encode_attribute(inner)}" '
            f'data-ordinal="{ordinals}">[{hint}]</span>'
        )
    css_class = "cloze" if active else "cloze-inactive"
    return f'<span class="{css_class}" data-ordinal="{ordinals}">{inner}</span>'


def reveal(text: str, number: int, question: bool) -> str:
    """The ``cloze:`` filter for card ``number`` (1-based); empty if it has no such deletion."""
    found = [False]
    out = "".join(
        node if isinstance(node, str) else _reveal(node, number, question, found)
        for node in _parse(text)
    )
    if not found[0]:
        return ""
    # Formulas in a cloze field lose their HTML, so a deletion inside one stays valid TeX.
    return sub_before_last(_MATHJAX, lambda m: m[1] + strip_tags(m[2]) + m[3], out, ("\\)", "\\]"))


def answers(text: str, number: int) -> list[str]:
    """The texts of the deletions numbered ``number``, as typed answers compare them."""
    found: list[str] = []

    def walk(nodes: Sequence[str | _Cloze]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                if number in node.ordinals:
                    found.append(_plain(node))
                walk(node.nodes)

    walk(_parse(text))
    return found


def _plain(cloze: _Cloze) -> str:
    """A deletion's text with the markers of deletions inside it removed."""
    return "".join(n if isinstance(n, str) else _plain(n) for n in cloze.nodes)


def _numbers(nodes: Sequence[str | _Cloze]) -> set[int]:
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, _Cloze):
            found.update(n for n in node.ordinals if n)
            found |= _numbers(node.nodes)
    return found


def numbers(text: str) -> set[int]:
    """The cloze numbers of ``text`` (``{{c1::…}}``, ``{{c1,2::…}}``, nested), as Anki counts."""
    return _numbers(_parse(text))


# Where a "}}" is not meant as the end of a deletion: inside a formula, code or a tag.
_NOT_PROSE = re.compile(
    r"(?P<math>\\\(.*?\\\)|\\\[.*?\\\])"
    r"|(?P<code><(?:code|pre)\b[^>]*>.*?</(?:code|pre)>)"
    r"|(?P<tag><[^>]*>)",
    re.IGNORECASE | re.DOTALL,
)
_OPENING_LIKE = re.compile(r"\{\{\s*[cC]\s*[\d,]*\s*:")
_OPENING = re.compile(r"\{\{c\d+(?:,\d+)*::")
_BRACES = re.compile(r"\{\{|\}\}")
_WHERE = {"math": "a formula", "code": "code", "tag": "an HTML tag"}


def _shown(text: str, at: int) -> str:
    start, end = max(0, at - 25), min(len(text), at + 25)
    shown = text[start:end].replace("\n", " ")
    return "'" + ("…" if start else "") + shown + ("…" if end < len(text) else "") + "'"


def misreadings(text: str) -> list[str]:
    """What Anki will read differently from the author in a cloze field's HTML.

    A ``}}`` inside a formula, code or a tag that ends a deletion (Anki ends one at the first
    ``}}``); a ``{{``…``}}`` of prose inside a deletion, whose ``}}`` ends it; a ``{{`` shaped
    like a deletion that Anki does not take for one; a deletion never closed (dropped with
    its text).
    """
    if "{{" not in text and "}}" not in text:
        return []
    spans = [(m.start(), m.end(), m.lastgroup or "") for m in _NOT_PROSE.finditer(text)]
    # Formulas left as written (--math none, HTML sources): "$…$", "$$…$$" too.
    spans += [(*m.span("math"), "math") for m in MATH_PATTERN.finditer(text) if "$" in m[0][:2]]

    def inside(at: int) -> str | None:
        return next((_WHERE[kind] for start, end, kind in spans if start < at < end), None)

    found: list[str] = []
    open_stray: list[int] = []  # per open deletion: "{{" of prose opened inside it
    for match in _BRACES.finditer(text):
        at = match.start()
        if match.group() == "{{":
            if _OPENING.match(text, at):
                open_stray.append(0)
            elif _OPENING_LIKE.match(text, at):
                found.append(
                    f"{_shown(text, at)}: Anki takes this for no cloze deletion and shows it "
                    "as written; a deletion is written {{c1::text}}"
                )
            elif open_stray and inside(at) is None:
                open_stray[-1] += 1
            continue
        if not open_stray:
            continue
        where = inside(at)
        if where is not None:
            fix = "a space between the braces, } }" if where == "a formula" else "&#125;&#125;"
            found.append(
                f"{_shown(text, at)}: this '}}}}' in {where} ends the cloze deletion early "
                f"in Anki; write {fix}"
            )
        elif open_stray[-1]:
            found.append(
                f"{_shown(text, at)}: Anki ends the cloze deletion at this '}}}}', not the "
                "'{{' of the text; write &#123;&#123; and &#125;&#125; in it"
            )
            open_stray[-1] = 0
        open_stray.pop()
    if open_stray:
        found.append(
            "a cloze deletion is never closed: Anki drops it and all its text; end it with '}}'"
        )
    return found
