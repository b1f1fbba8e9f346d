"""Anki's card templates rendered as Anki renders them, for previews without Anki.

A small port of the engine's own rules (``rslib/src/template.rs``, ``template_filters.rs``;
cloze deletions are in :mod:`ankipress.notetypes.clozes`): :func:`render_card` returns exactly what
``card.question()`` and ``card.answer()`` return for a note imported from our package, and the
tests compare the two for every kind of note. :func:`show_type_answer` then does what Anki's
reviewer does to a ``{{type:Field}}`` before anything is typed.

Ported: ``{{Field}}``, ``{{#Field}}``/``{{^Field}}``/``{{/Field}}`` (a field is empty when it
holds only white space, ``<br>`` and ``<div>``), ``<!-- comments -->`` left untouched, the
special fields (``FrontSide``, ``Tags``, ``Type``, ``Deck``, ``Subdeck``, ``Card``,
``CardFlag``, ``c1``…), the filters ``text``, ``type``, ``cloze``, ``furigana``, ``kanji`` and
``kana``, and Anki's message for a blank card. Not ported: the ``hint`` and ``tts`` filters,
image occlusion, sound tags and the legacy ``{{=<% %>=}}`` syntax; an unknown filter ends the
filter chain, as in Anki when no add-on handles it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ankipress.model import NoteType
from ankipress.notetypes import clozes as cloze
from ankipress.textscan import lazy_spans, line_search, line_sub, strip_tags

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
    blank: bool = False
    """Anki would show its "blank card" message: a cloze number with no deletion, or a front
    whose template renders no non-empty field."""


# A handlebar ends at the first "}}"; a comment is one token, so "{{Field}}" inside it stays.
_TOKENS = (("{{", "}}"), ("<!--", "-->"))  # r"\{\{(.*?)\}\}|<!--.*?-->", DOTALL
_EMPTY_FIELD = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.IGNORECASE | re.DOTALL)
_EMPTY_CARDS = "Please either add a cloze deletion, or use the Empty Cards tool."
_TYPE_ANSWER = re.compile(r"\[\[type:(.+?)\]\]")
# Japanese readings, "漢字[かんじ]"; a "[sound:…]" tag is left alone.
_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")


def _ruby(show: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if match[2].startswith("sound:"):
            return match[0]
        if show == "furigana":
            return f"<ruby><rb>{match[1]}</rb><rt>{match[2]}</rt></ruby>"
        return match[1] if show == "kanji" else match[2]

    return replace


_RUBY = {name: _ruby(name) for name in ("furigana", "kanji", "kana")}

# A parsed template: text, or (kind, key, filters or children); kind is "field", "#" or "^".
_Node = str | tuple[str, str, tuple[str, ...]] | tuple[str, str, list["_Node"]]


def _parse(template: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[str, list[_Node]]] = [("", root)]
    position = 0
    # The pattern's matches, found in linear time: "{{" repeated in a template costs no more.
    for start, end, kind in lazy_spans(template, _TOKENS):
        nodes = stack[-1][1]
        if start > position:
            nodes.append(template[position:start])
        position = end
        if kind == 1:  # a comment: kept as it is, handlebars and all
            nodes.append(template[start:end])
            continue
        inner = template[start + 2 : end - 2].lstrip("{").strip()
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
    return html.unescape(strip_tags(text)).replace("\xa0", " ")


@dataclass(frozen=True, slots=True)
class _Context:
    fields: Mapping[str, str]
    nonempty: frozenset[str]
    number: int
    frontside: str | None


def _apply_filters(text: str, key: str, filters: tuple[str, ...], context: _Context) -> str:
    if filters[-1:] == ("type",):
        prefix = {"cloze": "cloze:", "nc": "nc:"}.get(filters[0], "") if len(filters) == 2 else ""
        return f"[[type:{prefix}{key}]]"
    for name in filters:
        if name == "text":
            text = strip_html(text)
        elif name == "cloze":
            text = cloze.reveal(text, context.number, question=context.frontside is None)
        elif name in _RUBY:
            text = _FURIGANA.sub(_RUBY[name], text.replace("&nbsp;", " "))
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


def _renders_nothing(nodes: Sequence[_Node], nonempty: frozenset[str]) -> bool:
    """The engine's template_is_empty: no field reached with text in it."""
    for node in nodes:
        if isinstance(node, str):
            continue
        kind, key, rest = node
        if kind == "field":
            if key in nonempty:
                return False
        elif (
            (key in nonempty) == (kind == "#")
            and isinstance(rest, list)
            and not _renders_nothing(rest, nonempty)
        ):
            return False
    return True


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
    front_nodes = _parse(template[1])
    _render(front_nodes, _Context(values, nonempty, ord_ + 1, None), question)
    front = "".join(question)
    if note_type.cloze:
        numbers = set().union(*(cloze.numbers(value) for value in values.values()))
        blank = ord_ + 1 not in numbers
        message = f"No cloze {ord_ + 1} found on card.\n{_EMPTY_CARDS}"
    else:
        blank = _renders_nothing(front_nodes, nonempty)
        message = "The front of this card is blank."
    if blank:  # Anki's message, without its link to the manual: a preview stays offline
        return CardSides(f"{front}<div>{message}</div>", f"<div>{message}</div>", blank=True)
    answer: list[str] = []
    _render(_parse(template[2]), _Context(values, nonempty, ord_ + 1, front), answer)
    return CardSides(front, "".join(answer))


def _expected(
    note_type: NoteType, fields: Sequence[str], spec: str, ord_: int
) -> tuple[str, str | None]:
    """The field ``[[type:spec]]`` names, and the answer in it (``None``: no such field)."""
    is_cloze = spec.startswith("cloze:")
    name = spec.split(":")[1] if is_cloze else spec
    if name.startswith("nc:"):
        name = name.split(":")[1]
    if name not in note_type.fields:
        return name, None
    value = fields[note_type.fields.index(name)]
    if is_cloze:  # the engine's extract_cloze_for_typing
        answers = cloze.answers(value, ord_ + 1)
        value = answers[0] if len(set(answers)) == 1 else ", ".join(answers)
        return name, value or None
    return name, value


def show_type_answer(
    sides: CardSides, note_type: NoteType, fields: Sequence[str], ord_: int
) -> CardSides:
    """The sides as Anki's reviewer shows them before anything is typed.

    The front gets Anki's ``<input id="typeans">``; the back gets the comparison area, which
    with nothing typed shows the expected answer (``<code id=typeans>…</code>``), as the
    engine's ``compare_answer(expected, "")`` writes it.
    """
    match = line_search(_TYPE_ANSWER, sides.question, "]]")
    if match is None:
        return sides
    name, expected = _expected(note_type, fields, match[1], ord_)
    if not expected:
        # Anki's reviewer: a warning on the front for a field it cannot find, nothing for an
        # empty one; the back loses the marker either way.
        warning = "" if expected == "" else f"Type answer: unknown field {name}"
        front = line_sub(_TYPE_ANSWER, lambda _: warning, sides.question, "]]")
        return CardSides(front, line_sub(_TYPE_ANSWER, "", sides.answer, "]]"))
    style = f"font-family: '{TYPE_ANSWER_FONT}'; font-size: {TYPE_ANSWER_SIZE}px"
    box = f'\n<center>\n<input type=text id=typeans\n   style="{style};">\n</center>\n'
    front = line_sub(_TYPE_ANSWER, lambda _: box, sides.question, "]]")
    answer = sides.answer.replace("<hr id=answer>", "")
    had_rule = answer != sides.answer
    if had_rule and not line_search(_TYPE_ANSWER, answer, "]]"):
        return CardSides(front, sides.answer)
    # The engine's strip_expected: line breaks become spaces, HTML goes, ends are trimmed.
    flat = re.sub(r"(?:\n|<br\s?/?>|</?div>)+", " ", expected, flags=re.IGNORECASE)
    compared = f"<code id=typeans>{html.escape(strip_html(flat).strip())}</code>"
    area = f'\n<div style="{style}">{compared}</div>'
    if had_rule:  # Anki moves the rule above the comparison when the back repeats the front
        area = f"<hr id=answer>{area}"
    return CardSides(front, line_sub(_TYPE_ANSWER, lambda _: area, answer, "]]"))
