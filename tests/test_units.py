"""Small pieces on their own: decoding, ids, plain rendering, cleaning, the public API."""

from __future__ import annotations

import codecs

import pytest

import ankipress
from ankipress import ids
from ankipress.duplicates import OnDuplicate
from ankipress.errors import InputError
from ankipress.model import Note, SourceLocation
from ankipress.normalize import clean_deck, clean_tags, clean_text, normalize
from ankipress.render import render_plain
from ankipress.sources import decode


def test_utf16_with_bom_is_read() -> None:
    data = codecs.BOM_UTF16_LE + "Deck Flashcards\r\n1\r\nQ\r\n".encode("utf-16-le")
    source = decode("x.txt", data)
    assert source.lines == ("Deck Flashcards", "1", "Q", "")


def test_utf8_bom_and_mixed_line_ends() -> None:
    source = decode("x.txt", b"\xef\xbb\xbfone\r\ntwo\rthree\nfour")
    assert source.lines == ("one", "two", "three", "four")


def test_invalid_utf8_names_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        decode("x.txt", "café\nsecond ".encode() + b"\xe9t")
    assert str(caught.value).startswith("x.txt:2:8: error: invalid UTF-8 (byte 0xe9)")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Café,crème brûlée\nnaïve,“quoted” – €5\n", "cp1252"),
        ("Straße\tstreet\nÄrger\tanger\n", "cp1252"),
        ("Что это,Это ответ\nпривет,hello\n", "cp1251"),
    ],
)
def test_legacy_encodings_are_detected_and_said(text: str, encoding: str) -> None:
    source = decode("x.csv", text.encode(encoding))
    assert source.text == text
    assert source.encoding == encoding
    assert [str(d) for d in source.diagnostics] == [
        f"x.csv: info: not UTF-8; read as {encoding} (detected); if the text looks wrong, "
        "name the encoding with --encoding"
    ]


def test_explicit_encoding() -> None:
    assert decode("x.txt", "caf\u00e9".encode("cp1252"), "cp1252").text == "caf\u00e9"
    with pytest.raises(InputError, match="unknown encoding 'nope'"):
        decode("x.txt", b"abc", "nope")


def test_guid_depends_on_deck_and_question_only() -> None:
    # Pinned: changing these values changes the GUID of every note users already have.
    assert ids.note_guid("Initialization and regularization", "what is overfitting") == "uoNk!9~dPq"
    assert ids.note_guid("D", "what  is\nit") == ids.note_guid("D", "what is it")
    assert ids.note_guid("D", "caf\u00e9") == ids.note_guid("D", "cafe\u0301")
    assert ids.note_guid("D", "q") != ids.note_guid("E", "q")


def test_ids_are_stable_and_never_default() -> None:
    assert ids.deck_id("Initialization and regularization") == 3556956953367348
    assert ids.notetype_id("ankipress Basic") == 3442447857747816
    for name in ("", "Default", "a", "a::b"):
        assert 1 << 30 <= ids.deck_id(name) < 1 << 52


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("one\ntwo", "one<br>two"),
        ("one\n\ntwo", "<p>one</p><p>two</p>"),
        ("1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"),
        ("2) a\n3) b", '<ol start="2"><li>a</li><li>b</li></ol>'),
        ("1. a\n3. b", "1. a<br>3. b"),
        ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
        ("- only one", "- only one"),
        (
            "intro\n1. a\n2. b",
            '<div class="ankipress-lines"><div>intro</div><div>1. a</div><div>2. b</div></div>',
        ),
        ("word\ntranslation", "word<br>translation"),
        (
            "a\nb\nc\n\nd",
            '<div class="ankipress-lines"><div>a</div><div>b</div><div>c</div></div><p>d</p>',
        ),
        ("intro\n\n1. a\n2. b", "<p>intro</p><ol><li>a</li><li>b</li></ol>"),
        ("3", "3"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ],
)
def test_render_plain(text: str, expected: str) -> None:
    assert render_plain(text) == expected


def test_clean_text_reports_each_change() -> None:
    text, changes = clean_text("cafe\u0301 \u00a0\nx\x1fy\n\n\n\nend\n")
    assert text == "caf\u00e9\nxy\n\nend"
    assert changes == [
        "Unicode composed to NFC",
        "control characters removed",
        "trailing spaces removed",
        "runs of blank lines collapsed",
        "leading or trailing blank lines removed",
    ]


def test_clean_tags_and_decks() -> None:
    tags, changes = clean_tags(["ml", "ML", "two words", "a::::b", "::"])
    assert tags == ("ml", "two_words", "a::b")
    assert changes == [
        "tag 'ML' merged into 'ml'",
        "tag 'two words' held spaces, joined with '_'",
        "tag 'a::::b': empty '::' parts dropped",
        "tag '::': empty '::' parts dropped",
    ]
    assert clean_deck(" A :: B ") == ("A::B", None)
    assert clean_deck("A::::B")[1] == "deck name 'A::::B' has an empty part between '::'"
    assert clean_deck("Default") == ("Default", None)


def test_normalize_drops_repeats_and_keeps_other_answers() -> None:
    here = SourceLocation("f.txt", 1)
    there = SourceLocation("f.txt", 9)
    result = normalize(
        [
            Note("q", "a", "D", here),
            Note("q ", "a", "D", there, tags=("extra",)),
            Note("q", "other", "D", SourceLocation("f.txt", 20)),
            Note("q", "other ", "D", SourceLocation("f.txt", 30)),
        ]
    )
    assert [note.answer for note in result.notes] == ["a", "other"]
    assert result.notes[0].tags == ("extra",)
    assert result.dropped == 2
    assert result.guids == (
        ids.note_guid("D", "q"),
        ids.duplicate_guid("D", "q", "other"),
    )
    changes = ("question:", "answer:")
    assert [str(d) for d in result.diagnostics if not d.message.startswith(changes)] == [
        "f.txt:9: note: exact repeat dropped: same question and answer as f.txt:1; its tags "
        "extra are added there",
        "f.txt:20: warning: the question is also asked at f.txt:1 with a different answer; "
        "both are kept, as two notes; if they are one card, merge them; --on-duplicate "
        "first|last keeps one",
        "f.txt:30: note: exact repeat dropped: same question and answer as f.txt:20",
    ]


def test_duplicate_guids_survive_edits_of_the_other_notes() -> None:
    def guids(*answers: str) -> tuple[str, ...]:
        notes = [Note("q", a, "D", SourceLocation("f.txt", i)) for i, a in enumerate(answers)]
        return normalize(notes).guids

    first, second = guids("a", "b")
    assert guids("a, edited", "b") == (first, second)
    assert guids("a", "c", "b")[::2] == (first, second)
    assert guids("a", "b", "c")[:2] == (first, second)
    assert guids("a", "b  ")[1] == second
    assert guids("a", "b, edited")[1] != second


def test_an_id_given_twice_is_an_error_unless_a_repeat() -> None:
    notes = [
        Note("q", "a", "D", SourceLocation("f.txt", 1), guid="X"),
        Note("q", "a", "D", SourceLocation("f.txt", 2), guid="X"),
        Note("q", "b", "D", SourceLocation("f.txt", 3), guid="X"),
    ]
    result = normalize(notes)
    assert [str(d) for d in result.diagnostics] == [
        "f.txt:2: note: exact repeat dropped: same question and answer as f.txt:1",
        "f.txt:3: error: this note's id 'X' is also used at f.txt:1; give each note its own id",
    ]


@pytest.mark.parametrize(
    ("policy", "kept", "messages"),
    [
        (
            OnDuplicate.FIRST,
            ["a"],
            [
                "f.txt:2: warning: duplicate card dropped: same question as f.txt:1 "
                "(--on-duplicate first)"
            ],
        ),
        (
            OnDuplicate.LAST,
            ["b"],
            [
                "f.txt:1: warning: duplicate card dropped: the question is "
                "asked again at f.txt:2, which is kept (--on-duplicate last)"
            ],
        ),
        (
            OnDuplicate.ERROR,
            ["a"],
            ["f.txt:2: error: the question is also asked at f.txt:1 (--on-duplicate error)"],
        ),
    ],
)
def test_on_duplicate_policies(policy: OnDuplicate, kept: list[str], messages: list[str]) -> None:
    notes = [
        Note("q", "a", "D", SourceLocation("f.txt", 1)),
        Note("q", "b", "D", SourceLocation("f.txt", 2)),
    ]
    result = normalize(notes, on_duplicate=policy)
    assert [note.answer for note in result.notes] == kept
    assert [str(d) for d in result.diagnostics] == messages


def test_same_question_in_two_decks_is_two_notes() -> None:
    notes = [
        Note("q", "a", "D1", SourceLocation("f.txt", 1)),
        Note("q", "b", "D2", SourceLocation("f.txt", 2)),
    ]
    assert len(normalize(notes).notes) == 2


def test_public_api_is_complete() -> None:
    import inspect

    # The exports load on first use: every name of __all__ resolves, and nothing else public
    # is left in the package once they have.
    for name in ankipress.__all__:
        assert getattr(ankipress, name) is not None
    public = {
        name
        for name, value in vars(ankipress).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and name not in {"annotations", "TYPE_CHECKING", "Any"}
    }
    assert public == set(ankipress.__all__) - {"__version__"}
    assert set(ankipress.__all__) <= set(dir(ankipress))


def test_template_changes_move_the_note_type_time_forward() -> None:
    from ankipress import notetypes

    assert notetypes.templates_digest() == notetypes.TEMPLATES_DIGEST, (
        "the card templates or CSS changed: set TEMPLATES_CHANGED in notetypes.py to the "
        "current time (so users' collections take the new note types) and TEMPLATES_DIGEST "
        f"to {notetypes.templates_digest()!r}"
    )


def test_an_id_reused_after_on_duplicate_last_is_an_error_not_a_crash() -> None:
    notes = [
        Note("q", "a", "D", SourceLocation("f.txt", 1), guid="X"),
        Note("q", "b", "D", SourceLocation("f.txt", 2), guid="X"),
        Note("other", "c", "D", SourceLocation("f.txt", 3), guid="X"),
    ]
    result = normalize(notes, on_duplicate=OnDuplicate.LAST)
    assert [note.answer for note in result.notes] == ["b"]
    assert str(result.diagnostics[-1]) == (
        "f.txt:3: error: this note's id 'X' is also used at f.txt:2; give each note its own id"
    )
