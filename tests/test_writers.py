"""Text writers: Markdown (lossless, read back exactly), Anki's plain text, CSV; the CLI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress import ids
from ankipress.building.pipeline import Options, convert, plan_text
from ankipress.cli import cli
from ankipress.errors import InputError
from ankipress.model import (
    Media,
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    RenderedNote,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.notetypes.cards import card_ords
from ankipress.readers import get_reader
from ankipress.sources import load
from ankipress.writers import TEXT_WRITERS, text_writer_for
from ankipress.writers.ankitext import AnkiTextWriter
from ankipress.writers.csv import CsvWriter
from ankipress.writers.markdown import MarkdownWriter

from ankiengine import AnkiCollection
from ankiexport import SAMPLE_NOTES, sample_export

GOLDEN = Path(__file__).parent / "golden" / "writers"
WHERE = SourceLocation("cards.apkg")

VOCAB = NoteType(
    name="Vocab (mine)",
    fields=("Word", "Meaning", "Notes"),
    templates=(
        ("Recognition", "{{Word}}", "{{FrontSide}}\n\n<hr id=answer>\n\n{{Meaning}}"),
        ("Recall", "{{Meaning}}", "{{FrontSide}}<hr id=answer>\t{{Word}}"),
    ),
    css=".card {\n\tfont-family: serif;\n}\n",
    fixed_id=1795715743591,
    field_ids=(2337627198236922706, -2824422456274152225, None),
    template_ids=(8228337012371794079, None),
    sort_field=1,
)


def note(
    question: str,
    answer: str = "",
    *,
    deck: str = "Course",
    kind: NoteKind = NoteKind.BASIC,
    text_format: TextFormat = TextFormat.HTML,
    guid: str | None = None,
    tags: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    ords: tuple[int, ...] = (),
    notetype: NoteType | None = None,
) -> Note:
    """A note as the pipeline hands it to a writer (every note has its GUID by then)."""
    if fields:
        question, answer = fields[0], fields[1] if len(fields) > 1 else ""
        kind, notetype = NoteKind.CUSTOM, notetype or VOCAB
    return Note(
        question=question,
        answer=answer,
        deck=deck,
        location=WHERE,
        tags=tags,
        guid=guid if guid is not None else ids.note_guid(deck, question),
        text_format=text_format,
        kind=kind,
        notetype=notetype,
        fields=fields,
        card_ords=ords,
    )


def essence(item: Note) -> tuple[object, ...]:
    """What a round trip must keep: fields, deck, tags, GUID, format, kind, type, cards."""
    fields = item.fields or (item.question, item.answer)
    shape = RenderedNote("", "", fields, (), WHERE, item.kind, None, item.notetype)
    return (
        item.question,
        item.answer,
        item.deck,
        item.tags,
        item.guid or ids.note_guid(item.deck, item.question),
        TextFormat.HTML if item.kind is NoteKind.CUSTOM else item.text_format,
        item.kind,
        item.notetype,
        item.fields,
        tuple(item.card_ords) or tuple(card_ords(shape)),
    )


def read_back(path: Path, reader: str) -> tuple[list[Note], list[str]]:
    result = get_reader(reader).read(load(path), ReadOptions(default_deck=path.stem))
    return list(result.notes), [str(d) for d in result.diagnostics]


PACKAGE_NOTES = [
    note("What does <b>bold</b> look like?", "Like <i>this</i>.", guid="kJTo(12V-D"),
    note("A note", "in a subdeck", deck="Course::Week 1", tags=("a::b", "html"), guid="x|y-->z"),
    note("chat", "cat", kind=NoteKind.REVERSED, tags=("french",), guid="Q!5&}>#*Fm"),
    note("only the first card", "of two", kind=NoteKind.REVERSED, ords=(0,), guid="r1"),
    note("{{c1::Paris}} is in {{c2::France}}.", "", kind=NoteKind.CLOZE, guid="I3(OgtBYu8"),
    note("{{c1::a}} {{c3::b}}", "extra", kind=NoteKind.CLOZE, ords=(2,), guid="c3"),
    note("Type it", "answer", kind=NoteKind.TYPE_ANSWER, guid="t1"),
    note("plain <b> text", "1. one\n2. two", text_format=TextFormat.PLAIN, guid="p1"),
    note("der Hund", fields=("der Hund", 'dog <img src="cat.png">', ""), ords=(0, 1), guid="v1"),
    note("x", fields=("", "  spaced  ", "## not a heading\n%"), ords=(1,), guid="v2"),
    note("m", "**Markdown** with $x$", text_format=TextFormat.MARKDOWN, tags=("a::b",)),
]
# Field text the Markdown layout cannot hold as it is; each must come back exactly.
AWKWARD = [
    "%",
    "## heading",
    "# title",
    "### Notes",
    "[#tag]()",
    "```",
    "~~~",
    "```python\ncode",
    "<!-- guid: x -->",
    "",
    "\n",
    "  lead",
    "trail  ",
    "a\n\nb",
    "\n\nblank around\n\n",
    "x #",
    "#",
    "a | b",
    "tab\there",
    "ünïcödé “quotes”",
    "~~~ verbatim\nx\n~~~",
]


def _random_notes(seed: int, count: int) -> list[Note]:
    rng = random.Random(seed)

    def text(nonblank: bool) -> str:
        while True:
            value = "\n".join(rng.choice(AWKWARD) for _ in range(rng.randint(1, 3)))
            if value.strip() or not nonblank:
                return value

    notes = []
    for index in range(count):
        if rng.random() < 0.3:
            fields = (text(False), text(False), text(False))
            notes.append(note("", fields=fields, guid=f"g{index}", ords=(0,)))
        else:
            kind = rng.choice([NoteKind.BASIC, NoteKind.REVERSED, NoteKind.TYPE_ANSWER])
            fmt = rng.choice(list(TextFormat))
            notes.append(note(text(True), text(True), kind=kind, text_format=fmt, guid=f"g{index}"))
    return notes


# -- Markdown ------------------------------------------------------------------------------


def test_markdown_round_trip_keeps_every_note_exactly(tmp_path: Path) -> None:
    output = tmp_path / "deck.md"
    media = [Media("cat.png", b"\x89PNG fake"), Media("_template.css", b".x{}")]

    said = MarkdownWriter().write(PACKAGE_NOTES, media, output, tmp_path / "deck.media")
    notes, problems = read_back(output, "markdown")

    assert said == []
    assert problems == []
    assert [essence(n) for n in notes] == [essence(n) for n in PACKAGE_NOTES]
    assert sorted(p.name for p in (tmp_path / "deck.media").iterdir()) == [
        "_template.css",
        "cat.png",
    ]


@pytest.mark.parametrize("seed", range(4))
def test_markdown_round_trip_of_awkward_fields(tmp_path: Path, seed: int) -> None:
    notes = _random_notes(seed, 60)
    output = tmp_path / "deck.md"

    MarkdownWriter().write(notes, [], output, tmp_path / "deck.media")
    back, problems = read_back(output, "markdown")

    assert problems == []
    assert [essence(n) for n in back] == [essence(n) for n in notes]


def test_markdown_writer_output_is_readable_and_stable(
    tmp_path: Path, update_goldens: bool
) -> None:
    output = tmp_path / "package.md"
    media = [Media("cat.png", b"\x89PNG fake")]

    MarkdownWriter().write(PACKAGE_NOTES, media, output, tmp_path / "package.media")
    first = output.read_bytes()
    MarkdownWriter().write(PACKAGE_NOTES, media, output, tmp_path / "package.media")

    assert output.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.md", "package.media"]
    expected = GOLDEN / "markdown" / "package.md"
    if update_goldens:
        expected.write_bytes(first)
    assert first.decode("utf-8") == expected.read_text(encoding="utf-8")


MARKDOWN_GOLDENS = sorted((Path(__file__).parent / "golden" / "markdown").glob("[!e]*.md"))


@pytest.mark.parametrize("case", MARKDOWN_GOLDENS, ids=[c.stem for c in MARKDOWN_GOLDENS])
def test_markdown_decks_written_back_read_the_same(tmp_path: Path, case: Path) -> None:
    output = tmp_path / case.name
    convert([case], output, Options())
    again = tmp_path / "again" / case.name
    convert([output], again, Options())

    def essences(path: Path) -> list[tuple[object, ...]]:
        planned = plan_text([path], tmp_path / "x.md", Options())  # read and normalized
        return [essence(n) for n in planned.notes]

    assert essences(output) == essences(case)
    assert again.read_text(encoding="utf-8") == output.read_text(encoding="utf-8")


def test_two_note_types_with_one_name_are_named_by_id(tmp_path: Path) -> None:
    other = NoteType("Vocab (mine)", ("A", "B"), (("Card", "{{A}}", "{{B}}"),), "", fixed_id=7)
    notes = [
        note("", fields=("a", "b", "c"), guid="1"),
        note("", fields=("d", "e"), notetype=other),
    ]
    output = tmp_path / "deck.md"

    MarkdownWriter().write(notes, [], output, tmp_path / "m")
    back, problems = read_back(output, "markdown")

    assert problems == []
    assert [n.notetype for n in back] == [VOCAB, other]
    assert "<!-- guid: 1 | notetype: 1795715743591 -->" in output.read_text(encoding="utf-8")


# -- Anki's plain text -----------------------------------------------------------------------


def test_ankitext_is_byte_for_byte_what_anki_exports(tmp_path: Path) -> None:
    with sample_export(tmp_path) as export:
        exported = export.path.read_text(encoding="utf-8")
        originals = export.collection.notes()
    stock = {
        name: NoteType(name, fields, (("Card 1", "", ""),), "")
        for name, fields in (
            ("Basic", ("Front", "Back")),
            ("Basic (and reversed card)", ("Front", "Back")),
            ("Basic (optional reversed card)", ("Front", "Back", "Add Reverse")),
            ("Cloze", ("Text", "Back Extra")),
        )
    }
    notes = [
        note("", deck=sample.deck, tags=tuple(o.tags), guid=o.guid, fields=sample.fields,
             notetype=stock[sample.notetype])
        for sample, o in zip(SAMPLE_NOTES, originals, strict=True)
    ]  # fmt: skip

    output = tmp_path / "ours.txt"
    AnkiTextWriter().write(notes, [], output, tmp_path / "ours.media")

    assert output.read_text(encoding="utf-8") == exported


def test_ankitext_round_trip_keeps_guids_decks_tags_and_kinds(tmp_path: Path) -> None:
    notes = [n for n in PACKAGE_NOTES[:7] if n.kind is not NoteKind.TYPE_ANSWER]
    notes = [n for n in notes if not n.card_ords]  # which cards a note has is not kept
    output = tmp_path / "deck.txt"

    said = AnkiTextWriter().write(notes, [], output, tmp_path / "deck.media")
    back, problems = read_back(output, "ankitext")

    assert [d.message.split(":")[0] for d in said] == [
        "Anki's text import skips notes whose note type the collection lacks"
    ]
    assert problems == []
    assert [essence(n) for n in back] == [essence(n) for n in notes]


def test_ankitext_of_plain_text_notes_is_plain(tmp_path: Path) -> None:
    notes = [note("a <b>", "line\nbreak\t#", text_format=TextFormat.PLAIN, guid="p")]
    output = tmp_path / "deck.txt"

    AnkiTextWriter().write(notes, [], output, tmp_path / "m")
    back, _ = read_back(output, "ankitext")

    assert output.read_text(encoding="utf-8").splitlines()[1] == "#html:false"
    # Read back as Anki's own importer stores text that is not HTML: escaped, <br> breaks.
    stored = note("a &lt;b&gt;", "line<br>break\t#", text_format=TextFormat.HTML, guid="p")
    assert [essence(n) for n in back] == [essence(stored)]


def test_ankitext_keeps_a_note_types_name_only_and_says_so(tmp_path: Path) -> None:
    output = tmp_path / "deck.txt"

    said = AnkiTextWriter().write([PACKAGE_NOTES[8]], [], output, tmp_path / "m")
    _, problems = read_back(output, "ankitext")

    assert [str(d) for d in said] == [
        "cards.apkg: info: ankitext keeps a note type's name, not its definition: Anki's text "
        "import takes notes of 'Vocab (mine)' into a collection that has that note type, such "
        "as the one they came from (1 note); write markdown to keep the note type"
    ]
    assert problems[0].startswith(f"{output}:7: warning: note type 'Vocab (mine)' is not one")


# -- CSV -----------------------------------------------------------------------------------


def test_csv_round_trip_of_plain_notes(tmp_path: Path) -> None:
    notes = [
        note("Hund", "dog", deck="Languages::German", tags=("german", "animals")),
        note("Katze, die", 'say "miau"', deck="Languages::German"),
        note(" lead", "two\nlines", deck="Other"),
        note("{{c1::Paris}} is in France", "Back extra", kind=NoteKind.CLOZE),
    ]
    notes = [
        Note(n.question, n.answer, n.deck, WHERE, n.tags, n.guid, TextFormat.PLAIN, kind=n.kind)
        for n in notes
    ]
    output = tmp_path / "deck.csv"

    said = CsvWriter().write(notes, [], output, tmp_path / "m")
    back, problems = read_back(output, "csv")

    assert said == [] and problems == []
    assert [essence(n)[:5] for n in back] == [essence(n)[:5] for n in notes]
    assert output.read_text(encoding="utf-8").splitlines()[:3] == [
        "question,answer,tags,deck",
        "Hund,dog,german animals,Languages::German",
        '"Katze, die","say ""miau""",,Languages::German',
    ]


def test_csv_says_what_it_loses(tmp_path: Path) -> None:
    notes = [PACKAGE_NOTES[0], PACKAGE_NOTES[2], note("", fields=("a", "b", ""), guid="v")]

    said = CsvWriter().write(notes, [], tmp_path / "deck.csv", tmp_path / "m")

    assert [str(d) for d in said] == [
        "cards.apkg: warning: csv keeps no ids: the notes get new GUIDs, so Anki adds them as "
        "new notes instead of updating its own (3 notes); write ankitext or markdown to keep "
        "GUIDs",
        "cards.apkg: warning: csv holds plain text: HTML is written as it is (2 notes); read "
        "the file back with --markdown --allow-html to keep the HTML",
        "cards.apkg: warning: csv keeps question, answer, tags and deck: reversed notes become "
        "basic (1 note); read the file back with --reverse",
        "cards.apkg: warning: csv keeps question, answer, tags and deck: the note type "
        "'Vocab (mine)' is not kept (1 note); write markdown to keep it",
    ]


def test_csv_refuses_a_note_it_cannot_hold_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        CsvWriter().write([PACKAGE_NOTES[9]], [], tmp_path / "deck.csv", tmp_path / "m")

    errors = [d for d in raised.value.diagnostics if d.severity is Severity.ERROR]
    assert [str(d) for d in errors] == [
        "cards.apkg: error: csv holds a question and an answer: the note '' (guid 'v2') of "
        "note type 'Vocab (mine)' has text in the field 'Notes' too; write markdown, which "
        "keeps every field"
    ]
    assert list(tmp_path.iterdir()) == []


# -- registry and CLI ----------------------------------------------------------------------


def test_writers_are_registered_by_name_and_extension() -> None:
    assert [w.name for w in TEXT_WRITERS] == ["markdown", "ankitext", "csv", "crowdanki"]
    assert text_writer_for(Path("a.markdown"), None) is TEXT_WRITERS[0]
    assert text_writer_for(Path("a.txt"), None) is TEXT_WRITERS[1]
    assert text_writer_for(Path("a.out"), "CSV") is TEXT_WRITERS[2]


DECK = "---\ndeck: Zoo\n---\n\n## Hund\ndog\n\n## {{c1::Katze}} purrs\n\n## wide\nsee\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"SOURCE_DATE_EPOCH": "1750000000"})


def test_cli_converts_markdown_to_anki_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deck.md").write_text(DECK, encoding="utf-8")

    result = run("convert", "deck.md", "-o", "deck.txt")

    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote deck.txt: 3 notes from 3 cards in deck 'Zoo'; 1 warning\n"
    assert result.stderr == (
        "deck.md:5: warning: Anki's text import skips notes whose note type the collection "
        "lacks: ankipress's own ('ankipress Basic' …) are in a collection only once it imported "
        "a package from ankipress (3 notes); import the deck as a package (ankipress convert ... "
        "-o deck.apkg) first\n"
        "deck.md:5: info: ankitext holds HTML: Markdown is written rendered (3 notes)\n"
    )
    assert Path("deck.txt").read_text(encoding="utf-8").splitlines()[6:] == [
        f"{ids.note_guid('Zoo', 'Hund')}\tankipress Basic\tZoo\t<p>Hund</p>\t<p>dog</p>\t",
        f"{ids.note_guid('Zoo', '{{c1::Katze}} purrs')}\tankipress Cloze\tZoo\t"
        "<p>{{c1::Katze}} purrs</p>\t\t",
        f"{ids.note_guid('Zoo', 'wide')}\tankipress Basic\tZoo\t<p>wide</p>\t<p>see</p>\t",
    ]


def test_cli_to_csv_and_out_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.md").write_text(DECK, encoding="utf-8")
    Path("b.md").write_text("## Q\nA\n", encoding="utf-8")

    result = run("convert", "a.md", "b.md", "--out-dir", "out", "--to", "csv")

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("out").iterdir()) == ["a.csv", "b.csv"]
    assert Path("out/b.csv").read_text(encoding="utf-8") == "question,answer,tags,deck\nQ,A,,b\n"


def test_cli_csv_cannot_hold_a_note_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    notes = [note("", fields=("Hund", "dog", "m."), deck="Zoo", guid="g1", ords=(0, 1))]
    MarkdownWriter().write(notes, [], tmp_path / "deck.md", tmp_path / "deck.media")

    result = run("convert", "deck.md", "--to", "csv", "-o", "deck.out")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "deck.md:5: error: csv holds a question and an answer: the note 'Hund' (guid 'g1') of "
        "note type 'Vocab (mine)' has text in the field 'Notes' too; write markdown, which "
        "keeps every field\n"
        "deck.md:5: warning: csv keeps no ids: the notes get new GUIDs, so Anki adds them as new "
        "notes instead of updating its own (1 note); write ankitext or markdown to keep GUIDs\n"
        "ankipress: error: 1 error(s); deck.out was not written\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md"]


def test_anki_imports_our_plain_text_as_its_own_export(tmp_path: Path) -> None:
    """Anki's own importer reads what the ankitext writer wrote: every note, field and tag."""
    from anki.collection import ImportCsvRequest

    stock = NoteType("Basic", ("Front", "Back"), (("Card 1", "", ""),), "")
    notes = [
        note("", fields=("What does <b>bold</b> look like?", 'He said "hi",\tthen\n#left'),
             notetype=stock, deck="Course::Week 1", tags=("a::b",), guid="kJTo(12V-D"),
        note("", fields=("two", "fields"), notetype=stock, deck="Other", guid="#x"),
    ]  # fmt: skip
    output = tmp_path / "deck.txt"
    AnkiTextWriter().write(notes, [], output, tmp_path / "m")

    with AnkiCollection(tmp_path / "anki") as anki:
        col = anki.collection
        metadata = col.get_csv_metadata(str(output), None)
        col.import_csv(ImportCsvRequest(path=str(output), metadata=metadata))
        got = [(n.guid, list(n.fields.values()), n.tags, n.decks) for n in anki.notes()]

    assert got == [
        (n.guid, list(n.fields), list(n.tags), [n.deck]) for n in notes
    ]  # fmt: skip


# -- reading what the writer writes: mistakes a person editing the file can make -------------

BROKEN = """---
deck: D
---
## q1
<!-- guid: a | colour: red -->
a1

## q2
<!-- guid: "unclosed | tags: x -->
a2

## q3
<!-- notetype: Nope | kind: reversed -->
a3

## q4
<!-- cards: 0 | format: rtf -->
a4

## q5
<!-- notetype: Vocab -->
### Wrong
x

## q6
<!-- deck: D2 | tags: t -->
a6

# Note types

```yaml
- name: Vocab
  fields: [Word, Meaning]
  templates:
  - {name: Card, front: '{{Word}}', back: '{{Meaning}}'}
  css: ''
```
"""
BAD_NOTE_TYPES = """## q
a

# Note types

~~~yaml
- name: Vocab
  id: twelve
  fields: []
  templates:
  - {name: Card, front: '{{Word}}', back: 7}
  - {name: Other}
  sort field: Nope
  colour: red
~~~
"""


def test_mistakes_in_metadata_name_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "deck.md"
    path.write_text(BROKEN, encoding="utf-8")

    notes, problems = read_back(path, "markdown")

    assert [(n.question, n.deck, n.tags) for n in notes] == [("q6", "D2", ("t",))]
    assert [p.replace(str(path), "deck.md") for p in problems] == [
        "deck.md:5: error: bad card metadata: unknown key 'colour'; the keys are guid, deck, "
        "tags, kind, notetype, cards, format; write it as <!-- key: value | key: value -->",
        "deck.md:9: error: bad card metadata: bad quoted value of 'guid': Unterminated string "
        "starting at; write it as <!-- key: value | key: value -->",
        "deck.md:13: error: bad card metadata: no note type 'Nope' in the section '# Note types'",
        "deck.md:17: error: bad card metadata: 'format' must be one of plain, markdown, html",
        "deck.md:17: error: bad card metadata: 'cards' must be card numbers from 1, separated "
        "by spaces",
        "deck.md:20: error: no '### Meaning' line for the field 'Meaning' of note type 'Vocab'; "
        "each field after the first follows a '### <field name>' line, in order",
    ]


def test_mistakes_in_note_types_name_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "deck.md"
    path.write_text(BAD_NOTE_TYPES, encoding="utf-8")

    _, problems = read_back(path, "markdown")

    assert [p.replace(str(path), "deck.md") for p in problems] == [
        "deck.md:8: error: a note type's id must be a whole number, not text",
        "deck.md:9: error: the fields of 'Vocab' must be a list with one item at least",
        "deck.md:11: error: a template's back in 'Vocab' must be text, not a number",
        "deck.md:12: error: a template of 'Vocab' needs a name, a front and a back",
        "deck.md:13: error: 'sort field' must name one of the fields of 'Vocab'",
        "deck.md:14: error: a note type: 'colour' is unknown; the keys are name, id, cloze, "
        "sort field, fields, templates, css",
    ]
