"""Shared fixtures: golden-file updating and a fresh collection of the real Anki engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ankipress.render import mathsvg
from ankipress.render.mathsvg import MATHJAX_VERSION, MathSetupError

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


@pytest.fixture(scope="session")
def mathjax_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MathJax installed once for the session, exactly as a first build installs it."""
    root = tmp_path_factory.mktemp("ankipress-cache")
    try:
        _, npm = mathsvg._find_node()
        install = mathsvg._install_mathjax(root, npm)
    except MathSetupError as exc:
        pytest.fail(f"the SVG math tests need Node.js and npm (and the npm registry once): {exc}")
    # Atomic install: the finished folder, and nothing left of the temporary one.
    assert sorted(path.name for path in root.iterdir()) == [f"mathjax-{MATHJAX_VERSION}"]
    return install


@pytest.fixture
def cache_dir(tmp_path: Path, mathjax_install: Path) -> Path:
    """A cache of the test's own, holding no SVG yet, linked to the session's MathJax."""
    root = tmp_path / "cache"
    root.mkdir()
    (root / mathjax_install.name).symlink_to(mathjax_install, target_is_directory=True)
    return root
