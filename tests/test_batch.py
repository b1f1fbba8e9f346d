"""Batch builds: folders become packages, subfolders subdecks; convert reads folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ankipress.building.pipeline import Options, build, convert, discover_packages
from ankipress.cli import cli
from ankipress.errors import UsageError

from ankiengine import AnkiCollection

CARD = "{n}\nQ\n\n{q}\n\nA\n\n{a}\n\n"


def _deck(path: Path, title: str | None, *cards: tuple[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = f"{title} Flashcards\n\n({len(cards)} cards)\n\n" if title else ""
    body = "".join(CARD.format(n=i, q=q, a=a) for i, (q, a) in enumerate(cards, 1))
    path.write_text(head + body, encoding="utf-8")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "source_cards"
    _deck(root / "single.txt", "Single", ("one?", "1"))
    _deck(root / "course" / "intro.txt", None, ("what is this course?", "a test"))
    _deck(root / "course" / "week1" / "a.txt", None, ("week one?", "yes"))
    _deck(root / "course" / "week2" / "b.txt", "Regularization", ("dropout?", "drop units"))
    (root / ".hidden.txt").write_text("not a deck", encoding="utf-8")
    (root / "course" / ".git-keep").write_text("", encoding="utf-8")
    return root


def test_folders_become_packages_with_subdecks(
    course: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    reports = build(course, tmp_path / "build", Options(), timestamp=1_750_000_000)

    assert [r.plan.output.name for r in reports] == ["course.apkg", "single.apkg"]
    assert reports[0].plan.decks == (
        "course",
        "course::week1",
        "course::week2::Regularization",
    )
    anki.import_package(reports[0].plan.output)
    assert anki.deck_names() == [
        "course",
        "course::week1",
        "course::week2",
        "course::week2::Regularization",
    ]
    by_question = {note.fields["Front"]: note.decks for note in anki.notes()}
    assert by_question == {
        "what is this course?": ["course"],
        "week one?": ["course::week1"],
        "dropout?": ["course::week2::Regularization"],
    }


def test_a_file_and_a_folder_of_the_same_name_clash(tmp_path: Path) -> None:
    root = tmp_path / "source_cards"
    _deck(root / "bio.txt", "Bio", ("q", "a"))
    _deck(root / "bio" / "cells.txt", "Cells", ("q", "a"))

    with pytest.raises(UsageError, match="would both be written to"):
        discover_packages(root, tmp_path / "build")


def test_convert_reads_folders_recursively_each_file_its_own_deck(
    course: Path, tmp_path: Path, anki: AnkiCollection
) -> None:
    out = tmp_path / "all.apkg"
    report = convert([course / "course", course / "single.txt"], out, Options(), 1_750_000_000)

    assert [str(p.relative_to(course)) for p in report.plan.inputs] == [
        "course/intro.txt",
        "course/week1/a.txt",
        "course/week2/b.txt",
        "single.txt",
    ]
    assert report.plan.decks == ("intro", "a", "Regularization", "Single")
    anki.import_package(out)
    assert len(anki.notes()) == 4


def test_one_bad_file_fails_the_build_after_reading_all(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (course / "course" / "week1" / "broken.txt").write_text(
        "Broken Flashcards\n(1 card)\n1\nQ\nno answer\n", encoding="utf-8"
    )
    (course / "bad.txt").write_bytes(b"\x00\x01binary")
    monkeypatch.chdir(course.parent)

    result = CliRunner().invoke(cli, ["build"], env={"SOURCE_DATE_EPOCH": "1750000000"})

    assert result.exit_code == 1
    assert result.stderr == (
        "source_cards/bad.txt:1:1: error: this is a binary file, not a text export (NUL byte)\n"
        "source_cards/course/week1/broken.txt:4: error: card 1 has a 'Q' but no 'A'; add a "
        "line 'A' followed by the answer, or delete the card\n"
        "ankipress: error: 2 error(s); nothing was written\n"
    )
    assert not (course.parent / "build").exists()


def test_a_file_named_default_does_not_land_in_ankis_default_deck(tmp_path: Path) -> None:
    source = tmp_path / "default.txt"
    _deck(source, None, ("q", "a"))

    result = CliRunner().invoke(cli, ["convert", str(source), "-o", str(tmp_path / "d.apkg")])

    assert result.exit_code == 1
    assert result.stderr == (
        f"{source}: error: the notes would go to Anki's Default deck, named after the file "
        "default.txt; name the deck with --deck, or rename the file\n"
    )


def test_pictures_beside_the_decks_are_media_not_decks(
    tmp_path: Path, anki: AnkiCollection
) -> None:
    root = tmp_path / "source_cards"
    course = root / "anatomy"
    course.mkdir(parents=True)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    (course / "heart.png").write_bytes(png)
    (root / "logo.png").write_bytes(png)
    (course / "heart.md").write_text(
        "## What is this?\n\n![a heart](heart.png)\n\nThe heart.\n", encoding="utf-8"
    )

    reports = build(root, tmp_path / "build", Options(), timestamp=1_750_000_000)

    assert [r.plan.output.name for r in reports] == ["anatomy.apkg"]
    packed = [name for name, _ in reports[0].plan.media]
    assert len(packed) == 1 and packed[0].startswith("heart-") and packed[0].endswith(".png")
    anki.import_package(reports[0].plan.output)
    media = sorted(p.name for p in Path(anki.collection.media.dir()).iterdir())
    assert len(media) == 1 and media[0].startswith("heart-") and media[0].endswith(".png")
