"""The lock file as a user meets it: the command line, and releases imported into real Anki."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from anki.scheduler.v3 import CardAnswer
from click.testing import CliRunner, Result

from ankipress import ids
from ankipress.cli import cli

from ankiengine import AnkiCollection

PROJECT = """\
[[package]]
name = "course"
sources = ["decks/"]
deck = "Course"
"""
CELLS = """\
# Cells

## Waht is a cell?
The smallest unit of life.

## What does a ribosome make?
Proteins.
"""
GENES = """\
# Genes

## What is a gene?
A stretch of DNA that codes for a product.

## Where are genes kept?
On chromosomes.
"""
TERMS = """\
# Terms

## What is osmosis?
Water moving across a membrane.
"""


def _git(folder: Path, *args: str, when: int) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_AUTHOR_DATE": f"@{when} +0000",
        "GIT_COMMITTER_DATE": f"@{when} +0000",
    }
    subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, check=True)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "decks").mkdir(parents=True)
    (root / "ankipress.toml").write_text(PROJECT, encoding="utf-8")
    for name, text in (("cells.md", CELLS), ("genes.md", GENES), ("terms.md", TERMS)):
        (root / "decks" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return root


def _review_everything(anki: AnkiCollection) -> dict[int, int]:
    """Answer every card once with the real scheduler; card id → reviews."""
    col = anki.collection
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(
            col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
        )
    return {cid: col.get_card(cid).reps for cid in col.find_cards("")}


def test_edited_renamed_and_moved_notes_update_in_place_in_anki(
    project: Path, anki: AnkiCollection
) -> None:
    _git(project, "init", "-q", when=1_700_000_000)
    _git(project, "add", ".", when=1_700_000_000)
    _git(project, "commit", "-q", "-m", "first release", when=1_700_000_000)
    first = run("build")
    assert first.exit_code == 0, first.output
    _git(project, "add", "ankipress.lock", when=1_700_000_100)
    _git(project, "commit", "-q", "-m", "lock", when=1_700_000_100)
    assert anki.import_package(project / "build" / "course.apkg").new == 5
    reviewed = _review_everything(anki)
    guids = {n.fields["Back"]: n.guid for n in anki.notes()}

    # A question edited, a deck renamed, a file moved (to a subfolder: another deck too).
    cells = project / "decks" / "cells.md"
    cells.write_text(CELLS.replace("Waht", "What"), encoding="utf-8")
    genes = project / "decks" / "genes.md"
    genes.write_text(GENES.replace("# Genes", "# Genetics"), encoding="utf-8")
    (project / "decks" / "week1").mkdir()
    _git(project, "mv", "decks/terms.md", "decks/week1/terms.md", when=1_700_100_000)
    _git(project, "commit", "-q", "-am", "edits", when=1_700_100_000)
    checked = run("check")
    second = run("build")
    counts = anki.import_package(project / "build" / "course.apkg")

    assert checked.exit_code == 0 and second.exit_code == 0, second.output
    assert checked.stderr == second.stderr
    assert second.stderr.splitlines() == [
        "decks/cells.md:3: info: the question changed (it was 'Waht is a cell?'): the note "
        "keeps its id, matched by the same answer (ankipress.lock:5)",
        "decks/genes.md:3: info: this note and 1 other moved from the deck 'Course::Genes': "
        "they keep their ids (ankipress.lock:7); Anki keeps the cards it has in "
        "'Course::Genes': it never moves cards on import",
        "decks/week1/terms.md:3: info: this note moved from decks/terms.md and from the deck "
        "'Course::Terms': it keeps its id (ankipress.lock:9); Anki keeps the cards it has in "
        "'Course::Terms': it never moves cards on import",
    ]
    assert (counts.new, counts.conflicting, counts.found_notes) == (0, 0, 5)
    assert counts.updated >= 1
    notes = anki.notes()
    assert {n.fields["Back"]: n.guid for n in notes} == guids
    assert "<p>What is a cell?</p>" in [n.fields["Front"] for n in notes]
    col = anki.collection
    assert {cid: col.get_card(cid).reps for cid in col.find_cards("")} == reviewed
    assert col.db.scalar("select count() from revlog") == len(reviewed)
    lock_text = (project / "ankipress.lock").read_text("utf-8")
    assert '["decks/week1/terms.md", "Course::week1::Terms", ' in lock_text
    assert "removed" not in lock_text.split("\n", 3)[3]


def test_without_the_lock_the_same_edits_would_be_new_notes(project: Path) -> None:
    run("build")
    cells = project / "decks" / "cells.md"
    cells.write_text(CELLS.replace("Waht", "What"), encoding="utf-8")

    locked = run("check")
    unlocked = run("check", "--no-lock")

    assert "keeps its id" in locked.stderr
    assert unlocked.stderr == ""
    assert unlocked.exit_code == 0


def test_build_no_lock_neither_reads_nor_writes_the_lock(project: Path) -> None:
    (project / "ankipress.lock").write_text("damaged\n", encoding="utf-8")

    refused = run("build")
    nothing_written = not (project / "build").exists()
    ignored = run("build", "--no-lock")

    assert refused.exit_code == 1
    assert refused.stderr == (
        "ankipress.lock:1: error: not a line of a lock file; restore it from version "
        "control, or build with --no-lock\n"
    )
    assert nothing_written
    assert ignored.exit_code == 0, ignored.output
    assert (project / "ankipress.lock").read_text("utf-8") == "damaged\n"


def test_a_damaged_lock_stops_check_too_and_writes_nothing(project: Path) -> None:
    run("build")
    lock_file = project / "ankipress.lock"
    lines = lock_file.read_text("utf-8").splitlines()
    lock_file.write_text("\n".join([*lines[:5], "<<<<<<< HEAD", *lines[5:]]) + "\n", "utf-8")
    before = (project / "build" / "course.apkg").read_bytes()

    checked = run("check")
    built = run("build", "--force")

    assert checked.exit_code == built.exit_code == 1
    message = (
        "ankipress.lock:6: error: the lock file holds a merge conflict; keep both sides' "
        "lines (each note is one line) and delete the markers\n"
    )
    assert checked.stderr == built.stderr == message
    assert (project / "build" / "course.apkg").read_bytes() == before


def test_removed_notes_are_listed_by_build_and_in_the_report(project: Path) -> None:
    run("build")
    (project / "decks" / "terms.md").unlink()

    built = run("build", "--report", "report.json")
    again = run("build", "--force", "--report", "again.json")

    assert built.exit_code == 0
    assert built.stderr == (
        "ankipress.lock:9: info: 1 note of decks/terms.md no longer in the sources: "
        "'What is osmosis?'; Anki never deletes notes on import: tell your users to delete "
        "them (--report lists their ids)\n"
    )
    assert again.stderr == ""
    for name, now in (("report.json", True), ("again.json", False)):
        report = json.loads((project / name).read_text("utf-8"))
        listed = [d["message"] for d in report["diagnostics"] if d["severity"] == "note"]
        assert len(listed) == 1 and "'What is osmosis?' in the deck 'Course::Terms'" in listed[0]
        assert report["removed"] == [
            {
                "guid": ids.note_guid("Course::Terms", "What is osmosis?"),
                "deck": "Course::Terms",
                "question": "What is osmosis?",
                "file": "decks/terms.md",
                "this_build": now,
            }
        ]


def test_pin_writes_the_ids_a_build_gives_into_the_markdown_cards(project: Path) -> None:
    run("build")
    cells = project / "decks" / "cells.md"
    cells.write_text(CELLS.replace("Waht", "What"), encoding="utf-8")

    dry = run("pin", "--dry-run")
    unchanged = cells.read_text("utf-8")
    pinned = run("pin")
    again = run("pin")

    assert dry.exit_code == pinned.exit_code == again.exit_code == 0, pinned.output
    assert unchanged == CELLS.replace("Waht", "What")
    assert dry.stdout == (
        "would pin decks/cells.md: 2 cards\n"
        "would pin decks/genes.md: 2 cards\n"
        "would pin decks/terms.md: 1 card\n"
    )
    assert pinned.stdout == dry.stdout.replace("would pin", "pinned")
    assert again.stdout == "nothing to pin: every Markdown card has its id in its file\n"
    # The edited question is pinned with the id of the note it was (the lock file's).
    first_id = ids.note_guid("Course::Cells", "Waht is a cell?")
    assert cells.read_text("utf-8").splitlines()[2:5] == [
        "## What is a cell?",
        f"<!-- guid: {first_id} -->",
        "The smallest unit of life.",
    ]
    # Built without the lock now, every note keeps its id: the files hold them.
    locked_ids = _guids(project / "ankipress.lock")
    assert run("build", "--force", "--no-lock").exit_code == 0
    assert run("build", "--force").exit_code == 0
    assert _guids(project / "ankipress.lock") == locked_ids


def _guids(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()[4:]]
    assert len(rows) == 5
    return [row[3] for row in rows]


def test_pin_refuses_when_a_source_has_errors_and_writes_nothing(project: Path) -> None:
    genes = project / "decks" / "genes.md"
    genes.write_text(GENES + "\n## A card split twice\n%\nx\n%\ny\n", encoding="utf-8")

    result = run("pin")

    assert result.exit_code == 1
    assert "decks/genes.md:12: error: a second '%' line" in result.stderr
    assert "<!--" not in (project / "decks" / "cells.md").read_text("utf-8")


def test_check_of_one_file_matches_against_the_lock_and_leaves_the_others(
    project: Path,
) -> None:
    run("build")
    lock_text = (project / "ankipress.lock").read_text("utf-8")
    cells = project / "decks" / "cells.md"
    cells.write_text(CELLS.replace("Waht", "What"), encoding="utf-8")

    checked = run("check", "decks/cells.md", "--deck", "Course::Cells")

    assert checked.exit_code == 0, checked.output
    assert checked.stderr == (
        "decks/cells.md:3: info: the question changed (it was 'Waht is a cell?'): the note "
        "keeps its id, matched by the same answer (ankipress.lock:5)\n"
    )
    assert (project / "ankipress.lock").read_text("utf-8") == lock_text
