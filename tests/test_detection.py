"""Detection: options that imply a format, and readers that like a file equally well."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ankipress import readers
from ankipress.errors import InputError
from ankipress.model import Note, ReadOptions, ReadResult, SourceLocation
from ankipress.sources import Source


@dataclass
class _Stub:
    """A reader that likes every file as much as it is told and reads fixed notes."""

    name: str
    pairs: tuple[tuple[str, str], ...]
    score: float = 0.6
    extensions: tuple[str, ...] = ()
    description: str = "a stub"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        return self.score

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        notes = tuple(
            Note(q, a, "deck", SourceLocation(source.path, line))
            for line, (q, a) in enumerate(self.pairs, start=1)
        )
        return ReadResult(notes, (), len(notes))


SOURCE = Source.from_text("cards.txt", "a;b\nc;d\n")


def test_two_readings_alike_are_not_ambiguous(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _Stub("one", (("a", "b"),)), _Stub("two", (("a", "b"),))
    monkeypatch.setattr(readers, "READERS", (first, second))
    assert readers.detect(SOURCE) is first


def test_a_reading_without_notes_loses(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _Stub("one", ()), _Stub("two", (("a", "b"),))
    monkeypatch.setattr(readers, "READERS", (first, second))
    assert readers.detect(SOURCE) is second


def test_different_readings_show_a_note_of_each(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _Stub("one", (("a", "b"), ("c", "d")))
    second = _Stub("two", (("a", "b"), ("c;d", "a much longer answer than thirty characters")))
    monkeypatch.setattr(readers, "READERS", (first, second))

    with pytest.raises(InputError) as caught:
        readers.detect(SOURCE)

    assert str(caught.value) == (
        'cards.txt:2: error: the format of this file is ambiguous: as one: "c" → "d"; '
        'as two: "c;d" → "a much longer answer than t..."; name it with --from one or --from two'
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(ReadOptions("d", separator=" - "), "quizlet", id="long-sep-is-quizlet"),
        pytest.param(ReadOptions("d", card_separator="\n\n"), "quizlet", id="card-sep"),
        pytest.param(ReadOptions("d", columns=("question", "answer")), "csv", id="columns"),
    ],
)
def test_an_option_only_one_format_takes_implies_it(options: ReadOptions, expected: str) -> None:
    # Markdown by its look: the option still decides.
    source = Source.from_text("cards.md", "## question - one\n\nanswer, two\n")
    assert readers.detect(source, options).name == expected


def test_options_no_format_takes_together_are_an_error() -> None:
    options = ReadOptions("d", card_separator=";;", columns=("question", "answer"))
    with pytest.raises(InputError, match="no input format takes --card-sep and --columns"):
        readers.detect(SOURCE, options)


@pytest.mark.parametrize(
    "text",
    [
        '[\n    "a.png",\n    "b.png",\n    "c.mp3"\n]\n',
        '{"name": "not a deck", "cards": [["q", "a"]]}',
        '\ufeff[{"q": "a"}]',
    ],
    ids=["a-list-of-media-names", "an-object", "a-list-after-a-bom"],
)
def test_json_that_is_not_a_crowdanki_deck_is_refused_not_read_as_a_table(text: str) -> None:
    source = Source.from_text("media-files.json", text)
    with pytest.raises(InputError) as caught:
        readers.detect(source)
    message = str(caught.value)
    assert message.startswith("media-files.json: error: this file is JSON, but not a CrowdAnki")
    assert "export the cards as CSV" in message


@pytest.mark.parametrize(
    "text", ["[sound:a.mp3];the sound\n[sound:b.mp3];another\n", "[1;2]\n{3;4}\n"]
)
def test_text_that_only_looks_like_json_at_its_ends_is_still_read(text: str) -> None:
    assert readers.detect(Source.from_text("cards.txt", text)).name != "crowdanki"


def _detected(name: str, text: str) -> str:
    return str(readers.detect(Source.from_text(name, text)).name)


@pytest.mark.parametrize(
    "text",
    [
        "cat\tdie Katze\tanimals chapter_1\ndog\tder Hund\t\nred\trot\tcolours\n",
        "cat\tdie Katze\tleech\ndog\tder Hund\t\nred\trot\tcolours\n",
        "cat\tdie Katze\tGerman::Animals\ndog\tder Hund\tGerman::Animals\n",
        "cat\tdie Katze\tvocab\ndog\tder Hund\tvocab\nred\trot\tvocab\n",
        "q1\ta1\tx2\nq2\ta2\ty,z\n",
    ],
    ids=["sparse", "ankis-own-tag", "hierarchy", "one-tag-for-all", "digits-and-commas"],
)
def test_an_anki_export_without_headers_reads_its_last_column_as_tags(text: str) -> None:
    """Anki's own export before it wrote headers: fields, then the tags, tab-separated."""
    assert _detected("export.txt", text) == "ankitext"
    result = readers.get_reader("ankitext").read(
        Source.from_text("export.txt", text), ReadOptions(default_deck="export")
    )
    last = [line.rsplit("\t", 1)[1] for line in text.splitlines()]
    assert [" ".join(note.tags) for note in result.notes] == [cell.strip() for cell in last]
    assert all("\t" not in note.answer for note in result.notes)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("words.txt", "cat\tdie Katze\tnoun\nrun\tlaufen\tverb\nred\trot\tadjective\n"),
        ("words.txt", "Hund\tdog\tder\nKatze\tcat\tdie\nMaus\tmouse\t\n"),
        ("words.txt", "cat\tdie Katze\tThe cat sleeps.\ndog\tder Hund\tA dog barks!\n"),
        ("words.txt", "foo bar; bar baz; baz quux\napple; banana; grape\n"),
        ("words.tsv", "cat\tdie Katze\tanimals chapter_1\ndog\tder Hund\t\n"),
        ("words.txt", 'cat\t"die Katze"\tanimals_1\ndog\tder Hund\tanimals_1\n'),
    ],
    ids=["a-word-class-column", "articles", "sentences", "semicolons", "a-tsv-file", "quoted"],
)
def test_a_third_column_that_is_not_tags_stays_a_field_of_a_table(name: str, text: str) -> None:
    assert _detected(name, text) == "csv"
