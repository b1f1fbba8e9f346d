"""Media in source cards (packed by content name), and packages back to Markdown and back.

The round trip through the real engine: a package Anki exported (subdecks, tags, HTML, a
cloze, a reversed note, a note type of the user's own, a picture) → ``deck.md`` → a package
again, imported into the collection it came from (nothing new, no ``Name+`` note type) and
into a fresh one (the same GUIDs, fields, tags, decks, cards and media as the original).
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import ExportAnkiPackageOptions

from ankipress.building.pipeline import Options, convert, plan_package
from ankipress.errors import InputError
from ankipress.model import ReadOptions, RenderedNote, Severity, SourceLocation, TextFormat
from ankipress.readers.markdown import MarkdownReader
from ankipress.render.media import pack_references, packed_name
from ankipress.sources import load

from ankiengine import AnkiCollection, NoteView

T0 = 1_750_000_000


def png(red: int = 255) -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes((0, red, 0, 0)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def wav() -> bytes:
    """A valid WAV file holding one silent sample."""
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    data = b"\x80"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data"
    body += struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:8]


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("img/cat.png", "cat-{h}.png"),
        ("Scans/My Cat [1].JPEG", "My_Cat_1-{h}.jpeg"),
        ("a\\b\\c:d?.Mp3", "c_d-{h}.mp3"),
        ("noext", "noext-{h}"),
        (".hidden", "hidden-{h}"),
        ("_asset.css", "asset-{h}.css"),
        (unicodedata.normalize("NFD", "café.png"), "café-{h}.png"),
        ("cat-{h}.png", "cat-{h}.png"),
    ],
    ids=["plain", "unsafe-characters", "backslashes", "no-extension", "hidden", "underscore",
         "nfc", "already-packed"],
)  # fmt: skip
def test_packed_names_are_safe_and_from_the_content(original: str, expected: str) -> None:
    data = b"content"
    name = packed_name(original.format(h=short(data)), data)

    assert name == expected.format(h=short(data))
    assert unicodedata.is_normalized("NFC", name)


def test_a_long_name_is_cut_to_120_bytes() -> None:
    name = packed_name("é" * 200 + ".png", b"x")

    assert len(name.encode("utf-8")) <= 120
    assert name.endswith(f"-{short(b'x')}.png")


# -- packing references ----------------------------------------------------------------------


def rendered(path: Path, *fields: str, line: int = 3) -> RenderedNote:
    note = RenderedNote("g", "Deck", fields, (), SourceLocation(str(path), line))
    if "text_format" in {field.name for field in dataclasses.fields(RenderedNote)}:
        # Where rendered notes say how their source was written, say it as the pipeline does.
        written = TextFormat.MARKDOWN if path.suffix == ".md" else TextFormat.HTML
        note = dataclasses.replace(note, text_format=written)
    return note


def test_references_beside_the_source_are_packed_once(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cat.png").write_bytes(png())
    (tmp_path / "copy.png").write_bytes(png())
    (tmp_path / "purr.wav").write_bytes(wav())
    deck = tmp_path / "deck.md"
    notes = [
        rendered(deck, '<p><img alt="a cat" src="img/cat.png"></p>', "[sound:purr.wav]"),
        rendered(deck, "<img src='copy.png'>", '<img src="img/cat.png" width=2>'),
    ]

    packed, media, problems = pack_references(notes)

    cat, purr = f"cat-{short(png())}.png", f"purr-{short(wav())}.wav"
    assert problems == []
    assert [m.name for m in media] == [cat, purr]
    assert packed[0].fields == (f'<p><img alt="a cat" src="{cat}"></p>', f"[sound:{purr}]")
    assert packed[1].fields == (f"<img src='{cat}'>", f'<img src="{cat}" width=2>')


def test_what_is_not_packed_and_why(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_bytes(b"#!/bin/sh\n")
    deck, export = tmp_path / "deck.md", tmp_path / "export.txt"
    notes = [
        rendered(deck, '<img src="https://example.org/a.png"><img src="data:image/png;base64,AA">'),
        rendered(deck, '<img src="missing.png">', "[sound:run.sh]", line=9),
        rendered(export, '<img src="in-collection.jpg">', '<img src="cat.png">', line=4),
    ]

    packed, media, problems = pack_references(notes, known={"cat.png"})

    assert media == []
    assert packed == tuple(notes)
    assert [str(d) for d in problems] == [
        f"{deck}:3: warning: 'https://example.org/a.png' is on the network: Anki will need the "
        "network to show it; save the file beside the source",
        f"{deck}:9: error: media file 'missing.png' not found (looked for "
        f"{tmp_path / 'missing.png'}); paths are relative to the Markdown file",
        f"{deck}:9: error: 'run.sh' is a program, not media; media are pictures, sounds and videos",
        f"{export}:4: warning: media file 'in-collection.jpg' is not beside the source; Anki "
        "will show it only if your collection has a file of that name",
    ]


def test_a_markdown_deck_with_a_picture_and_a_sound_shows_them_in_anki(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cat.png").write_bytes(png())
    (tmp_path / "purr.wav").write_bytes(wav())
    deck = tmp_path / "cats.md"
    deck.write_text(
        "## What is this?\n![a cat](img/cat.png)\n\n## What does a cat say?\n[sound:purr.wav]\n",
        encoding="utf-8",
    )

    convert([deck], tmp_path / "cats.apkg", Options(), T0)
    anki.import_package(tmp_path / "cats.apkg")

    cat, purr = f"cat-{short(png())}.png", f"purr-{short(wav())}.wav"
    folder = Path(anki.collection.media.dir())
    assert sorted(p.name for p in folder.iterdir()) == [cat, purr]
    assert (folder / cat).read_bytes() == png()
    assert [n.fields["Back"] for n in anki.notes()] == [
        f'<p><img src="{cat}" alt="a cat"></p>',
        f"<p>[sound:{purr}]</p>",
    ]
    assert "[anki:play:a:0]" in anki.cards()[1].answer_html


def test_a_missing_picture_in_a_markdown_deck_is_an_error(tmp_path: Path) -> None:
    deck = tmp_path / "cats.md"
    deck.write_text("# Cats\n\n## What is this?\n![a cat](img/cat.png)\n", encoding="utf-8")

    with pytest.raises(InputError) as raised:
        convert([deck], tmp_path / "cats.apkg", Options(), T0)

    assert [str(d) for d in raised.value.diagnostics] == [
        f"{deck}:3: error: media file 'img/cat.png' not found (looked for "
        f"{tmp_path / 'img' / 'cat.png'}); paths are relative to the Markdown file"
    ]
    assert not (tmp_path / "cats.apkg").exists()


# -- a Markdown deck's media folder ----------------------------------------------------------


def test_references_into_the_media_folder_keep_their_names(tmp_path: Path) -> None:
    folder = tmp_path / "deck.media"
    folder.mkdir()
    (folder / "cat 1.png").write_bytes(png())
    (folder / "_style.css").write_bytes(b".x{}")
    (folder / "unused.png").write_bytes(png(0))
    deck = tmp_path / "deck.md"
    deck.write_text(
        "---\nmedia: deck.media\n---\n"
        '## Q\n<!-- format: html -->\n<img src="deck.media/cat%201.png"> [sound:deck.media/x]\n'
        "## R\n![a cat](<deck.media/cat 1.png>) ![b](deck.media/gone.png)\n",
        encoding="utf-8",
    )

    result = MarkdownReader().read(load(deck), ReadOptions(default_deck="deck"))

    assert [n.answer for n in result.notes] == [
        '<img src="cat%201.png"> [sound:deck.media/x]',
        "![a cat](<cat 1.png>) ![b](deck.media/gone.png)",
    ]
    assert [(m.name, m.data) for m in result.media] == [
        ("_style.css", b".x{}"),
        ("cat 1.png", png()),
    ]


def test_a_missing_media_folder_is_an_error(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("---\ndeck: D\nmedia: gone.media\n---\n## Q\nA\n", encoding="utf-8")

    result = MarkdownReader().read(load(deck), ReadOptions(default_deck="deck"))

    assert [str(d) for d in result.diagnostics] == [
        f"{deck}:3: error: the media folder 'gone.media' is not there (looked for "
        f"{tmp_path / 'gone.media'}); the folder is relative to the Markdown file"
    ]


# -- the round trip through the real engine --------------------------------------------------


def _plan_knows_input_media(tmp_path: Path) -> bool:
    """Whether the pipeline tells packing the inputs' own media names (the report's diff)."""
    (tmp_path / "probe.media").mkdir()
    (tmp_path / "probe.media" / "x.png").write_bytes(png())
    deck = tmp_path / "probe.md"
    deck.write_text("---\nmedia: probe.media\n---\n## Q\n![x](probe.media/x.png)\n", "utf-8")
    return plan_package([deck], tmp_path / "probe.apkg", Options()).errors == 0


@dataclass(frozen=True)
class _Original:
    package: Path
    collection: AnkiCollection
    notes: list[NoteView]
    media: dict[str, bytes]


@pytest.fixture
def original(tmp_path: Path) -> Iterator[_Original]:
    """A collection made with the engine, and the package Anki exports of it."""
    with AnkiCollection(tmp_path / "original") as anki:
        col = anki.collection
        models = col.models
        vocab = models.new("Vocab (mine)")
        for name in ("Word", "Meaning", "Notes"):
            models.add_field(vocab, models.new_field(name))
        for name, front, back in (
            ("Recognition", "{{Word}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Meaning}}"),
            ("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>\t{{Word}}"),
        ):
            template = models.new_template(name)
            template["qfmt"], template["afmt"] = front, back
            models.add_template(vocab, template)
        vocab["css"] = ".card {\n\tfont-family: serif;\n}\n"
        models.add(vocab)
        picture = col.media.write_data("cat.png", png())
        for notetype, fields, deck, tags in (
            ("Basic", ("What does <b>bold</b> look like?", "Like <i>this</i>.<br># too"),
             "Course::Week 1", ("a::b", "html")),
            ("Basic", ("## not a heading", "%\n[#tag]()"), "Course::Week 1", ()),
            ("Basic (and reversed card)", ("chat", "cat"), "Course::Week 2", ("french",)),
            ("Cloze", ("{{c1::Paris}} is the capital of {{c2::France}}.", ""), "Course", ()),
            ("Vocab (mine)", ("der Hund", f'dog <img src="{picture}">', ""), "Course::Vocab",
             ("german",)),
            ("Vocab (mine)", ("die Katze", "cat", "  spaced  "), "Course::Vocab", ()),
        ):  # fmt: skip
            note = col.new_note(models.by_name(notetype))
            for index, value in enumerate(fields):
                note.fields[index] = value
            note.tags = list(tags)
            col.add_note(note, col.decks.id(deck, create=True))
        package = tmp_path / "exported.apkg"
        options = ExportAnkiPackageOptions(with_media=True, with_scheduling=False)
        col.export_anki_package(out_path=str(package), options=options, limit=None)
        folder = Path(col.media.dir())
        media = {p.name: p.read_bytes() for p in folder.iterdir()}
        yield _Original(package, anki, anki.notes(), media)


def test_a_package_through_markdown_and_back_is_the_same_deck(
    tmp_path: Path, original: _Original
) -> None:
    if not _plan_knows_input_media(tmp_path):
        pytest.skip("needs the pipeline to pass the inputs' media names to pack_references")
    markdown = tmp_path / "deck.md"
    convert([original.package], markdown, Options())
    package = tmp_path / "again.apkg"
    report = convert([markdown], package, Options(), T0 + 60)

    assert [str(d) for d in report.diagnostics if d.severity is not Severity.NOTE] == []
    with AnkiCollection(tmp_path / "fresh") as fresh:
        counts = fresh.import_package(package)
        assert counts.new == len(original.notes)
        again = fresh.notes()
        folder = Path(fresh.collection.media.dir())
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == original.media
    assert [(n.guid, n.fields, n.tags, n.decks, n.card_count) for n in again] == [
        (n.guid, n.fields, n.tags, n.decks, n.card_count) for n in original.notes
    ]
    # Note types as they came: a fresh collection has a Basic of its own, so it says "Basic+".
    assert [n.notetype.removesuffix("+") for n in again] == [n.notetype for n in original.notes]

    counts = original.collection.import_package(package)
    assert (counts.new, counts.conflicting) == (0, 0)
    assert not any(name.endswith("+") for name in original.collection.notetype_names())
    assert original.collection.notes() == original.notes


def test_media_of_a_package_written_to_markdown_stay_beside_it(
    tmp_path: Path, original: _Original
) -> None:
    markdown = tmp_path / "out" / "deck.md"
    convert([original.package], markdown, Options(media_dir=tmp_path / "pictures"))

    text = markdown.read_text(encoding="utf-8")
    assert "media: ../pictures\n" in text
    assert 'dog <img src="../pictures/cat.png">' in text
    assert (tmp_path / "pictures" / "cat.png").read_bytes() == png()


def test_a_picture_survives_anki_text_on_the_way_to_a_package(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    (tmp_path / "cat.png").write_bytes(png())
    deck = tmp_path / "cats.md"
    deck.write_text("## What is this?\n![a cat](cat.png)\n", encoding="utf-8")
    text = tmp_path / "out" / "cats.txt"

    convert([deck], text, Options())
    convert([text], tmp_path / "cats.apkg", Options(), T0)
    anki.import_package(tmp_path / "cats.apkg")

    # Anki's text import takes references as they stand: the file names the media as Anki
    # will, and reading it back finds them in the media folder written beside it.
    cat = f"cat-{short(png())}.png"
    assert f'src=""{cat}""' in text.read_text(encoding="utf-8")
    assert (tmp_path / "out" / "cats.media" / cat).read_bytes() == png()
    assert [p.name for p in Path(anki.collection.media.dir()).iterdir()] == [cat]
    assert anki.notes()[0].fields["Back"] == f'<p><img src="{cat}" alt="a cat"></p>'
