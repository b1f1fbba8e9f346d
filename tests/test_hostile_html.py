"""Hostile HTML, templates and project files, and the incremental build's blind spots.

- ``--sanitize`` bypasses (issue 15, item 4): markup that Python's ``html.parser`` reads one
  way and a browser another; note-type CSS that ends its ``<style>``; every HTML field goes
  through nh3 with ``--sanitize``.
- A FIFO as a template file or as the project file is refused, not read forever (item 7).
- A changed picture rebuilds its package; an output folder inside the source folder is
  skipped, and said (item 12).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ankipress.model import NoteKind, NoteType, RenderedNote, Severity, SourceLocation
from ankipress.render.sanitize import (
    active_content,
    css_problems,
    sanitize_css,
    sanitize_html,
    screen_notes,
)

# Each hides an event handler from a parser that does not read HTML as a browser does, and
# each ran in Chromium and in Anki's card view before the screen used an HTML5 parser.
BYPASSES = {
    "abrupt-comment": "<!--><img src=x onerror=alert(1)>-->",
    "abrupt-comment-dash": "<!---><img src=x onerror=alert(1)>-->",
    "svg-style": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "math-style": "<math><style><img src=x onerror=alert(1)></style></math>",
    "noscript-title": (
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>'
    ),
    "cdata": "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "tab-in-scheme": '<a href="javascr\tipt:alert(1)">x</a>',
    "line-break-in-scheme": '<a href="javascr\nipt:alert(1)">x</a>',
    "svg-set-href": (
        '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>'
    ),
}


@pytest.mark.parametrize("html", list(BYPASSES.values()), ids=list(BYPASSES))
def test_markup_a_browser_reads_as_active_is_found_and_removed(html: str) -> None:
    assert active_content(html), html
    cleaned = sanitize_html(html)
    assert active_content(cleaned) == []
    assert "onerror" not in cleaned and "javascript" not in cleaned


def _note(fields: tuple[str, ...], css: str = ".card {}") -> RenderedNote:
    note_type = NoteType("Shared", ("Front", "Back"), (("Card 1", "{{Front}}", "{{Back}}"),), css)
    return RenderedNote(
        "guid1",
        "Deck",
        fields,
        (),
        SourceLocation("shared.apkg"),
        NoteKind.CUSTOM,
        notetype=note_type,
    )


def test_note_type_css_that_ends_its_style_is_listed_and_sanitized() -> None:
    css = ".card { color: red }\n</style><img src=x onerror=alert(1)><style>"
    assert css_problems(css) == ["</style>", "onerror="]
    assert css_problems(".card { content: '<b>' }") == []

    _, said = screen_notes([_note(("q", "a"), css)])
    assert [d.severity for d in said] == [Severity.WARNING]
    assert "the CSS of 'Shared' holds active content" in said[0].message
    assert "</style>, onerror=" in said[0].message

    (screened,), said = screen_notes([_note(("q", "a"), css)], sanitize=True)
    assert screened.notetype is not None
    assert screened.notetype.css == sanitize_css(css)
    assert css_problems(screened.notetype.css) == []
    assert f"<style>{screened.notetype.css}</style>".lower().count("</style") == 1
    assert [d.severity for d in said] == [Severity.NOTE]


def test_with_sanitize_every_html_field_goes_through_nh3_and_removals_are_said() -> None:
    fields = ("<marquee>moving</marquee> <b>bold</b>", "<center>kept</center>")
    (screened,), said = screen_notes([_note(fields)], sanitize=True)
    assert screened.fields == ("moving <b>bold</b>", "<center>kept</center>")
    assert len(said) == 1 and said[0].severity is Severity.NOTE
    assert "removed from the note 'guid1': field 1 what cards may not hold: <marquee>" in str(
        said[0]
    )
    # Without --sanitize nothing is rewritten: nothing in these fields runs.
    (kept,), said = screen_notes([_note(fields)])
    assert kept.fields == fields and said == []


# -- FIFOs ------------------------------------------------------------------------------------

_DECK = "What is 2 + 2?\t4\nWhat is 3 + 3?\t6\n"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line in a child, stopped after a minute: a FIFO read would block forever."""
    return subprocess.run(
        [sys.executable, "-m", "ankipress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.parametrize("name", ["front.html", "back.html", "style.css"])
def test_a_fifo_in_the_template_folder_is_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    files = {"front.html": "{{Front}}", "back.html": "{{FrontSide}}<hr>{{Back}}", "style.css": ""}
    for file, text in files.items():
        if file != name:
            (folder / file).write_text(text, "utf-8")
    os.mkfifo(folder / name)
    (tmp_path / "deck.txt").write_text(_DECK, "utf-8")

    result = _run(["convert", "deck.txt", "-o", "deck.apkg", "--template", "mine"], tmp_path)

    assert result.returncode == 1, result.stderr
    expected = f"mine/{name}: error: cannot read the template file: it is a named pipe (FIFO)"
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "deck.apkg").exists()


def test_a_fifo_as_the_project_file_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ankipress.toml")
    (tmp_path / "source_cards").mkdir()
    (tmp_path / "source_cards" / "deck.txt").write_text(_DECK, "utf-8")

    result = _run(["build", "--config", "ankipress.toml"], tmp_path)

    assert result.returncode == 1, result.stderr
    assert "ankipress.toml: error: cannot read: it is a named pipe (FIFO), not a file" in (
        result.stderr
    )
    assert not (tmp_path / "build").exists()


# -- the incremental build --------------------------------------------------------------------

_CATS = "---\ndeck: Cats\n---\n\n## Which cat is this?\n\n![a cat](cat.png)\n"


def _packed_picture(package: Path) -> bytes:
    import json
    import zipfile

    with zipfile.ZipFile(package) as archive:
        names = json.loads(archive.read("media"))
        assert len(names) == 1
        return archive.read(next(iter(names)))


def test_a_changed_picture_rebuilds_its_package(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cats.md").write_text(_CATS, "utf-8")
    (tmp_path / "src" / "cat.png").write_bytes(b"\x89PNG first picture")
    build = ["build", "--source", "src", "--out", "out"]
    assert _run(build, tmp_path).returncode == 0
    assert _packed_picture(tmp_path / "out" / "cats.apkg") == b"\x89PNG first picture"

    unchanged = _run(build, tmp_path)
    assert "up to date" in unchanged.stdout + unchanged.stderr
    (tmp_path / "src" / "cat.png").write_bytes(b"\x89PNG the second picture")
    result = _run(build, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "up to date" not in result.stdout + result.stderr
    assert _packed_picture(tmp_path / "out" / "cats.apkg") == b"\x89PNG the second picture"


def test_an_output_folder_inside_the_source_folder_is_skipped_and_said(tmp_path: Path) -> None:
    (tmp_path / "src" / "cats").mkdir(parents=True)
    (tmp_path / "src" / "cats" / "cats.md").write_text(_CATS, "utf-8")
    (tmp_path / "src" / "cats" / "cat.png").write_bytes(b"\x89PNG picture")
    (tmp_path / "src" / "sums.txt").write_text(_DECK, "utf-8")
    build = ["build", "--source", "src", "--out", "src/out"]
    assert _run(build, tmp_path).returncode == 0

    (tmp_path / "src" / "sums.txt").write_text(_DECK + "What is 4 + 4?\t8\n", "utf-8")
    result = _run(build, tmp_path)

    assert result.returncode == 0, result.stderr
    said = "src/out: info: the output folder lies inside the source folder; it is skipped, not read"
    assert said in result.stdout + result.stderr
    assert sorted(p.name for p in (tmp_path / "src" / "out").glob("*.apkg")) == [
        "cats.apkg",
        "sums.apkg",
    ]


def test_a_row_of_an_unknown_note_type_with_no_field_column_is_no_crash(tmp_path: Path) -> None:
    """Found by the fuzzer: every column a meta column left a note type of no field (exit 70)."""
    from ankipress.building.pipeline import Options, plan_package

    path = tmp_path / "deck.txt"
    path.write_text("#separator:tab\n#notetype column:1\n=", "utf-8")
    plan = plan_package([path], tmp_path / "deck.apkg", Options())
    assert plan.errors == 0 or not plan.notes
    assert plan.diagnostics
