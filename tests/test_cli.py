"""The command line as a user meets it: whole messages, exit codes, and files left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress.cli import cli

WARNING = (
    "source_cards/initialization-and-regularization.txt:3: warning: the deck "
    "'Initialization and regularization' says it has 17 cards, but 16 were found; the "
    "export looks cut off: the last card (line 289) ends without its rating trailer\n"
)
SUMMARY = (
    "wrote build/initialization-and-regularization.apkg: 16 notes from 16 cards in deck "
    "'Initialization and regularization'; 1 warning\n"
)
CARD = (
    "{n}\nQ\n\n{q}\n\nA\n\n{a}\n\nHow well did you know this?\n1\nNot at all\n2\n3\n4\n5\n"
    "Perfectly\n"
)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, list(args), env={"SOURCE_DATE_EPOCH": "1750000000", **(env or {})}
    )


@pytest.fixture
def in_project(seed_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(seed_copy.parent.parent)
    return seed_copy.parent.parent


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_build_writes_one_package_per_source_and_says_so(in_project: Path) -> None:
    result = run("build")

    assert result.exit_code == 0
    assert result.stdout == SUMMARY
    assert result.stderr == WARNING
    assert _files(in_project / "build") == [
        ".ankipress-state.json",
        "initialization-and-regularization.apkg",
        "manifest.json",
    ]


def test_build_strict_refuses_on_the_warning_and_writes_nothing(in_project: Path) -> None:
    result = run("build", "--strict")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        WARNING + "ankipress: error: 0 error(s) and 1 warning(s) (--strict); nothing was written\n"
    )
    assert not (in_project / "build").exists()


def test_verbose_lists_changes(in_project: Path) -> None:
    (in_project / "source_cards" / "spaces.txt").write_text(
        "Spaces Flashcards\n(1 card)\n" + CARD.format(n=1, q="q  ", a="a\u00a0"), "utf-8"
    )

    result = run("build", "-v")

    assert result.exit_code == 0
    assert (
        "source_cards/spaces.txt:6: note: question: trailing spaces removed; answer: "
        "trailing spaces removed\n"
    ) in result.stderr
    assert (
        "wrote build/spaces.apkg: 1 note from 1 card in deck 'Spaces'; 1 changed by "
        "normalization (--verbose lists them); 0 warnings\n" in result.stdout
    )


def test_convert_a_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    result = run("convert", str(missing), "-o", str(tmp_path / "deck.apkg"))

    assert result.exit_code == 1
    assert result.stderr == f"{missing}: error: no such file\n"
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "noanswer.txt",
            "Deck Flashcards\n(1 card)\n1\nQ\nwhat?\n",
            "noanswer.txt:4: error: card 1 has a 'Q' but no 'A'; add a line 'A' "
            "followed by the answer, or delete the card\n",
            id="q-without-a",
        ),
        pytest.param(
            "binary.txt",
            b"PK\x03\x04\x00\x00garbage",
            "binary.txt:1:5: error: this is a binary file, not a text export (NUL byte)\n",
            id="binary",
        ),
        pytest.param(
            "bad-utf8.txt",
            "Caf\u00e9 Flashcards\n".encode() + b"bad \xff byte\n",
            "bad-utf8.txt:2:5: error: invalid UTF-8 (byte 0xff); if the file is in "
            "another encoding, name it with --encoding (for example --encoding "
            "cp1252)\n",
            id="not-utf8",
        ),
        pytest.param(
            "empty.txt", "", "empty.txt: error: the file is empty: no cards found\n", id="empty"
        ),
    ],
)
def test_bad_input_is_one_error_line_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: str | bytes, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    data = content.encode() if isinstance(content, str) else content
    Path(name).write_bytes(data)

    result = run("convert", name, "-o", "out/deck.apkg")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message
    assert _files(tmp_path) == [name]


def test_errors_in_one_source_stop_the_whole_build(in_project: Path) -> None:
    (in_project / "source_cards" / "broken.txt").write_text(
        "Broken Flashcards\n(2 cards)\n"
        + CARD.format(n=1, q="fine", a="fine")
        + "2\nQ\n\nno answer\n",
        "utf-8",
    )

    result = run("build")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "source_cards/broken.txt:21: error: card 2 has a 'Q' but no 'A'; add a line 'A' "
        "followed by the answer, or delete the card\n"
        + WARNING
        + "ankipress: error: 1 error(s); nothing was written\n"
    )
    assert not (in_project / "build").exists()


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path, seed_copy: Path) -> None:
    target = tmp_path / "taken.apkg"
    target.mkdir()  # a folder where the package should go: the rename must fail

    result = run("convert", str(seed_copy), "-o", str(target))

    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"{target}: error: cannot write the package: it is a folder, not a regular file; "
        "only files are replaced\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["source_cards", "taken.apkg"] or sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["source_cards", "taken.apkg"]
    assert list(target.iterdir()) == []


def test_usage_errors_exit_2(tmp_path: Path, seed_copy: Path) -> None:
    wrong_suffix = run("convert", str(seed_copy), "-o", str(tmp_path / "deck.zip"))
    assert wrong_suffix.exit_code == 2
    assert wrong_suffix.stderr == (
        f"ankipress: error: {tmp_path / 'deck.zip'}: cannot tell the output format from the "
        "extension .zip; name it with --to (apkg, markdown, ankitext, csv, crowdanki)\n"
    )

    unknown = run("convert", str(seed_copy), "-o", "x.apkg", "--from", "nope")
    assert unknown.exit_code == 2
    assert "Invalid value for '--from'" in unknown.stderr

    bad_epoch = run(
        "convert",
        str(seed_copy),
        "-o",
        str(tmp_path / "d.apkg"),
        env={"SOURCE_DATE_EPOCH": "yesterday"},
    )
    assert bad_epoch.exit_code == 2
    assert bad_epoch.stderr == (
        "ankipress: error: SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'\n"
    )
    assert not (tmp_path / "d.apkg").exists()

    no_output = run("convert", str(seed_copy))
    assert no_output.exit_code == 2


def test_version_and_formats() -> None:
    version = run("--version")
    assert version.exit_code == 0
    assert version.stdout.startswith("ankipress, version ")

    formats = run("formats")
    assert formats.exit_code == 0
    names = [line.split()[0] for line in formats.stdout.splitlines() if not line.startswith(" ")]
    assert names == [
        "ankitext",
        "brainscape",
        "crowdanki",
        "obsidian-to-anki",
        "obsidian-sr",
        "org",
        "anki-panky",
        "logseq",
        "md2anki",
        "markdown",
        "quizlet",
        "csv",
        "apkg",
    ]


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "ankipress", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert completed.returncode == 0
    assert "convert" in completed.stdout and "build" in completed.stdout


def test_report_lists_every_change_and_warning(in_project: Path) -> None:
    import json

    (in_project / "source_cards" / "messy.txt").write_text(
        "Messy Flashcards\n(3 cards)\n"
        + CARD.format(n=1, q="cafe\u0301  ", a="x\x1fy")
        + CARD.format(n=2, q="same", a="same")
        + CARD.format(n=3, q="same", a="same"),
        "utf-8",
    )

    result = run("build", "--report", "build/report.json")

    assert result.exit_code == 0
    data = json.loads((in_project / "build" / "report.json").read_text("utf-8"))
    assert data["ok"] is True
    assert data["counts"] == {"error": 0, "warning": 2, "info": 0, "note": 2}
    records = [(d["path"], d["line"], d["severity"], d["message"]) for d in data["diagnostics"]]
    assert records == [
        (
            "source_cards/initialization-and-regularization.txt",
            3,
            "warning",
            "the deck 'Initialization and regularization' says it has 17 cards, but 16 were found",
        ),
        (
            "source_cards/messy.txt",
            10,
            "warning",
            "control character U+001F removed: Anki strips control characters from fields",
        ),
        (
            "source_cards/messy.txt",
            6,
            "note",
            "question: Unicode composed to NFC; question: "
            "trailing spaces removed; answer: control characters removed",
        ),
        (
            "source_cards/messy.txt",
            40,
            "note",
            "exact repeat dropped: same question and answer as source_cards/messy.txt:23",
        ),
    ]
    assert [p["notes"] for p in data["packages"]] == [16, 2]
    assert "1 dropped as duplicates; 1 changed by normalization" in result.stdout


def test_report_is_written_when_the_build_fails(in_project: Path) -> None:
    import json

    (in_project / "source_cards" / "broken.txt").write_text(
        "Broken Flashcards\n1\nQ\nno answer\n", "utf-8"
    )

    result = run("build", "--report", "report.json")

    assert result.exit_code == 1
    data = json.loads((in_project / "report.json").read_text("utf-8"))
    assert data["ok"] is False and data["packages"] == []
    assert data["counts"]["error"] == 1


def test_on_duplicate_last_keeps_the_later_card(tmp_path: Path) -> None:
    deck = tmp_path / "dups.txt"
    deck.write_text(
        "Dups Flashcards\n(2 cards)\n"
        + CARD.format(n=1, q="capital?", a="Sydney")
        + CARD.format(n=2, q="capital?", a="Canberra"),
        "utf-8",
    )

    both = run("convert", str(deck), "-o", str(tmp_path / "d.apkg"))
    kept_last = run("convert", str(deck), "-o", str(tmp_path / "d.apkg"), "--on-duplicate", "last")

    assert both.exit_code == 0
    assert both.stderr == (
        f"{deck}:23: warning: the question is also asked at {deck}:6 with a different answer; "
        "both are kept, as two notes; if they are one card, merge them; --on-duplicate "
        "first|last keeps one\n"
    )
    assert kept_last.exit_code == 0
    assert kept_last.stderr == (
        f"{deck}:6: warning: duplicate card dropped: the question is asked again at {deck}:23, "
        "which is kept (--on-duplicate last)\n"
    )


def test_check_writes_nothing_and_reports_in_each_format(in_project: Path) -> None:
    import json

    text = run("check")
    github = run("check", "--format", "github")
    as_json = run("check", "--format", "json")
    strict = run("check", "--strict")

    assert text.exit_code == 0
    assert text.stderr == WARNING
    assert text.stdout == SUMMARY.replace("wrote ", "would write ")
    assert github.exit_code == 0
    assert github.stdout == (
        "::warning file=source_cards/initialization-and-regularization.txt,line=3::the deck "
        "'Initialization and regularization' says it has 17 cards, but 16 were found; the "
        "export looks cut off: the last card (line 289) ends without its rating trailer\n"
    )
    data = json.loads(as_json.stdout)
    assert data["ok"] is True and data["packages"][0]["notes"] == 16
    assert strict.exit_code == 1
    assert not (in_project / "build").exists()


def test_check_a_file_with_errors_exits_1_with_annotations(tmp_path: Path) -> None:
    deck = tmp_path / "bad, name.txt"
    deck.write_text("Bad Flashcards\n(1 card)\n1\nQ\nwhat?\n", encoding="utf-8")

    result = run("check", str(deck), "--format", "github")

    assert result.exit_code == 1
    escaped = str(deck).replace(",", "%2C")
    assert result.stdout == (
        f"::error file={escaped},line=4::card 1 has a 'Q' but no 'A'; add a line 'A' "
        "followed by the answer, or delete the card\n"
    )


def test_preview_writes_one_page_and_refuses_inputs_with_errors(
    in_project: Path, tmp_path: Path
) -> None:
    page = run("preview", "-o", "preview.html")
    (in_project / "source_cards" / "bad.txt").write_text(
        "Bad Flashcards\n1\nQ\nno answer\n", "utf-8"
    )
    refused = run("preview", "source_cards/bad.txt", "-o", "bad.html")

    assert page.exit_code == 0
    assert page.stdout == "wrote preview.html: 16 cards of 1 package(s)\n"
    assert "how to combate overfitting" in (in_project / "preview.html").read_text("utf-8")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "source_cards/bad.txt:3: error: card 1 has a 'Q' but no 'A'; add a line 'A' followed "
        "by the answer, or delete the card\n"
    )
    assert not (in_project / "bad.html").exists()


def test_quiet_prints_problems_only_and_progress_needs_a_terminal(in_project: Path) -> None:
    quiet = run("build", "--quiet")
    ticks: list[tuple[str, int, int]] = []
    from ankipress.building.pipeline import Options, convert

    convert(
        [in_project / "source_cards" / "initialization-and-regularization.txt"],
        in_project / "p.apkg",
        Options(progress=lambda *tick: ticks.append(tick)),
        1_750_000_000,
    )

    assert quiet.exit_code == 0
    assert quiet.stdout == ""
    assert quiet.stderr == WARNING
    assert ticks == [("p.apkg", 0, 16), ("p.apkg", 16, 16)]


def test_allow_html_acts_on_a_plain_format(tmp_path: Path) -> None:
    deck = tmp_path / "chem.csv"
    # No tag in it: Anki's guess (and ours) reads the table as plain text.
    deck.write_text("question,answer\nAT&amp;T?,a company\n", "utf-8")
    plain = tmp_path / "plain.txt"
    html = tmp_path / "html.txt"

    shown = run("convert", str(deck), "-o", str(plain), "--to", "ankitext")
    rendered = run("convert", str(deck), "-o", str(html), "--to", "ankitext", "--html")

    assert (shown.exit_code, rendered.exit_code) == (0, 0)
    assert "#html:false\n" in plain.read_text("utf-8")
    assert "#html:true\n" in html.read_text("utf-8")
    assert "\tAT&amp;T?\ta company\t" in html.read_text("utf-8")


def test_an_empty_answer_is_kept_with_a_warning(tmp_path: Path) -> None:
    deck = tmp_path / "empty-answer.txt"
    deck.write_text("Deck Flashcards\n(1 card)\n1\nQ\nwhat?\nA\n\n", "utf-8")

    result = run("convert", str(deck), "-o", str(tmp_path / "deck.apkg"))

    assert result.exit_code == 0
    assert result.stderr == (
        f"{deck}:6: warning: the answer is empty: the note is kept, as Anki keeps it; "
        "write an answer, or make the note a cloze with {{c1::…}}\n"
    )


def test_summary_counts_the_cards_anki_makes_of_cloze_and_reversed_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "source_cards").mkdir()
    (tmp_path / "source_cards" / "capitals.md").write_text(
        "- {{c1 Lisbon}} lies on the {{c2 Tagus}}\n- hund #card #bidirectional\n\t- dog\n"
        "- Rome? #card\n\t- Italy\n",
        "utf-8",
    )
    summary = "3 notes (5 cards in Anki) from 3 cards in deck 'capitals'; 0 warnings\n"

    checked = run("check")
    built = run("build", "--report", "report.json")
    converted = run("convert", "source_cards/capitals.md", "-o", "out.apkg")

    assert checked.stdout == "would write build/capitals.apkg: " + summary
    assert built.stdout == "wrote build/capitals.apkg: " + summary
    assert converted.stdout == "wrote out.apkg: " + summary
    (package,) = json.loads((tmp_path / "report.json").read_text("utf-8"))["packages"]
    assert (package["notes"], package["cards"], package["cards_read"]) == (3, 5, 3)


def test_a_one_pass_convert_tells_its_progress_by_the_lines_of_each_input(
    tmp_path: Path,
) -> None:
    from ankipress.building.pipeline import Options, convert

    lines = ["question\tanswer"] + [f"Question {i}?\tAnswer {i}" for i in range(2500)]
    decks = []
    for name in ("one.tsv", "two.tsv"):
        deck = tmp_path / name
        deck.write_text("\n".join(lines) + "\n", "utf-8")
        decks.append(deck)
    ticks: list[tuple[str, int, int]] = []

    convert(
        decks,
        tmp_path / "p.apkg",
        Options(progress=lambda *tick: ticks.append(tick), deck="D"),
        1_750_000_000,
        keep_notes=False,
    )

    assert [tick for tick in ticks if tick[0] == "p.apkg: one.tsv"] == [
        ("p.apkg: one.tsv", 1001, 2501),
        ("p.apkg: one.tsv", 2001, 2501),
        ("p.apkg: one.tsv", 2501, 2501),
    ]
    assert ticks[-1] == ("p.apkg: two.tsv", 2501, 2501)
