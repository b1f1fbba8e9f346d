"""One self-contained HTML page showing every card of some packages, front and back.

Each side is rendered as Anki renders it (:mod:`ankipress.notetypes.cardrender`) and shown with its
note type's CSS, in deck order, with tags and the ``file:line`` it came from, a search box and
a night-mode switch.

Why sandboxed frames: a card's HTML is a stranger's (a shared package, an export with
``#html:true``), and Anki runs its scripts; the preview must not. Each side is an
``<iframe sandbox="allow-same-origin" srcdoc="…">``, a document of its own holding ``<body
class="card card1"><div id="qa">…</div></body>`` as Anki's reviewer holds a side (at night
the body also has ``nightMode night_mode``), so a template's ``body.card`` rules match: the
sandbox runs no script of the card (nor its ``onerror=``), lets it navigate nothing (no top
navigation, no forms, no pop-ups), and the frame's own Content-Security-Policy loads
nothing but ``data:`` media. ``allow-same-origin`` without ``allow-scripts`` lets only the
page's script reach in: it gives every frame its note type's CSS (each distinct CSS is on
the page once, not once per card), sizes it to its content, switches night mode, stops
links, and has MathJax typeset inside it. A frame is a document of its own, so CSS is
scoped both ways and ``id`` values may repeat across cards.

The page loads nothing from the network, which its Content-Security-Policy enforces (fields
may hold remote ``<img>``): media are embedded as ``data:`` URIs, and ``\\(…\\)`` formulas are
shown as their TeX source unless ``mathjax_url`` is given. The policy allows no script but
the page's own (by their hashes; and MathJax's origin when asked), and no connection.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ankipress import notetypes, rules
from ankipress.errors import WriteError
from ankipress.model import Diagnostic, NoteKind, NoteType, RenderedNote, Severity, SourceLocation
from ankipress.notetypes.cardrender import TemplateError, render_card, show_type_answer, strip_html
from ankipress.notetypes.cards import card_ords
from ankipress.render.offline import data_uris, embed_media, show_tex
from ankipress.writers.common import check_target

if TYPE_CHECKING:
    from ankipress.building.pipeline import PackagePlan


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """One card as the page shows it."""

    note: RenderedNote
    note_type: NoteType
    ord: int
    front: str
    back: str
    problem: str | None = None
    """What Anki would show instead of the card: ``blank card``, ``template error``."""

    @property
    def name(self) -> str:
        """The card's name as Anki's browser shows it: its template, or ``Cloze N``."""
        if self.note_type.cloze:
            return f"Cloze {self.ord + 1}"
        return self.note_type.templates[self.ord][0]


def note_type_of(
    plan: PackagePlan, note: RenderedNote, cache: dict[NoteKind, NoteType]
) -> NoteType:
    """The note type ``note`` is written with, as the package writer chooses it."""
    if note.kind is NoteKind.CUSTOM and note.notetype is not None:
        return note.notetype
    if note.kind is NoteKind.BASIC and plan.template is not None:
        return plan.template
    if note.kind not in cache:
        cache[note.kind] = notetypes.for_kind(note.kind)
    return cache[note.kind]


def _deck_key(deck: str) -> tuple[str, ...]:
    # Anki's deck list: parents before children, names compared without case.
    return tuple(part.casefold() for part in deck.split("::"))


def preview_cards(plan: PackagePlan) -> Iterator[PreviewCard]:
    """Every card of ``plan`` in deck order: decks as Anki lists them, then note order."""
    cache: dict[NoteKind, NoteType] = {}
    notes = sorted(plan.notes, key=lambda note: _deck_key(note.deck))  # stable: keeps note order
    for note in notes:
        note_type = note_type_of(plan, note, cache)
        for ord_ in card_ords(note):
            try:
                sides = render_card(note_type, note.fields, ord_, tags=note.tags, deck=note.deck)
            except TemplateError as exc:  # Anki shows its message on both sides instead
                message = f"<div>{html.escape(str(exc))}</div>"
                yield PreviewCard(note, note_type, ord_, message, message, "template error")
                continue
            shown = show_type_answer(sides, note_type, note.fields, ord_)
            problem = "blank card" if sides.blank else None
            yield PreviewCard(note, note_type, ord_, shown.question, shown.answer, problem)


def _read(name: str) -> str:
    return (
        resources.files("ankipress.notetypes.templates")
        .joinpath("preview", name)
        .read_text("utf-8")
    )


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _Page:
    """The parts of the page as it is put together: card HTML and each distinct CSS once."""

    def __init__(self, mathjax: bool) -> None:
        self.mathjax = mathjax
        self.css_ids: dict[str, str] = {}
        self.has_tex = False

    def css_id(self, css: str) -> str:
        return self.css_ids.setdefault(css, f"pv-css-{len(self.css_ids)}")

    def face(self, content: str, card: PreviewCard, uris: dict[str, str], side: str) -> str:
        content = embed_media(content, uris)
        if not self.mathjax:
            shown = show_tex(content)
            self.has_tex = self.has_tex or shown != content
            content = shown
        classes = f"card card{card.ord + 1}"
        document = (
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_attr(_FRAME_POLICY)}">'
            "<style>html,body{margin:0}</style></head>"
            f'<body class="{classes}"><div id="qa">{content}</div></body></html>'
        )
        return (
            f'<div class="pv-face" data-css="{self.css_id(card.note_type.css)}">'
            f'<iframe class="pv-frame" sandbox="allow-same-origin" title="{side}" '
            f'srcdoc="{_attr(document)}"></iframe></div>'
        )

    def card(self, card: PreviewCard, uris: dict[str, str]) -> str:
        note = card.note
        location = str(note.location)
        sides = (strip_html(card.front), strip_html(card.back))
        words = [*sides, *note.tags, note.deck, location, card.note_type.name]
        search = " ".join(" ".join(words).split()).lower()
        tags = "".join(f'<li class="pv-tag">{html.escape(tag)}</li>' for tag in note.tags)
        badge = f'<span class="pv-badge">{card.problem}</span>' if card.problem else ""
        return (
            f'<article class="pv-card{" pv-problem" if card.problem else ""}" '
            f'data-search="{_attr(search)}">'
            f'<p class="pv-card-head"><span class="pv-card-name">{html.escape(card.name)}</span>'
            f" {html.escape(card.note_type.name)}{badge}</p>"
            '<div class="pv-sides">'
            f'<section class="pv-side"><h4 class="pv-label">Front</h4>'
            f"{self.face(card.front, card, uris, 'Front')}</section>"
            f'<section class="pv-side"><h4 class="pv-label">Back</h4>'
            f"{self.face(card.back, card, uris, 'Back')}</section></div>"
            f'<footer class="pv-meta"><ul class="pv-tags">{tags}</ul>'
            f'<code class="pv-loc" title="source">{html.escape(location)}</code></footer>'
            "</article>"
        )

    def package(self, plan: PackagePlan, cards: list[PreviewCard]) -> str:
        uris = data_uris(plan.media)
        parts = [
            f'<section class="pv-package"><h2>{html.escape(plan.output.name)}'
            f' <span class="pv-count">{_plural(len(cards), "card")}</span></h2>',
            _diagnostics(plan.diagnostics),
        ]
        deck = None
        for card in cards:
            if card.note.deck != deck:
                if deck is not None:
                    parts.append("</section>")
                deck = card.note.deck
                count = sum(1 for c in cards if c.note.deck == deck)
                parts.append(
                    f'<section class="pv-deck"><h3>{html.escape(deck)}'
                    f' <span class="pv-count">{_plural(count, "card")}</span></h3>'
                )
            parts.append(self.card(card, uris))
        parts.append("</section></section>" if deck is not None else "</section>")
        return "".join(parts)


def _diagnostics(diagnostics: Sequence[Diagnostic]) -> str:
    shown = [d for d in diagnostics if d.severity in (Severity.ERROR, Severity.WARNING)]
    if not shown:
        return ""
    errors = sum(1 for d in shown if d.severity is Severity.ERROR)
    summary = ", ".join(
        text
        for count, text in (
            (errors, _plural(errors, "error")),
            (len(shown) - errors, _plural(len(shown) - errors, "warning")),
        )
        if count
    )
    items = "".join(f"<li>{html.escape(str(d))}</li>" for d in shown)
    return f'<details class="pv-problems"><summary>{summary}</summary><ul>{items}</ul></details>'


# A card's frame: its own styles and embedded media, nothing else (no script: the sandbox).
_FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src data:; "
    "font-src data:; form-action 'none'"
)


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _policy(scripts: Sequence[str], mathjax_url: str | None) -> str:
    """The page's Content-Security-Policy: its own scripts (by hash), no connection, nothing
    from the network but MathJax, if asked; the cards' frames inherit it."""
    script = " ".join(_hash(text) for text in scripts)
    font = "data:"
    if mathjax_url is not None:
        parts = urlsplit(mathjax_url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"
        script += f" {origin}"
        font += f" {origin}"  # MathJax's CHTML output loads its web fonts from beside itself
    return (
        f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; "
        f"img-src data:; media-src data:; font-src {font}; connect-src 'none'; "
        "frame-src 'none'; form-action 'none'; base-uri 'none'"
    )


def _mathjax_config() -> str:
    # MathJax typesets only when the page script tells it to: the cards are in frames,
    # which its default typesetting of document.body would not enter.
    return (
        "window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']], "
        "displayMath: [['\\\\[', '\\\\]']]}, svg: {fontCache: 'local'}, "
        "startup: {typeset: false, pageReady: () => "
        "MathJax.startup.defaultPageReady().then(() => window.ankipressTypeset())}};"
    )


def _mathjax_tags(mathjax_url: str) -> str:
    return (
        f'<script>{_mathjax_config()}</script>\n<script src="{_attr(mathjax_url)}" defer></script>'
    )


def render_page(plans: Sequence[PackagePlan], *, mathjax_url: str | None = None) -> str:
    """The preview page of ``plans`` as HTML text."""
    page = _Page(mathjax=mathjax_url is not None)
    per_plan = [list(preview_cards(plan)) for plan in plans]
    body = "".join(page.package(plan, cards) for plan, cards in zip(plans, per_plan, strict=True))
    cards = [card for cards in per_plan for card in cards]
    counts = [
        _plural(len(cards), "card"),
        _plural(sum(len(plan.notes) for plan in plans), "note"),
        _plural(sum(len({c.note.deck for c in cs}) for cs in per_plan), "deck"),
        _plural(len(plans), "package"),
    ]
    note = ""
    if page.has_tex:
        note = (
            '<p class="pv-note">Formulas are shown as their TeX source: this page loads nothing '
            "from the network. Anki typesets them with MathJax; to see them typeset here, build "
            "with <code>--math svg</code> or preview with <code>--mathjax-url</code>.</p>"
        )
    sheets = [("pv-css-base", _read("card-base.css"))] + [
        (css_id, css) for css, css_id in page.css_ids.items()
    ]
    styles = "\n".join(
        f'<script type="text/css" id="{css_id}">{_no_close(css, "script")}</script>'
        for css_id, css in sheets
    )
    title = "Preview: " + ", ".join(plan.output.name for plan in plans)
    script = _no_close(_read("preview.js"), "script")
    scripts = [script, _mathjax_config()] if mathjax_url is not None else [script]
    return Template(_read("page.html")).substitute(
        title=html.escape(title),
        policy=_attr(_policy(scripts, mathjax_url)),
        page_css=_no_close(_read("preview.css"), "style"),
        mathjax=_mathjax_tags(mathjax_url) if mathjax_url is not None else "",
        counts=" · ".join(counts),
        note=note,
        packages=body,
        stylesheets=styles,
        script=script,
    )


def _no_close(text: str, element: str) -> str:
    """``text`` safe inside ``<element>``: a ``</element`` in it would end the element."""
    return re.sub(f"</({element})", r"<\\/\1", text, flags=re.IGNORECASE)


def write_preview(
    plans: Sequence[PackagePlan], output: Path, *, mathjax_url: str | None = None
) -> None:
    """Write the preview page of ``plans`` to ``output``, atomically.

    With ``mathjax_url`` (the address of a MathJax 3 bundle, ``tex-svg.js``) the page loads it
    to typeset ``\\(…\\)`` formulas; without, the page makes no network request at all.
    """
    text = render_page(plans, mathjax_url=mathjax_url)
    temp: str | None = None
    try:
        check_target(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, output)
        temp = None
    except OSError as exc:
        diagnostic = Diagnostic(
            SourceLocation(str(output)),
            Severity.ERROR,
            f"cannot write the preview: {exc.strerror or exc}",
            rule=rules.WRITE_FAILED,
        )
        raise WriteError(str(diagnostic), [diagnostic]) from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
