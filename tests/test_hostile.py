"""The hostile-input battery through the command line, and the limits it relies on.

Every case of ``golden/hostile/`` (made by ``hostile_cases.py``) and ``golden/apkg/`` (made
by ``hostile_apkg.py``) ends in one of two ways, and no third: the package is written (exit
0), or each problem is one ``path:line[:col]: error: message`` line, the exit code is 1,
no traceback is printed and nothing at all is written. ``test_golden.py`` checks what
each case reads as, or which lines it prints.
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from ankipress import ids, sources
from ankipress.building.pipeline import Options, PackagePlan, convert, plan_package
from ankipress.cli import cli
from ankipress.errors import InputError
from ankipress.model import (
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
)
from ankipress.readers.apkg import ApkgReader, Limits
from ankipress.readers.apkg_zip import PackageError, SafeZip
from ankipress.readers.mdmedia import with_media_folder
from ankipress.render.sanitize import active_content, sanitize_html
from ankipress.sources import MAX_FIELD_CHARS, MAX_MARKDOWN_FIELD_CHARS, load
from hostile_apkg import PNG, collection_db, legacy_package
from hostile_cases import CASES, HOSTILE, MEDIA, OPTIONS

from ankiengine import AnkiCollection

GOLDEN = HOSTILE.parent
_SIDECARS = (".expected.json", ".err", ".options.json")
BATTERY = sorted(
    path
    for folder in (HOSTILE, GOLDEN / "apkg")
    for path in folder.iterdir()
    if path.is_file() and not path.name.endswith(_SIDECARS)
)
T0 = 1_700_000_000
# Options of the golden sidecars, as the command line spells them.
_FLAGS = {"sanitize": "--sanitize", "allow_html": "--allow-html", "markdown": "--markdown"}


def _arguments(case: Path) -> list[str]:
    sidecar = case.with_name(case.stem + ".options.json")
    options = json.loads(sidecar.read_text("utf-8")) if sidecar.exists() else {}
    flags = [_FLAGS[name] for name, value in options.items() if value is True]
    assert len(flags) == len(options), f"{sidecar.name}: an option the test cannot pass"
    return flags


def test_the_battery_is_as_generated_and_large_enough() -> None:
    """The committed cases are what ``hostile_cases.py`` makes (rerun it after a change)."""
    for name, make in CASES.items():
        assert (HOSTILE / name).read_bytes() == make(), name
    for name, data in MEDIA.items():
        assert (HOSTILE / "media" / name).read_bytes() == data
    for name, options in OPTIONS.items():
        sidecar = HOSTILE / f"{Path(name).stem}.options.json"
        assert json.loads(sidecar.read_text("utf-8")) == options
    stems = [(path.parent, path.stem) for path in BATTERY]
    assert len(stems) == len(set(stems)), "two cases share a stem, and so their sidecars"
    assert len(BATTERY) >= 60


@pytest.mark.parametrize("case", BATTERY, ids=[f"{c.parent.name}/{c.name}" for c in BATTERY])
def test_a_case_ends_in_a_package_or_in_errors_and_nothing_written(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(GOLDEN)  # paths print as the golden files have them: hostile/<case>
    output = tmp_path / "out" / "deck.apkg"
    refused = case.with_name(case.stem + ".err")

    result = CliRunner().invoke(
        cli, ["convert", f"{case.parent.name}/{case.name}", "-o", str(output), *_arguments(case)]
    )

    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if refused.exists():
        expected = refused.read_text("utf-8")
        assert result.exit_code == 1, result.output
        assert result.output.startswith(expected)
        rest = result.output[len(expected) :]
        assert rest in (
            "",
            f"ankipress: error: {expected.count(': error: ')} error(s); nothing was written\n",
        )
        assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    else:
        assert result.exit_code == 0, result.output
        with zipfile.ZipFile(output) as package:
            assert package.testzip() is None
            assert "collection.anki2" in package.namelist()
        assert [path.name for path in output.parent.iterdir()] == ["deck.apkg"]


@pytest.mark.parametrize("case", sorted(HOSTILE.glob("struct_md_*.md")), ids=lambda case: case.name)
def test_pathological_markdown_is_refused_or_rendered_quickly(case: Path) -> None:
    started = time.perf_counter()
    plan_package([case], Path("out.apkg"), Options())
    assert time.perf_counter() - started < 2.0


# A deck of one card in each text format, and the line its answer is on.
_CAP_DECKS = {
    "deck.csv": ('question,answer\nWhat is long?,"{}"\n', 2),
    "deck.txt": ("What is long?\t{}\n", 1),
    "anki.txt": ("#separator:tab\n#html:false\nWhat is long?\t{}\n", 3),
    "deck.md": ("## What is long?\n{}\n", 2),
}


@pytest.mark.parametrize("name", list(_CAP_DECKS))
def test_a_field_is_taken_up_to_its_cap_and_refused_past_it(tmp_path: Path, name: str) -> None:
    cap = MAX_MARKDOWN_FIELD_CHARS if name.endswith(".md") else MAX_FIELD_CHARS
    template, line = _CAP_DECKS[name]
    path = tmp_path / name

    def plan(size: int) -> PackagePlan:
        path.write_text(template.format(("abc def " * (size // 8 + 1))[:size]), "utf-8")
        return plan_package([path], Path("o.apkg"), Options())

    at_cap, past = plan(cap), plan(cap + 1)

    assert at_cap.errors == 0 and len(at_cap.notes) == 1
    errors = [str(d) for d in past.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:{line}: error: ")
    assert f"more than the {cap:,}" in errors[0] or f"longer than {cap:,}" in errors[0]


def test_media_named_as_windows_devices_are_packed_under_safe_names(tmp_path: Path) -> None:
    for name in ("CON.png", "aux.wav", "COM1.mp3", "nul"):
        (tmp_path / name).write_bytes(PNG + name.encode())
    deck = tmp_path / "deck.md"
    deck.write_text(
        "## Devices\n![c](CON.png) ![a](aux.wav) [sound:COM1.mp3] [sound:nul]\n", "utf-8"
    )

    plan = plan_package([deck], tmp_path / "deck.apkg", Options())

    names = [name for name, _ in plan.media]
    assert plan.errors == 0
    # Each gets its content's hash: never a bare device name, on any system.
    assert [re.sub(r"-[0-9a-f]{8}(?=\.|$)", "", name) for name in names] == [
        "COM1.mp3",
        "CON.png",
        "aux.wav",
        "nul",
    ]
    assert all(name in plan.notes[0].fields[1] for name in names)


def test_media_through_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    deck_folder = tmp_path / "deck"
    deck_folder.mkdir()
    (deck_folder / "cat.png").symlink_to(secret)
    (deck_folder / "inside.png").symlink_to(deck_folder / "real.png")
    (deck_folder / "real.png").write_bytes(PNG + b"1")
    deck = deck_folder / "deck.md"
    deck.write_text("## Out\n![x](cat.png)\n\n## In\n![x](inside.png)\n", "utf-8")

    plan = plan_package([deck], tmp_path / "o.apkg", Options())

    assert [str(d) for d in plan.diagnostics if d.severity is Severity.ERROR] == [
        f"{deck}:1: error: media file 'cat.png' is refused: it leads out of the folder it must "
        "be in; media files must be in the source file's folder or below it"
    ]


def test_a_media_folder_outside_the_deck_is_refused(tmp_path: Path) -> None:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "key.png").write_bytes(PNG)
    (tmp_path / "deck").mkdir()
    deck = tmp_path / "deck" / "deck.md"
    deck.write_text(
        "---\nmedia: ../private\n---\n## Q\n<!-- format: html -->\n"
        '<img src="../private/key.png">\n',
        "utf-8",
    )

    plan = plan_package([deck], tmp_path / "o.apkg", Options())

    assert [str(d) for d in plan.diagnostics if d.severity is Severity.ERROR] == [
        f"{deck}:2: error: the media folder '../private' is outside the deck's folder; keep "
        "the media folder beside the Markdown file, or below its folder",
        f"{deck}:4: error: media file '../private/key.png' is refused: it leads out of the "
        "folder it must be in; media files must be in the source file's folder or below it",
    ]


def test_an_archive_of_too_many_real_entries_is_refused_before_it_is_parsed(
    tmp_path: Path,
) -> None:
    """The directory's records are counted, whatever count the archive declares."""
    path = tmp_path / "many.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(1001):
            archive.writestr(str(index), b"")
    with pytest.raises(PackageError, match="more than the 1,000"):
        SafeZip(path, Limits(max_entries=1000))
    with pytest.raises(InputError, match="1,001 entries, more than the 1,000"):
        ApkgReader(Limits(max_entries=1000)).read_file(path, "many.apkg", ReadOptions("x"))


# -- active content ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<script>x()</script>", ["<script>"]),
        ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", ["<script>"]),
        ("<img src=x onerror=alert(1)//>", ["onerror="]),
        ("<svg/onload=alert(1)>", ["onload="]),
        ('<a href="  JaVaScRiPt:alert(1)">x</a>', ["a javascript: address"]),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', ["a javascript: address"]),
        ('<a href="javascript&colon;alert(1)">x</a>', ["a javascript: address"]),
        ('<a href="vbscript:msgbox(1)">x</a>', ["a vbscript: address"]),
        ('<iframe srcdoc="&lt;script&gt;x()&lt;/script&gt;"></iframe>', ["<iframe>", "srcdoc="]),
        ('<object data="x.swf"></object><embed src="x.swf">', ["<object>", "<embed>"]),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', ["<meta>"]),
        ('<form action="https://evil.example/"><input name=p></form>', ["<form>"]),
        ('<a href="data:text/html,&lt;script&gt;x()&lt;/script&gt;">x</a>', ["a data: address"]),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ["a javascript: address"]),
    ],
)
def test_active_content_is_found_however_it_is_written(html: str, found: list[str]) -> None:
    assert active_content(html) == found
    assert active_content(sanitize_html(html)) == []


@pytest.mark.parametrize(
    "html",
    [
        '<font color="#ff0000">red</font> <b>b</b> <i>i</i> <u>u</u> <sub>1</sub><sup>2</sup>',
        '<img src="cat.png" alt="a cat" width="100">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<audio controls="" src="purr.mp3"></audio> [sound:purr.mp3]',
        '<div style="color: blue" class="x">div</div><span class="y">span</span>',
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>',
        '<a href="https://example.org/">a link</a> <ol start="3"><li>three</li></ol>',
        "{{c1::Paris}} is in <b>{{c2::France}}</b>",
        "Script, frame, object and onions: words, not tags &amp; entities",
    ],
)
def test_what_cards_use_is_not_active_and_survives_the_sanitizer(html: str) -> None:
    assert active_content(html) == []
    assert sanitize_html(html) == html


def test_escaped_and_sanitized_fields_are_stored_as_shown_in_anki(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    """SQL metacharacters verbatim, what --sanitize leaves.

    (A Quizlet export holding tags is HTML, as Anki's importer reads it: its golden case
    shows the warnings.)
    """
    output = tmp_path / "deck.apkg"
    convert([HOSTILE / "content_sql_metacharacters.csv"], output, Options(), T0)
    convert(
        [HOSTILE / "content_script_html.txt"], tmp_path / "html.apkg", Options(sanitize=True), T0
    )

    anki.import_package(output)
    anki.import_package(tmp_path / "html.apkg")

    fields = {note.fields["Front"]: note.fields["Back"] for note in anki.notes()}
    assert fields["Robert'); DROP TABLE notes;--"] == "' OR '1'='1"
    assert fields["50% off; _under_ \\\\ back"] == '"quoted" -- comment /* c */ `tick`'
    assert fields["<b>Bold</b> "] == '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    assert not any(active_content(text) for pair in fields.items() for text in pair)


def test_questions_genanki_would_join_alike_get_their_own_guids() -> None:
    """genanki's default GUID hashes every field joined by "__"; ours, deck and question."""
    assert ids.note_guid("Deck", "a__b") != ids.note_guid("Deck", "a")
    plan = plan_package([HOSTILE / "content_genanki_join_collision.txt"], Path("o.apkg"), Options())
    assert len({note.guid for note in plan.notes}) == 2


def test_nfd_and_nfc_spellings_of_a_question_are_one_note() -> None:
    assert ids.note_guid("D", "e\u0301te\u0301") == ids.note_guid("D", "\u00e9t\u00e9")
    plan = plan_package([HOSTILE / "enc_nfd_and_nfc_one_guid.txt"], Path("o.apkg"), Options())
    assert len(plan.notes) == 1 and plan.dropped == 1


@pytest.mark.parametrize("case", ["pkg_script_in_fields.apkg", "pkg_script_in_template.apkg"])
def test_a_text_output_is_screened_as_a_package_is(tmp_path: Path, case: str) -> None:
    output = tmp_path / "deck.md"
    source = str(HOSTILE / case)

    kept = CliRunner().invoke(cli, ["convert", source, "-o", str(output)])
    text = output.read_text("utf-8")
    removed = CliRunner().invoke(cli, ["convert", source, "-o", str(output), "--sanitize"])

    assert kept.exit_code == removed.exit_code == 0
    assert "holds active content that Anki runs" in kept.output
    assert "<script>" in text
    assert "active content" not in removed.output  # a note: shown with --verbose
    assert "script" not in output.read_text("utf-8")


def test_a_source_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_SOURCE_BYTES", 100)
    deck = tmp_path / "big.txt"
    deck.write_text("question\tanswer\n" * 10, "utf-8")

    with pytest.raises(InputError) as caught:
        sources.load(deck, "big.txt")

    assert str(caught.value) == (
        "big.txt: error: file is too large (160 bytes; the limit is 100 bytes); raise the "
        'limit with --max-source-size 1M (or max_source_size = "1M" in ankipress.toml)'
    )
    # The limit is an option: a larger one reads the file.
    assert len(sources.load(deck, "big.txt", limit=1000).text) == 160


def test_the_source_size_limit_is_an_option_of_the_cli_and_the_project_file(
    tmp_path: Path,
) -> None:
    from ankipress.building.config import load_project

    deck = tmp_path / "big.txt"
    deck.write_text("question\tanswer\n" * 100, "utf-8")  # 1,600 bytes
    runner = CliRunner()
    refused = runner.invoke(
        cli, ["convert", str(deck), "--max-source-size", "1K", "-o", str(tmp_path / "a.apkg")]
    )
    assert refused.exit_code == 1
    assert "the limit is 1024 bytes); raise the limit with --max-source-size 1M" in refused.output
    read = runner.invoke(
        cli, ["convert", str(deck), "--max-source-size", "2k", "-o", str(tmp_path / "a.apkg")]
    )
    assert read.exit_code == 0, read.output
    (tmp_path / "ankipress.toml").write_text('[build]\nmax_source_size = "3M"\n', "utf-8")
    assert load_project(tmp_path).defaults.max_source_bytes == 3 << 20


# -- a package's media are the files inside it ------------------------------------------------

_BESIDE = {"tax-return.pdf": b"%PDF private", "diary.mp3": b"ID3 private", "sub/key.png": PNG}


@pytest.mark.parametrize("output", ["mine.apkg", "mine.md", "mine.txt", "mine.csv"])
def test_a_package_never_packs_the_files_lying_beside_it(tmp_path: Path, output: str) -> None:
    """Fields naming files (``<img src="tax-return.pdf">``) name files of Anki's collection."""
    fields = '<img src="tax-return.pdf"> [sound:diary.mp3] <img src="sub/key.png">'
    sql = f"UPDATE notes SET flds = 'What is here?' || char(31) || '{fields}';"
    (tmp_path / "shared.apkg").write_bytes(legacy_package(collection_db(sql), {}, {}))
    for name, data in _BESIDE.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    before = {path.name for path in tmp_path.rglob("*")}

    result = CliRunner().invoke(
        cli, ["convert", str(tmp_path / "shared.apkg"), "-o", str(tmp_path / output)]
    )

    assert result.exit_code == 0, result.output
    written = [path for path in tmp_path.rglob("*") if path.name not in before]
    assert [path.name for path in written] == [output]  # no media folder beside it
    content = (tmp_path / output).read_bytes()
    for data in _BESIDE.values():
        assert data not in content
    if output.endswith(".apkg"):
        with zipfile.ZipFile(tmp_path / output) as package:
            assert json.loads(package.read("media")) == {}
        assert result.output.count("is not in the package") == 3
    else:
        assert "tax-return.pdf" in content.decode("utf-8")  # the reference, as it was


def _media_deck(folder: Path, media: str, files: dict[str, bytes]) -> Path:
    deck = folder / "deck.md"
    deck.write_text(f"---\nmedia: {media}\n---\n## What is here?\nA card.\n", "utf-8")
    target = folder / media
    target.mkdir(exist_ok=True)
    for name, data in files.items():
        (target / name).write_bytes(data)
    return deck


def test_the_decks_own_folder_gives_no_file_that_nothing_names(tmp_path: Path) -> None:
    """``media: .`` makes the deck's folder its media: its ``_`` files are someone's."""
    files = {"_secrets.env": b"TOKEN=1", "_deploy.sh": b"rm -rf /", "latex-x.png": PNG}
    deck = _media_deck(tmp_path, ".", files)

    plan = plan_package([deck], tmp_path / "o.apkg", Options())

    assert plan.media == ()
    assert [str(d) for d in plan.diagnostics] == [
        f"{deck}:2: warning: 3 files of the media folder not taken, as no card or note type "
        "names them: '_deploy.sh', '_secrets.env', 'latex-x.png'; the deck's own folder "
        "holds more than its media"
    ]


def test_a_media_folder_of_its_own_keeps_template_files_but_no_program(tmp_path: Path) -> None:
    """As Anki keeps ``_`` files: the add-on's data comes along, a script nothing names not."""
    files = {"_addon.dat": b"data", "_deploy.sh": b"rm -rf /", "_tool.py": b"import os"}
    deck = _media_deck(tmp_path, "deck.media", files)

    plan = plan_package([deck], tmp_path / "o.apkg", Options())

    assert plan.media == (("_addon.dat", b"data"),)
    assert [d.message for d in plan.diagnostics] == [
        "2 files of the media folder not taken, as no card or note type names them: "
        "'_deploy.sh', '_tool.py'"
    ]


def test_files_a_note_type_names_come_along_from_any_media_folder(tmp_path: Path) -> None:
    """Named by the CSS, or by a style sheet the CSS names: as Anki's templates use them."""
    files = {"_style.css": b"@font-face{src:url(_font.woff)}", "_font.woff": b"font"}
    files |= {"_font.woff2": b"other", "_secrets.env": b"TOKEN=1"}
    deck = _media_deck(tmp_path, ".", files)
    styled = NoteType("Styled", ("Front", "Back"), (("Card 1", "{{Front}}", "{{Back}}"),), "")
    styled = replace(styled, css='@import url("_style.css");')
    note = Note("Q", "A", "deck", SourceLocation(str(deck), 4), kind=NoteKind.CUSTOM)
    note = replace(note, notetype=styled, fields=("Q", "A"))
    front = SimpleNamespace(media=".", media_line=1)

    result = with_media_folder(ReadResult((note,), (), 1), load(deck), front)  # type: ignore[arg-type]

    assert [item.name for item in result.media] == ["_font.woff", "_style.css"]
    assert "'_font.woff2', '_secrets.env'" in result.diagnostics[0].message


# -- values Anki refuses ----------------------------------------------------------------------


def test_edge_values_are_bounded_or_cleaned_and_anki_takes_the_package(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    """Deck names with breaks and tabs, 11 levels, cloze 65535, a card ordinal past 16 bits,
    a file dated 1970: each cleaned or bounded with a message, and the engine imports it."""
    deep = "::".join(f"L{i}" for i in range(11))
    deck = tmp_path / "edge.csv"
    deck.write_text(
        f'question,answer,deck\nBroken?,Yes,"Line\nbreak\tand tab"\nDeep?,Yes,{deep}\n',
        "utf-8",
    )
    cloze = tmp_path / "cloze.txt"
    cloze.write_text("Far {{c65535::cloze}}\textra\n", "utf-8")
    sql = "UPDATE cards SET ord = 70000;"
    package = tmp_path / "ords.apkg"
    package.write_bytes(legacy_package(collection_db(sql), {}, {}))
    for path in (deck, cloze, package):
        os.utime(path, (0, 0))  # dated 1970, as files from some archives are
    output = tmp_path / "edge.apkg"

    report = convert([deck, cloze, package], output, Options())

    said = [d.message for d in report.diagnostics if d.severity is Severity.WARNING]
    assert any("'Line\\nbreak\\tand tab' holds line breaks, tabs" in m for m in said)
    assert any("card ordinal 70000 is out of the range Anki takes" in m for m in said)
    assert any("is before 1980; the package is stamped 315532800" in m for m in said)
    counts = anki.import_package(output)
    assert counts.new == 4
    assert {"Line break and tab", deep, "cloze", "Hostile"} <= set(anki.deck_names())
    assert sorted(card.deck for card in anki.cards()) == sorted(
        ["Line break and tab", deep, "cloze", "Hostile"]
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Q?\tA\n", "is nested 12 levels deep; Anki takes at most 11"),
        ("Far {{c65536::cloze}}\textra\n", "cloze number c65536 is larger than the 65,535"),
    ],
    ids=["deck-12-levels", "cloze-65536"],
)
def test_values_anki_refuses_are_located_errors(tmp_path: Path, text: str, says: str) -> None:
    deck = tmp_path / "deck.txt"
    deck.write_text(text, "utf-8")
    options = Options(deck="::".join(f"L{i}" for i in range(12))) if "Q?" in text else Options()

    plan = plan_package([deck], tmp_path / "o.apkg", options)

    errors = [str(d) for d in plan.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1 and errors[0].startswith(f"{deck}:1: error: ")
    assert says in errors[0]


# -- a CSV a spreadsheet opens ---------------------------------------------------------------

_FORMULAS = ("=cmd|' /C calc'!A0", '@SUM(1+1)*cmd|" /C calc"!A0')


@pytest.mark.parametrize("keep", [False, True], ids=["escaped", "kept-raw"])
def test_csv_cells_a_spreadsheet_would_run_are_escaped_unless_asked(
    tmp_path: Path, keep: bool
) -> None:
    question, answer = (text.replace("'", "''") for text in _FORMULAS)
    sql = f"UPDATE notes SET flds = '{question}' || char(31) || '{answer}';"
    (tmp_path / "shared.apkg").write_bytes(legacy_package(collection_db(sql), {}, {}))
    output = tmp_path / "deck.csv"
    flags = ["--keep-formulas"] if keep else []

    result = CliRunner().invoke(
        cli, ["convert", str(tmp_path / "shared.apkg"), "-o", str(output), *flags]
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(output.read_text("utf-8").splitlines()))
    prefix = "" if keep else "'"
    assert rows[1][:2] == [prefix + _FORMULAS[0], prefix + _FORMULAS[1]]
    warned = f"{output}: warning: 2 cells start with =, +, -, @ or a tab, which a spreadsheet "
    assert (warned in result.output) is not keep


@pytest.mark.parametrize("reference", ["![x](a%00b.png)", "![x](" + "a" * 5000 + ".png)"])
def test_a_media_reference_no_disk_can_hold_is_a_located_error(
    tmp_path: Path, reference: str
) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(f"## Q\n{reference}\n", "utf-8")

    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(tmp_path / "o.apkg")])

    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{deck}:1: error: media file ")
    assert "internal error" not in result.output
