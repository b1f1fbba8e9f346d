"""Active content in card HTML: found and listed, or removed with ``--sanitize``.

Anki shows a card in a web view that runs scripts, so HTML from a stranger's deck (an
Anki package, an export with ``#html:true``, Markdown with ``--allow-html``) can run code
on every review. ankipress never adds any: plain text is escaped, and Markdown escapes raw
HTML unless ``--allow-html``. What the sources bring is kept, as Anki would keep it, but
listed in a warning; ``--sanitize`` removes it with nh3 (the Rust ``ammonia`` sanitizer).

Active content is a ``<script>``, a frame or an embedded object (``<iframe>``,
``<object>``, ``<embed>`` …), tags that change where the page goes or loads from
(``<base>``, ``<meta>``, ``<link>``, ``<form>``), any ``on…=`` event handler attribute,
``srcdoc``, and a ``javascript:``/``vbscript:`` address (also written with character
references or control characters, as browsers read it), or a ``data:`` address outside
pictures and sounds.

The screen parses as a browser does (lexbor, an HTML5 parser: comments, ``<svg>`` and
``<math>`` content, raw text and broken markup as Chromium reads them). With ``--sanitize``
every HTML field goes through nh3, whatever the screen found, and what nh3 removes is
said; carried-over note types' card templates are rewritten where the screen finds active
content, and their CSS where a ``</style>`` in it would end the style sheet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any

from ankipress import rules
from ankipress.model import Diagnostic, NoteKind, NoteType, RenderedNote, Severity, TextFormat

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser

__all__ = [
    "NoteScreen",
    "active_content",
    "css_problems",
    "sanitize_css",
    "sanitize_html",
    "screen_notes",
]

_STYLE_END = re.compile(r"</style", re.IGNORECASE)

_ACTIVE_TAGS = frozenset(
    (
        *("script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal"),
        *("base", "meta", "link", "form"),
        # Parsed as text where scripts run (Anki's card view) but as markup where they do not
        # (our parser): what hides in one, shows in the other. A template's content is
        # parsed into a fragment of its own, which a declarative shadow root could show.
        *("noscript", "template"),
    )
)
_URL_ATTRIBUTES = frozenset(
    (
        *("href", "src", "action", "formaction", "xlink:href", "data", "poster"),
        *("background", "lowsrc", "dynsrc", "codebase", "cite", "ping"),
    )
)
# SVG animation that sets an address: <set attributeName="href" to="javascript:…">.
_ANIMATION_TAGS = frozenset(("animate", "set", "animatemotion", "animatetransform"))
_ANIMATION_VALUES = frozenset(("to", "from", "by", "values"))
_MEDIA_TAGS = frozenset(("img", "audio", "video", "source", "track", "image"))
# Browsers drop these anywhere in a URL, so "java\tscript:" is still a script address.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_URL_BREAKS = {9: None, 10: None, 13: None}
# A cheap test before parsing: no field without one of these can hold active content.
_SUSPECT = re.compile(
    r"script|frame|object|embed|applet|portal|<base|<meta|<link|<form|noscript|template"
    r"|\bon[a-z]+|srcdoc|data\s*:|&#|&colon|&tab|&newline|<(?:animate|set)\b",
    re.IGNORECASE,
)

# _SUSPECT on ASCII text, as substrings and small patterns of the text in lower case (on
# ASCII, IGNORECASE is just that; the \b before "on" is "no word character before").
_SUSPECT_WORDS = (
    *("script", "frame", "object", "embed", "applet", "portal", "<base", "<meta", "<link"),
    *("<form", "template", "srcdoc", "&#", "&colon", "&tab", "&newline"),
)
_SUSPECT_ON = re.compile(r"o(?<![a-z0-9_]o)n[a-z]")
_SUSPECT_DATA = re.compile(r"data\s*:")
_SUSPECT_ANIMATION = re.compile(r"<(?:animate|set)\b")


def _suspect(html: str) -> bool:
    """Whether :data:`_SUSPECT` finds anything in ``html`` (with tabs and line breaks gone)."""
    if "\t" in html or "\n" in html or "\r" in html:
        html = html.translate(_URL_BREAKS)
    if not html.isascii():
        # Case folding outside ASCII has its surprises (U+017F is an "s"): the pattern.
        return _SUSPECT.search(html) is not None
    # _SUSPECT's many branches, case-insensitive, try every character of the field: words
    # searched for one at a time are many times faster.
    low = html.lower()
    for word in _SUSPECT_WORDS:
        if word in low:
            return True
    return (
        ("on" in low and _SUSPECT_ON.search(low) is not None)
        or ("data" in low and _SUSPECT_DATA.search(low) is not None)
        or (("<animate" in low or "<set" in low) and _SUSPECT_ANIMATION.search(low) is not None)
    )


_GENERIC = {"class", "style", "title", "dir", "lang", "id", "align"}


@cache
def _nh3() -> tuple[Any, set[str], dict[str, set[str]]]:
    """nh3, and what a card needs: its defaults, media, Anki's <font>, the attributes of
    layout. Loaded by the first --sanitize, not by every build."""
    import nh3

    tags = nh3.ALLOWED_TAGS | {"audio", "video", "source", "track", "font"}
    attributes: dict[str, set[str]] = {
        **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
        "*": _GENERIC,
        "font": {"color", "face", "size"},
        "audio": {"src", "controls", "loop", "muted", "preload"},
        "video": {"src", "controls", "loop", "muted", "preload", "poster", "width", "height"},
        "source": {"src", "type"},
        "track": {"src", "kind", "srclang", "label"},
    }
    return nh3, tags, attributes


def _parse(html: str) -> LexborHTMLParser:
    # selectolax is loaded by the first field that needs parsing, not by every build.
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(html, is_fragment=True)


# Addresses a card may link to or load: the web, mail and phone, and data: for pictures.
_SCHEMES = {"http", "https", "ftp", "mailto", "tel", "data"}


def _url_problem(tag: str, value: str) -> str | None:
    """Why an address is active (``javascript:``), or ``None``."""
    url = _URL_NOISE.sub("", value).lower()
    for scheme in ("javascript:", "vbscript:"):
        if url.startswith(scheme):
            return scheme
    if url.startswith("data:") and tag not in _MEDIA_TAGS:
        return "data:"
    return None


def _element_problems(tag: str, attributes: dict[str, str | None]) -> Iterator[str]:
    if tag in _ACTIVE_TAGS:
        yield f"<{tag}>"
    for name, value in attributes.items():
        name = name.lower()
        if name.startswith("on") or name == "srcdoc":
            yield f"{name}="
        elif value and (
            name in _URL_ATTRIBUTES or (tag in _ANIMATION_TAGS and name in _ANIMATION_VALUES)
        ):
            values = value.split(";") if name == "values" else [value]
            for one in values:
                scheme = _url_problem(tag, one)
                if scheme is not None:
                    yield f"a {scheme} address"


def active_content(html: str) -> list[str]:
    """What in ``html`` would run or load code in Anki's card view, e.g. ``["<script>"]``.

    The field is parsed as a browser parses it into the card's ``<div>`` (an HTML5 parser,
    lexbor: comments, ``<svg>`` and ``<math>`` content, raw text elements, character
    references and broken markup all as Chromium reads them), and every element is looked at.
    """
    # Browsers drop tabs and line breaks inside an address ("javascr\tipt:"): so does the test.
    if "<" not in html or not _suspect(html):
        return []
    found: dict[str, None] = {}
    tree = _parse(html)
    root = tree.root
    if root is None:
        return []
    for node in root.traverse(include_text=False):  # the root, its children, its siblings
        tag = (node.tag or "").lower()
        if tag.startswith("-"):  # -comment, -text, -document
            continue
        for problem in _element_problems(tag, node.attributes):
            found[problem] = None
    return list(found)


def css_problems(css: str) -> list[str]:
    """What in a note type's CSS would end its ``<style>`` and put markup on every card.

    Anki writes the CSS into a ``<style>`` element before each card: a ``</style>`` in it
    ends the element there, and what follows is HTML (``</style><img onerror=…>``).
    """
    if not _STYLE_END.search(css):
        return []
    found = active_content(f"<style>{css}</style>")
    return ["</style>", *found]


def sanitize_css(css: str) -> str:
    """The CSS with each ``</style`` written ``<\\/style``: the same to CSS, no end to HTML."""
    return _STYLE_END.sub(lambda match: match[0][0] + "\\" + match[0][1:], css)


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    # nh3 allows data: for pictures; a link to a data: page is a page of the sender's.
    if name in _URL_ATTRIBUTES and _url_problem(tag, value) is not None:
        return None
    return value


def sanitize_html(html: str) -> str:
    """``html`` without active content, by nh3 with an allow-list of what cards use."""
    nh3, tags, attributes = _nh3()
    cleaned: str = nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=attributes,
        attribute_filter=_attribute_filter,
        link_rel=None,
        url_schemes=_SCHEMES,
    )
    return cleaned


def _field_name(note: RenderedNote, index: int) -> str:
    if note.kind is NoteKind.CUSTOM:
        return f"field {index + 1}"
    return ("the question", "the answer")[index] if index < 2 else f"field {index + 1}"


class NoteScreen:
    """Screens notes one by one; a note type's templates once, for the first note using it."""

    def __init__(
        self, sanitize: bool, source_text: bool, allow_html: bool = True, markdown: bool = True
    ) -> None:
        self.sanitize = sanitize
        self.source_text = source_text
        self.allow_html = allow_html
        self.markdown = markdown
        self.diagnostics: list[Diagnostic] = []
        self.note_types: dict[int, NoteType] = {}

    def say(self, note: RenderedNote, where: str, found: Sequence[str]) -> None:
        listed = ", ".join(found)
        if note.location.line is None:  # a package's note: named by its GUID
            where = f"the note {note.guid!r}: {where}"
        if self.sanitize:
            message = f"removed active content from {where}: {listed} (--sanitize)"
            self.diagnostics.append(
                Diagnostic(note.location, Severity.NOTE, message, rule=rules.SANITIZED)
            )
            return
        message = f"{where} holds active content that Anki runs when the card is shown: {listed}"
        hint = "--sanitize removes it; or remove it from the source if you do not trust it"
        self.diagnostics.append(
            Diagnostic(note.location, Severity.WARNING, message, hint, rules.ACTIVE_CONTENT)
        )

    def note_type(self, note: RenderedNote, note_type: NoteType) -> NoteType:
        screened = self.note_types.get(note_type.id)
        if screened is not None:
            return screened
        templates = []
        for name, front, back in note_type.templates:
            sides = []
            for side, html in (("front", front), ("back", back)):
                found = active_content(html)
                if found:
                    self.say(
                        note, f"the {side} of card template {name!r} of {note_type.name!r}", found
                    )
                sides.append(sanitize_html(html) if found and self.sanitize else html)
            templates.append((name, sides[0], sides[1]))
        css = note_type.css
        found = css_problems(css)
        if found:
            self.say(note, f"the CSS of {note_type.name!r}", found)
            css = sanitize_css(css) if self.sanitize else css
        screened = replace(note_type, templates=tuple(templates), css=css)
        if screened.templates == note_type.templates and screened.css == note_type.css:
            screened = note_type
        self.note_types[note_type.id] = screened
        return screened

    def field(self, note: RenderedNote, index: int, html: str, links_only: bool) -> str:
        """One HTML field: screened, and with ``--sanitize`` cleaned by nh3 whatever it holds."""
        if self.sanitize:
            cleaned = sanitize_html(html) if "<" in html or "&" in html else html
            if cleaned == html:
                return html
            found = active_content(html)
            if found:
                self.say(note, _field_name(note, index), found)
            removed = [item for item in _inventory(html) - _inventory(cleaned) if item]
            if removed and not found:
                where = _field_name(note, index)
                if note.location.line is None:
                    where = f"the note {note.guid!r}: {where}"
                listed = ", ".join(sorted(removed))
                message = f"removed from {where} what cards may not hold: {listed} (--sanitize)"
                self.diagnostics.append(
                    Diagnostic(note.location, Severity.NOTE, message, rule=rules.SANITIZED)
                )
            return cleaned
        # Markdown without --allow-html has its raw HTML escaped: only links and pictures
        # carry addresses (javascript:, data:). The HTML parser is the costly part of a
        # build of Markdown decks, so fields without them skip it.
        if links_only and "href=" not in html and "src=" not in html:
            return html
        found = active_content(html)
        if found:
            self.say(note, _field_name(note, index), found)
        return html

    def note(self, note: RenderedNote) -> RenderedNote:
        if note.text_format is TextFormat.PLAIN and not self.markdown:
            return note  # plain text is escaped when it is rendered: nothing in it is active
        as_markdown = note.text_format is TextFormat.MARKDOWN or (
            note.text_format is TextFormat.PLAIN and self.markdown
        )
        if self.source_text and note.text_format is not TextFormat.HTML:
            return note  # Markdown as written: escaped when it is rendered
        links_only = as_markdown and not self.allow_html
        fields = [
            self.field(note, index, html, links_only) for index, html in enumerate(note.fields)
        ]
        note_type = note.notetype
        if note_type is not None and note.kind is NoteKind.CUSTOM:
            note_type = self.note_type(note, note_type)
        if tuple(fields) == note.fields and note_type is note.notetype:
            return note
        return replace(note, fields=tuple(fields), notetype=note_type)


def _inventory(html: str) -> Counter[str]:
    """The elements and attributes of ``html`` as an HTML5 parser reads them, counted."""
    items: Counter[str] = Counter()
    root = _parse(html).root if "<" in html else None
    if root is None:
        return items
    for node in root.traverse(include_text=False):
        tag = (node.tag or "").lower()
        if tag.startswith("-"):
            continue
        items[f"<{tag}>"] += 1
        for name in node.attributes:
            items[f"{name.lower()}= of <{tag}>"] += 1
    return items


def screen_notes(
    notes: Sequence[RenderedNote],
    sanitize: bool = False,
    source_text: bool = False,
    allow_html: bool = True,
    markdown: bool = True,
) -> tuple[tuple[RenderedNote, ...], list[Diagnostic]]:
    """The notes, with active content listed in a warning per note, or removed (``sanitize``).

    Carried-over note types' card templates are screened too; a removal is a ``note``. With
    ``source_text`` the fields are as the sources wrote them (a text output): only those
    written in HTML are screened.
    """
    screen = NoteScreen(sanitize, source_text, allow_html, markdown)
    screened = tuple(screen.note(note) for note in notes)
    return screened, screen.diagnostics
