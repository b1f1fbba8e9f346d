"""Shared fixtures: golden-file updating and a fresh collection of the real Anki engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ankiengine import AnkiCollection

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "source_cards" / "initialization-and-regularization.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the expected files of golden tests from today's output.",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[AnkiCollection]:
    """A fresh, empty collection of the real Anki engine."""
    with AnkiCollection(tmp_path / "anki-profile") as collection:
        yield collection


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A copy of the seed deck in a folder of its own, as ``source_cards/``."""
    folder = tmp_path / "source_cards"
    folder.mkdir()
    target = folder / SEED.name
    target.write_bytes(SEED.read_bytes())
    return target
