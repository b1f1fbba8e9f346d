"""Anki's card templates rendered as Anki renders them, for previews without Anki.

A port of the engine's own rules (``rslib/src/template.rs``, ``template_filters.rs`` and
``cloze.rs``), kept small: :func:`render_card` returns exactly what ``card.question()`` and
``card.answer()`` return for a note imported from our package, and the tests compare the two
for every kind of note. :func:`show_type_answer` then does what Anki's reviewer does to a
``{{type:Field}}`` with nothing typed yet.

What is ported: ``{{Field}}``, ``{{#Field}}``/``{{^Field}}``/``{{/Field}}`` (a field is empty
when it holds only white space, ``<br>`` and ``<div>``), ``<!-- comments -->`` left untouched,
the special fields (``FrontSide``, ``Tags``, ``Type``, ``Deck``, ``Subdeck``, ``Card``,
``CardFlag``, ``c1``…), and the filters ``text``, ``type`` and ``cloze`` (nested and
multi-number deletions, hints). Not ported: ``hint``, ``furigana`` and ``tts`` filters, image
occlusion, sound tags, and the legacy ``{{=<% %>=}}`` syntax; an unknown filter stops the filter
chain, as in Anki when no add-on handles it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ankipress.notetypes import NoteType

# genanki's default field font, which our writer keeps: Anki's reviewer styles the type-in
# box and the comparison with the font of the field the answer is typed for.
TYPE_ANSWER_FONT = "Liberation Sans"
TYPE_ANSWER_SIZE = 20


class TemplateError(ValueError):
    """A template Anki would refuse to render: unbalanced sections or an unknown field."""


@dataclass(frozen=True, slots=True)
class CardSides:
    """The two sides of one card, as HTML."""

    question: str
    answer: str


# A handlebar ends at the first "}}"; a comment is one token, so "{{Field}}" inside it stays.
_TOKEN = re.compile(r"\{\{(.*?)\}\}|<!--.*?-->", re.DOTALL)
_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(
    r"<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>", re.IGNORECASE | re.DOTALL
)
_MATHJAX = re.compile(r"(\\[(\[])(.*?)(\\[)\]])", re.IGNORECASE | re.DOTALL)
_CLOZE_MARK = re.compile(r"\{\{c([\d,]*)::|\}\}")
_TYPE_ANSWER = re.compile(r"\[\[type:(.+?)\]\]")

# A parsed template: text, or (kind, key, filters or children); kind is "field", "#" or "^".
_Node = str | tuple[str, str, tuple[str, ...]] | tuple[str, str, list["_Node"]]


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[str, list[_Node]]] = [("", root)]
    position = 0
    for match in _TOKEN.finditer(template):
        nodes = stack[-1][1]
        if match.start() > position:
            nodes.append(template[position : match.start()])
        position = match.end()
        if match.group(1) is None:  # a comment: kept as it is, handlebars and all
            nodes.append(match.group(0))
            continue
        inner = match.group(1).lstrip("{").strip()
        if len(inner) >= 2 and inner[0] in "#^":
            children: list[_Node] = []
            nodes.append((inner[0], inner[1:].lstrip(), children))
            stack.append((inner[1:].lstrip(), children))
        elif len(inner) >= 2 and inner[0] == "/":
            if len(stack) == 1 or stack[-1][0] != inner[1:].lstrip():
                raise TemplateError(f"{{{{{inner}}}}} closes a section that is not open")
            stack.pop()
        else:
            *filters, key = inner.split(":")
            nodes.append(("field", key, tuple(reversed(filters))))
    if len(stack) > 1:
        raise TemplateError(f"{{{{#{stack[-1][0]}}}}} is never closed")
    if position < len(template):
        root.append(template[position:])
    return root


def field_is_empty(text: str) -> bool:
    """Whether Anki treats a field as empty: only white space, ``<br>`` and ``<div>`` tags."""
    return _EMPTY_FIELD.match(text) is not None


def strip_html(text: str) -> str:
    """Anki's ``text:`` filter: tags, comments, styles and scripts removed, entities decoded."""
    return html.unescape(_HTML.sub("", text)).replace("\xa0", " ")


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


def _parse_clozes(text: str) -> list[str | _Cloze]:
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
    for match in _CLOZE_MARK.finditer(text):
        ordinals: tuple[int, ...] = ()
        if match.group(1) is not None:
            numbers = {int(n) for n in match.group(1).split(",") if n.isdigit() and int(n) < 65536}
            ordinals = tuple(sorted(numbers))
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


def reveal_cloze(text: str, number: int, question: bool) -> str:
    """The ``cloze:`` filter for card ``number`` (1-based); empty if it has no such deletion."""
    found = [False]
    out = "".join(
        node if isinstance(node, str) else _reveal(node, number, question, found)
        for node in _parse_clozes(text)
    )
    if not found[0]:
        return ""
    # Formulas in a cloze field lose their HTML, so a deletion inside one stays valid TeX.
    return _MATHJAX.sub(lambda m: m[1] + _HTML.sub("", m[2]) + m[3], out)


def _cloze_answers(text: str, number: int) -> list[str]:
    """The texts of the deletions numbered ``number``, as typed answers compare them."""
    found: list[str] = []

    def walk(nodes: Sequence[str | _Cloze]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                if number in node.ordinals:
                    found.append(reveal_cloze_plain(node))
                walk(node.nodes)

    walk(_parse_clozes(text))
    return found


def reveal_cloze_plain(cloze: _Cloze) -> str:
    """A deletion's text with the markers of deletions inside it removed."""
    return "".join(n if isinstance(n, str) else reveal_cloze_plain(n) for n in cloze.nodes)


@dataclass(frozen=True, slots=True)
class _Context:
    fields: Mapping[str, str]
    nonempty: frozenset[str]
    number: int
    frontside: str | None


def _apply_filters(text: str, key: str, filters: tuple[str, ...], context: _Context) -> str:
    if filters[-1:] == ("type",):
        prefix = {("cloze", "type"): "cloze:", ("nc", "type"): "nc:"}.get(filters, "")
        return f"[[type:{prefix}{key}]]"
    for name in filters:
        if name == "text":
            text = strip_html(text)
        elif name == "cloze":
            text = reveal_cloze(text, context.number, question=context.frontside is None)
        elif name != "":
            break  # an add-on's filter: Anki hands it and all after it to Python hooks
    return text


def _render(nodes: Sequence[_Node], context: _Context, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        kind, key, rest = node
        if kind == "field":
            assert isinstance(rest, tuple)
            if key == "FrontSide":
                out.append(context.frontside or "")
            elif key == "" and rest:
                pass  # "{{filter:}}" asks an add-on's filter for text of its own
            elif key not in context.fields:
                raise TemplateError(f"unknown field {{{{{key}}}}}")
            else:
                out.append(_apply_filters(context.fields[key], key, rest, context))
            continue
        assert isinstance(rest, list)
        is_cloze_number = re.fullmatch(r"c\d+", key) is not None
        if key not in context.fields and not is_cloze_number:
            raise TemplateError(f"unknown field {{{{{kind}{key}}}}}")
        shown = (key in context.nonempty) != (kind == "^")
        _render(rest, context, out if shown else [])  # rendered either way, for its errors


def render_card(
    note_type: NoteType,
    fields: Sequence[str],
    ord_: int,
    *,
    tags: Sequence[str] = (),
    deck: str = "Default",
) -> CardSides:
    """Card ``ord_`` (0-based; a cloze number minus one) of a note, as Anki renders it.

    The result equals the engine's ``card.question()`` and ``card.answer()`` without their
    ``<style>`` element: ``{{type:…}}`` is left as Anki's ``[[type:…]]`` marker, for
    :func:`show_type_answer`.
    """
    template = note_type.templates[0 if note_type.cloze else ord_]
    values: dict[str, str] = {
        "Tags": " ".join(tags),
        "Type": note_type.name,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "Deck": deck,
        "CardFlag": "flag0",
        "Card": template[0],
        "CardID": "",
        f"c{ord_ + 1}": "1",
    }
    values.update(zip(note_type.fields, fields, strict=True))  # note fields win, as in Anki
    nonempty = frozenset(name for name, value in values.items() if not field_is_empty(value))
    question: list[str] = []
    _render(_parse(template[1]), _Context(values, nonempty, ord_ + 1, None), question)
    answer: list[str] = []
    front = "".join(question)
    _render(_parse(template[2]), _Context(values, nonempty, ord_ + 1, front), answer)
    return CardSides(front, "".join(answer))


def _encode_minimal(text: str) -> str:
    return html.escape(text, quote=True).replace("&#x27;", "&#x27;")


def _expected(note_type: NoteType, fields: Sequence[str], spec: str, ord_: int) -> str | None:
    """What ``[[type:spec]]`` asks for: ``None`` for no such field, else the text (may be empty)."""
    name = spec.split(":")[-1]
    if name not in note_type.fields:
        return None
    value = fields[note_type.fields.index(name)]
    if spec.startswith("cloze:"):
        answers = _cloze_answers(value, ord_ + 1)
        value = answers[0] if len(set(answers)) == 1 else ", ".join(answers)
    return value


def show_type_answer(
    sides: CardSides, note_type: NoteType, fields: Sequence[str], ord_: int
) -> CardSides:
    """The sides as Anki's reviewer shows them before anything is typed.

    The front gets Anki's ``<input id="typeans">``; the back gets the comparison area, which
    with nothing typed shows the expected answer (``<code id=typeans>…</code>``), as the
    engine's ``compare_answer(expected, "")`` writes it.
    """
    match = _TYPE_ANSWER.search(sides.question)
    if match is None:
        return sides
    expected = _expected(note_type, fields, match[1], ord_)
    if expected is None:
        warning = f"Type answer: unknown field {match[1]}"
        return CardSides(_TYPE_ANSWER.sub(warning, sides.question), sides.answer)
    if not expected:
        return CardSides(_TYPE_ANSWER.sub("", sides.question), _TYPE_ANSWER.sub("", sides.answer))
    style = f"font-family: '{TYPE_ANSWER_FONT}'; font-size: {TYPE_ANSWER_SIZE}px"
    box = f'\n<center>\n<input type=text id=typeans\n   style="{style};">\n</center>\n'
    front = _TYPE_ANSWER.sub(lambda _: box, sides.question)
    answer = sides.answer.replace("<hr id=answer>", "")
    had_rule = answer != sides.answer
    if had_rule and not _TYPE_ANSWER.search(answer):
        return CardSides(front, sides.answer)
    # The engine's strip_expected: line breaks become spaces, HTML goes, ends are trimmed.
    flat = re.sub(r"(?:\n|<br\s?/?>|</?div>)+", " ", expected, flags=re.IGNORECASE)
    compared = f"<code id=typeans>{_encode_minimal(strip_html(flat).strip())}</code>"
    area = f'\n<div style="{style}">{compared}</div>'
    if had_rule:  # Anki moves the rule above the comparison when the back repeats the front
        area = f"<hr id=answer>{area}"
    return CardSides(front, _TYPE_ANSWER.sub(lambda _: area, answer))
