"""ankipress diff: what a release changes, between sources and packages."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress import notetypes
from ankipress.building.pipeline import Options, convert
from ankipress.cli import cli
from ankipress.diff import Guard, diff_notes, guard
from ankipress.model import NoteKind, RenderedNote, SourceLocation

from ankiengine import AnkiCollection
from conftest import SEED

NEW_CARD = (
    "17\nQ\n\nwhat is batch normalization\n\nA\n\nnormalizing activations per batch\n\n"
    "How well did you know this?\n1\nNot at all\n2\n3\n4\n5\nPerfectly\n"
)


def _edited(tmp_path: Path) -> Path:
    text = SEED.read_text("utf-8")
    text = text.replace("weight decay", "weight decay (the L2 penalty)")
    start = text.index("4\nQ\n\nwhat are 2 types of known initializations")
    end = text.index("5\nQ\n\nwhat is the xavier initialization")
    text = text[:start] + text[end:]
    text = text.replace(
        "16\nQ\n\nwhat is the main help of dropout",
        NEW_CARD + "16\nQ\n\nwhat is the main help of dropout",
    )
    edited = tmp_path / "edited" / SEED.name
    edited.parent.mkdir()
    edited.write_text(text, "utf-8")
    return edited


def _diff(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", *args])


def test_diff_names_exactly_the_changed_added_and_removed_cards(tmp_path: Path) -> None:
    edited = _edited(tmp_path)

    result = _diff(str(SEED), str(edited))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "+ what is batch normalization  [Initialization and regularization]\n"
        "- what are 2 types of known initializations  [Initialization and regularization]\n"
        "~ what is the other name of L2 regularization  (field 2)\n"
        "1 added, 1 removed, 1 changed\n"
    )


def test_a_source_and_its_package_do_not_differ_and_exit_code(tmp_path: Path) -> None:
    package = tmp_path / "seed.apkg"
    convert([SEED], package, Options(), 1_750_000_000)
    edited = _edited(tmp_path)

    same = _diff(str(SEED), str(package), "--exit-code")
    differs = _diff(str(package), str(edited), "--exit-code", "--format", "json")

    assert same.exit_code == 0 and same.stdout == "0 added, 0 removed, 0 changed\n"
    assert differs.exit_code == 1
    data = json.loads(differs.stdout)
    assert [len(data[key]) for key in ("added", "removed", "changed")] == [1, 1, 1]
    assert data["changed"][0]["fields"] == [2]


def test_markdown_release_notes(tmp_path: Path) -> None:
    result = _diff(str(SEED), str(_edited(tmp_path)), "--format", "markdown")

    assert result.stdout.startswith("## Changes to the deck\n\n### Added (1)\n\n")
    assert "### Changed (1)\n\n- what is the other name of L2 regularization: field 2\n" in (
        result.stdout
    )


DECK = "# Capitals\n\n## What is the capital of Peru?\n\nLima\n\n"
DECK += "## What is the capital of Chad?\n\nN'Djamena\n\n"
DECK += "## What is the capital of Laos?\n\nVientiane\n"


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "source_cards").mkdir()
    (tmp_path / "source_cards" / "capitals.md").write_text(DECK, "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    return tmp_path / "source_cards" / "capitals.md"


def _release(tmp_path: Path, name: str, *args: str) -> str:
    built = CliRunner().invoke(cli, ["build", "-q", *args])
    assert built.exit_code == 0, built.output
    kept = tmp_path / name
    kept.write_bytes((tmp_path / "build" / "capitals.apkg").read_bytes())
    return name


def test_fail_on_guid_changed_catches_a_question_edited_without_the_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _project(tmp_path, monkeypatch)
    old = _release(tmp_path, "v1.apkg")
    source.write_text(source.read_text("utf-8").replace("of Chad?", "of Chad (Africa)?"), "utf-8")
    unlocked = _release(tmp_path, "unlocked.apkg", "--no-lock")
    locked = _release(tmp_path, "locked.apkg")

    caught = _diff(old, unlocked, "--fail-on", "removed,guid-changed")
    passed = _diff(old, locked, "--fail-on", "removed,guid-changed,notetype-changed")

    assert caught.exit_code == 1
    old_guid = json.loads(_diff(old, locked, "--format", "json").stdout)["changed"][0]["guid"]
    new_guid = json.loads(_diff(old, unlocked, "--format", "json").stdout)["rekeyed"][0]["new"][
        "guid"
    ]
    assert caught.stdout == (
        "! What is the capital of Chad (Africa)?  [Capitals] re-keyed: was 'What is the "
        f"capital of Chad?' (same answer), GUID {old_guid} → {new_guid}\n"
        "0 added, 0 removed, 0 changed, 1 re-keyed\n"
    )
    assert caught.stderr.splitlines() == [
        "unlocked.apkg: error: guid-changed: note 'What is the capital of Chad (Africa)?' "
        "[Capitals] is the old note 'What is the capital of Chad?' (same answer) under a new "
        f"GUID {new_guid} (was {old_guid}); every user would get it twice; build with the "
        f"lock file (ankipress.lock) the last release was built with, or give the note its old "
        f"id {old_guid} (in Markdown: <!-- guid: {old_guid} -->)"
    ]
    # With the lock file, the edited question keeps its GUID: an update, nothing to refuse.
    assert passed.exit_code == 0, passed.stderr
    assert passed.stdout == (
        "~ What is the capital of Chad (Africa)?  (field 1)\n0 added, 0 removed, 1 changed\n"
    )
    # The source itself, compared with the release, follows the lock file as a build does.
    lock_before = (tmp_path / "ankipress.lock").read_bytes()
    from_source = _diff(old, "source_cards/capitals.md", "--fail-on", "guid-changed")
    assert from_source.exit_code == 0, from_source.stderr
    assert from_source.stdout == passed.stdout
    ignored = _diff(old, "source_cards/capitals.md", "--no-lock", "--fail-on", "guid-changed")
    assert ignored.exit_code == 1
    assert ignored.stdout == caught.stdout
    assert (tmp_path / "ankipress.lock").read_bytes() == lock_before  # only read


def test_fail_on_removed_and_release_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _project(tmp_path, monkeypatch)
    old = _release(tmp_path, "v1.apkg")
    text = source.read_text("utf-8").replace("## What is the capital of Laos?\n\nVientiane\n", "")
    source.write_text(text + "## Which river flows through Cairo?\n\nThe Nile\n", "utf-8")
    new = _release(tmp_path, "v2.apkg")

    refused = _diff(old, new, "--fail-on", "removed")
    notes = _diff(old, new, "--format", "markdown", "--fail-on", "guid-changed")

    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "v1.apkg: error: removed: note 'What is the capital of Laos?' [Capitals] is not in "
        "the new release; Anki never deletes on import, so it stays in every user's collection"
    )
    assert notes.exit_code == 0
    assert notes.stdout == (
        "## Changes to the deck\n\n### Added (1)\n\n"
        "- Which river flows through Cairo? (Capitals)\n\n"
        "### Removed (1)\n\n- What is the capital of Laos? (Capitals)\n"
    )


def test_fail_on_notetype_changed_catches_a_note_switching_note_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, monkeypatch)
    old = _release(tmp_path, "v1.apkg")
    new = _release(tmp_path, "v2.apkg", "--reverse")

    refused = _diff(old, new, "--fail-on", "notetype-changed")

    assert refused.exit_code == 1
    errors = [line for line in refused.stderr.splitlines() if ": error: notetype-changed" in line]
    assert len(errors) == 3
    assert errors[0] == (
        "v2.apkg: error: notetype-changed: note 'What is the capital of Peru?' changes note "
        "type from 'ankipress Basic' to 'ankipress Basic (and reversed card)' under the same "
        "GUID; Anki skips it as conflicting; keep its note type"
    )


def test_a_note_type_whose_fields_change_under_its_id_is_a_fork() -> None:
    ours = notetypes.basic()
    grown = dataclasses.replace(ours, fields=("Front", "Back", "Source"), fixed_id=ours.id)
    where = SourceLocation("deck.md", 3)
    old = RenderedNote("g1", "Deck", ("Q", "A"), (), where)
    new = RenderedNote("g1", "Deck", ("Q", "A", "book"), (), where, NoteKind.CUSTOM, None, grown)

    result = diff_notes([old], [new])

    assert [str(d) for d in guard(result, {Guard.NOTETYPE_CHANGED})] == [
        f"deck.md:3: error: notetype-changed: note type 'ankipress Basic' (id {ours.id}): "
        "fields (Front, Back) → (Front, Back, Source); Anki would add it as 'ankipress Basic+' "
        "and skip its notes; keep the released fields and cards, or give the new shape a new name"
    ]
    assert guard(result, {Guard.REMOVED, Guard.GUID_CHANGED}) == ()


def test_rekeying_matches_only_unique_keys() -> None:
    where = SourceLocation("deck.md", 1)
    old = [
        RenderedNote("a", "D", ("Is 1 odd?", "True"), (), where),
        RenderedNote("b", "D", ("Is 3 odd?", "True"), (), where),
        RenderedNote("c", "Old", ("Same", "Fields"), (), where),
    ]
    new = [
        RenderedNote("x", "D", ("Is 1 an odd number?", "True"), (), where),
        RenderedNote("y", "D", ("Is 3 an odd number?", "True"), (), where),
        RenderedNote("z", "Renamed", ("Same", "Fields"), (), where),
    ]

    result = diff_notes(old, new)

    assert [(p.old.guid, p.new.guid, p.matched_by) for p in result.rekeyed] == [
        ("c", "z", "same fields")
    ]
    assert [n.guid for n in result.removed] == ["a", "b"]
    assert [n.guid for n in result.added] == ["x", "y"]


def test_fail_on_names_the_valid_kinds() -> None:
    result = _diff(str(SEED), str(SEED), "--fail-on", "removed,renamed")

    assert result.exit_code == 2
    assert result.stderr == (
        "ankipress: error: --fail-on: unknown 'renamed'; choose from removed, guid-changed, "
        "notetype-changed\n"
    )


def test_what_the_guard_refuses_is_what_anki_does_with_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anki: AnkiCollection
) -> None:
    source = _project(tmp_path, monkeypatch)
    old = _release(tmp_path, "v1.apkg")
    source.write_text(source.read_text("utf-8").replace("of Chad?", "of Chad (Africa)?"), "utf-8")
    rekeyed = _release(tmp_path, "rekeyed.apkg", "--no-lock")
    switched = _release(tmp_path, "switched.apkg", "--reverse")

    anki.import_package(tmp_path / old)
    duplicated = anki.import_package(tmp_path / rekeyed)
    skipped = anki.import_package(tmp_path / switched)

    # guid-changed: the edited note arrives as a second note beside the old one.
    assert duplicated.new == 1
    assert sorted(n.fields["Front"] for n in anki.notes() if "Chad" in n.fields["Front"]) == [
        "<p>What is the capital of Chad (Africa)?</p>",
        "<p>What is the capital of Chad?</p>",
    ]
    # notetype-changed: every note of another note type under its GUID is skipped.
    assert (skipped.conflicting, skipped.updated) == (3, 0)
