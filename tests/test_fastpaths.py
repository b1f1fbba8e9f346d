"""The per-note fast paths give exactly what the plain rules give.

Each hot function (cleaning, GUIDs, plain-text rendering, the sort field and its checksum,
media references) tests cheaply whether a field needs its work and skips it when not. Here
each is compared with the straightforward form of its rule (written out below, as it was
before the fast paths) on many seeded random fields built from the characters that matter:
white space of every kind, line breaks, control characters, markup, list marks,
combining accents, digits of other scripts.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
import unicodedata
from collections.abc import Iterator

import pytest

from ankipress import ids, normalize
from ankipress.model import NoteKind, RenderedNote, SourceLocation, TextFormat
from ankipress.render import plain
from ankipress.render.media import MediaPacker
from ankipress.textscan import sub_before_last
from ankipress.writers import apkg

ATOMS = [
    *("a", "b", "Z", "x y", " ", "  ", "\t", "\n", "\n\n", "\n\n\n", "\r", "\r\n", "\n \n"),
    *("\n\t\n", "&", "<", ">", "<b>", "&amp;", "1.", "2)", "3. ", "10.", "- ", "* ", "\u2022 "),
    *("\u0663. ", "\u00b2", "1. a\n2. b", "- a\n- b", "\xa0", "\u2003", "\u3000", "\x0b"),
    *("\x0c", "\x1c", "\x1f", "\x00", "\x7f", "\x85", "\u2028", "e\u0301", "\u00e9", "\U0001f600"),
    *("$", "\\", ":", "::", "src=", "[sound:a.mp3]", "{{c1::x}}", "\ud7ff"),
]


def _fields(seed: int, count: int, longest: int = 10) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(ATOMS) for _ in range(rng.randint(0, longest)))


# The rules as they read before the fast paths (the oracles).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRAILING_SPACE = re.compile(r"(?<![^\S\n])[^\S\n]+$", re.MULTILINE)


def clean_text(text: str) -> tuple[str, list[str]]:
    changes: list[str] = []
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        changes.append("Unicode composed to NFC")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        changes.append("control characters removed")
    if _TRAILING_SPACE.search(text):
        text = _TRAILING_SPACE.sub("", text)
        changes.append("trailing spaces removed")
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
        changes.append("runs of blank lines collapsed")
    if text.startswith("\n") or text.endswith("\n"):
        text = text.strip("\n")
        changes.append("leading or trailing blank lines removed")
    return text, changes


def clean_tag(tag: str) -> tuple[str, list[str]]:
    changes: list[str] = []
    text = unicodedata.normalize("NFC", tag).strip()
    if re.search(r"\s", text):
        text = re.sub(r"\s+", "_", text)
        changes.append(f"tag {tag!r} held spaces, joined with '_'")
    parts = [part for part in text.split("::") if part]
    joined = "::".join(parts)
    if joined != text:
        changes.append(f"tag {tag!r}: empty '::' parts dropped")
    return joined, changes


def clean_tags(tags: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    changes: list[str] = []
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned, tag_changes = clean_tag(tag)
        changes.extend(tag_changes)
        if not cleaned:
            continue
        key = cleaned.casefold()
        if key in seen:
            if seen[key] != cleaned:
                changes.append(f"tag {cleaned!r} merged into {seen[key]!r}")
            continue
        seen[key] = cleaned
    return tuple(seen.values()), changes


def canonical_question(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def base91(number: int) -> str:
    alphabet = ids._BASE91
    digits = []
    while number:
        number, remainder = divmod(number, len(alphabet))
        digits.append(alphabet[remainder])
    return "".join(reversed(digits)) or alphabet[0]


def note_guid(deck: str, question: str, counter: int = 0) -> str:
    parts = [ids.GUID_SALT, canonical_question(deck), canonical_question(question)]
    if counter:
        parts.append(str(counter))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return base91(int.from_bytes(digest[:8], "big"))


_NUMBERED = re.compile(r"\s*(\d{1,9})[.)]\s+(\S.*)")
_BULLETED = re.compile(r"\s*[-*\u2022\u2023\u25e6\u2043]\s+(\S.*)")


def _escape(text: str) -> str:
    return html.escape(text.strip(), quote=False)


def _list_run(lines: list[str]) -> tuple[str, int] | None:
    first = _NUMBERED.fullmatch(lines[0])
    if first:
        number = int(first.group(1))
        items = [first.group(2)]
        index = 1
        while index < len(lines):
            match = _NUMBERED.fullmatch(lines[index])
            if not match or int(match.group(1)) != number + len(items):
                break
            items.append(match.group(2))
            index += 1
        if len(items) < 2:
            return None
        opening = "<ol>" if number == 1 else f'<ol start="{number}">'
        return opening + "".join(f"<li>{_escape(item)}</li>" for item in items) + "</ol>", index
    items = []
    index = 0
    while index < len(lines):
        match = _BULLETED.fullmatch(lines[index])
        if not match:
            break
        items.append(match.group(1))
        index += 1
    if len(items) < 2:
        return None
    return "<ul>" + "".join(f"<li>{_escape(item)}</li>" for item in items) + "</ul>", index


def render_plain(text: str) -> str:
    if "\n" not in text:
        return _escape(text)
    parts = []
    for block in re.split(r"\n[^\S\n]*\n", text.strip("\n")):
        lines = block.split("\n")
        run = _list_run(lines)
        if run is not None and run[1] == len(lines):
            parts.append((True, run[0]))
        elif len(lines) >= 3:
            inner = "".join(f"<div>{_escape(line)}</div>" for line in lines)
            parts.append((True, f'<div class="ankipress-lines">{inner}</div>'))
        else:
            parts.append((False, "<br>".join(_escape(line) for line in lines)))
    if len(parts) == 1 and not parts[0][0]:
        return parts[0][1]
    return "".join(piece if is_list else f"<p>{piece}</p>" for is_list, piece in parts)


def sort_field(field: str) -> str:
    if "<" in field:
        field = sub_before_last(re.compile(r"<[^>]*>"), "", field, ">")
    return html.unescape(field).strip()


def checksum(text: str) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16)


# The comparisons.


def test_the_tricky_characters_are_what_the_rules_think_they_are() -> None:
    # The fast paths rest on these: \s is str.isspace(), \d is str.isdecimal(), and printable
    # ASCII is " " to "~" (so it holds no white space but " " and no control character).
    every = "".join(map(chr, range(0x110000)))
    assert re.findall(r"\s", every) == [char for char in every if char.isspace()]
    assert re.findall(r"\d", every) == [char for char in every if char.isdecimal()]
    assert [chr(c) for c in range(128) if chr(c).isprintable()] == [chr(c) for c in range(32, 127)]


def test_clean_text_is_the_rule() -> None:
    for text in _fields(1, 20_000):
        assert normalize.clean_text(text) == clean_text(text), repr(text)


def test_clean_text_gives_a_list_of_its_own_each_time() -> None:
    # The caller adds to it.
    first, second = normalize.clean_text("a")[1], normalize.clean_text("a")[1]
    first.append("x")
    assert second == [] and normalize.clean_text("a ")[1] == ["trailing spaces removed"]


def test_tags_and_decks_are_the_rule() -> None:
    rng = random.Random(2)
    pieces = [*ATOMS, "A", "a", "::", "tag", "Tag"]
    for _ in range(10_000):
        tags = tuple(
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(0, 3))
        )
        for tag in tags:
            assert normalize.clean_tag(tag) == clean_tag(tag), repr(tag)
        for _ in range(2):  # the second time from what is remembered
            cleaned, changes = normalize.clean_tags(tags)
            assert (cleaned, changes) == clean_tags(tags), repr(tags)
            changes.append("the caller's own")
        deck = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert normalize.clean_deck(deck) == normalize._clean_deck.__wrapped__(deck)


def test_guids_are_the_rule() -> None:
    rng = random.Random(3)
    for number in [0, 1, 90, 91, 8280, 8281, 91**10 - 1, 2**64 - 1, 2**64, 2**80 + 5]:
        assert ids._base91(number) == base91(number), number
    for _ in range(20_000):
        number = rng.getrandbits(rng.randint(1, 70))
        assert ids._base91(number) == base91(number), number
    fields = _fields(4, 20_000, longest=6)
    decks = list(_fields(5, 50, longest=3))
    for question in fields:
        deck, counter = rng.choice(decks), rng.choice((0, 0, 1, 12))
        assert ids.canonical_question(question) == canonical_question(question)
        assert ids.note_guid(deck, question, counter) == note_guid(deck, question, counter)


def test_plain_rendering_is_the_rule() -> None:
    for text in _fields(6, 20_000):
        assert plain.render_plain(text) == render_plain(text), repr(text)
        cleaned = normalize.clean_text(text)[0]  # what a deck's fields look like
        assert plain.render_plain(cleaned) == render_plain(cleaned), repr(cleaned)


def test_sort_field_and_checksum_are_the_rule() -> None:
    for text in _fields(7, 10_000):
        assert apkg._sort_field(text) == sort_field(text), repr(text)
        assert apkg._checksum(text) == checksum(text)


@pytest.mark.parametrize("kind", [NoteKind.BASIC, NoteKind.REVERSED, NoteKind.CLOZE])
def test_note_rows_are_made_as_before(kind: NoteKind) -> None:
    from ankipress.notetypes.cards import card_ords

    rng = random.Random(8)
    notes = [
        RenderedNote(
            f"g{index}",
            "Deck",
            (question, answer),
            tuple(rng.sample(["t1", "t2", "t3"], rng.randint(0, 2))),
            SourceLocation("deck.txt", index + 1),
            kind,
            rng.choice((None, 1_600_000_000)),
            card_ords=rng.choice(((), (0,), (0, 1))),
        )
        for index, (question, answer) in enumerate(
            zip(_fields(9, 2_000), _fields(10, 2_000), strict=True)
        )
    ]
    cards = apkg._Cards()
    rows = list(apkg._note_rows(notes, lambda note: 7, 1_700_000_000, {"Deck": 3}, cards))
    next_id = 1_700_000_000 * 1000
    for note, row in zip(notes, rows, strict=True):
        first = sort_field(note.fields[0])
        mod = note.mod if note.mod is not None else 1_700_000_000
        tags = f" {' '.join(note.tags)} " if note.tags else ""
        expected = (next_id, note.guid, 7, mod, -1, tags, "\x1f".join(note.fields), first,
                    checksum(first), 0, "")  # fmt: skip
        assert row == expected
        next_id += 1 + len(card_ords(note))
    assert len(list(cards.rows(1_700_000_000))) == sum(len(card_ords(note)) for note in notes)


def test_media_packer_leaves_fields_without_references_alone() -> None:
    packer = MediaPacker(frozenset())
    for index, (question, answer) in enumerate(
        zip(_fields(11, 5_000), _fields(12, 5_000), strict=True)
    ):
        note = RenderedNote(
            "g",
            "Deck",
            (question, answer),
            (),
            SourceLocation("/nonexistent/deck.txt", index + 1),
            text_format=TextFormat.PLAIN,
        )
        done = packer.note(note)
        fields = tuple(packer.field(note, text) for text in note.fields)
        assert done.fields == fields
        if fields == note.fields:
            assert done is note


def test_the_screen_suspects_what_its_pattern_finds() -> None:
    from ankipress.render import sanitize

    pieces = [
        *("<", ">", "a", " ", "\t", "\n", "\r", "o", "O", "n", "N", "on", "On", "_on", "1on"),
        *("xon", "-on", "\u00e9", "\u017f", "\u212a", "\u0131", "\u0130", "\x0b", "\x85", "\xa0"),
        *("script", "SCRIPT", "scr\nipt", "frame", "object", "embed", "applet", "portal"),
        *("<base", "<META", "<link", "<form", "noscript", "template", "onclick", "ONLOAD", "one"),
        *("srcdoc", "data", "DATA", ":", " :", "\x1c", "&#", "&colon", "&Tab", "&newline"),
        *("<animate", "<set", "<setx", "<set ", "<SET-", "z", "9"),
    ]
    rng = random.Random(13)
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        expected = sanitize._SUSPECT.search(text.translate(sanitize._URL_BREAKS)) is not None
        assert sanitize._suspect(text) is expected, repr(text)


def test_the_field_renderer_renders_plain_text_as_render_plain_does() -> None:
    from ankipress.render import FieldRenderer, MathMode

    for math in (MathMode.MATHJAX, MathMode.NONE):
        renderer = FieldRenderer(math=math)
        for text in _fields(14, 5_000):
            done = renderer.render(text, TextFormat.PLAIN)  # knows whether it is a cloze now
            assert done == plain.render_plain(text, renderer._handler), repr(text)


def test_field_limits_and_lone_surrogates_are_found_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ankipress import sources
    from ankipress.model import Note

    # Limits of a few characters stand for the real ones (a field of megabytes).
    monkeypatch.setattr(sources, "MAX_FIELD_CHARS", 4)
    monkeypatch.setattr(sources, "MAX_MARKDOWN_FIELD_CHARS", 3)
    long, longer = "x" * 4, "x" * 5
    rng = random.Random(15)
    texts = ["", "a", "\u00e9", "\ud800", "a\udfffb", long, longer]
    for index in range(3_000):
        fields = tuple(rng.choice(texts) for _ in range(rng.choice((0, 0, 2, 3))))
        note = Note(
            rng.choice(texts),
            rng.choice(texts),
            rng.choice(("Deck", "D\u00e9ck", "D\ud800")),
            SourceLocation("deck.txt", index + 1),
            tags=tuple(rng.choice(("t", "\u00e9", "\udc00")) for _ in range(rng.randint(0, 2))),
            guid=rng.choice((None, "g", "g\ud800")),
            fields=fields,
        )
        for markdown in (False, True):
            named = (
                [(f"field {i + 1}", text) for i, text in enumerate(note.fields)]
                if note.fields
                else [("the question", note.question), ("the answer", note.answer)]
            )
            expected = [
                f"{name} {problem[0]}"
                for name, text in named
                if (problem := sources.field_problem(text, markdown)) is not None
            ]
            found = sources.note_problems(note, markdown)
            assert [d.message for d in found] == expected
        parts = [note.question, note.answer, note.deck, note.guid or "", *note.fields, *note.tags]
        lone = any(re.search("[\ud800-\udfff]", text) for text in parts)
        assert (sources.unwritable_text(note) is not None) is lone
