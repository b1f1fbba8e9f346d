"""Which files make which package: folders, subdecks, and the inputs of a build."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankipress.errors import UsageError
from ankipress.options import Options


@dataclass(frozen=True, slots=True)
class InputFile:
    """One source file of a package, and the deck its notes go under."""

    path: Path
    deck_prefix: str | None = None
    """For a file in a folder package: the folder's deck (``Course::Week 1``)."""
    deck: str | None = None
    """The deck of every note of the file, whatever the file says (a project file's deck)."""
    root: Path | None = None
    """The folder the user gave that holds the file (a vault's embeds resolve inside it)."""


# Pictures and sounds beside the decks are the decks' media (packed when a card refers to
# them), not decks: a folder of a course holds both.
MEDIA_EXTENSIONS = frozenset(
    [
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".svg",
        ".bmp",
        ".tif",
        ".tiff",
        ".avif",
        ".heic",
        ".mp3",
        ".wav",
        ".ogg",
        ".oga",
        ".m4a",
        ".aac",
        ".flac",
        ".opus",
        ".mp4",
        ".webm",
        ".mov",
        ".mkv",
    ]
)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def is_media(path: Path) -> bool:
    """Whether ``path`` is a picture, a sound or a film: media of the decks, not a deck."""
    return path.suffix.lower() in MEDIA_EXTENSIONS


def _same(path: Path, other: Path | None) -> bool:
    try:
        return other is not None and path.resolve() == other.resolve()
    except (OSError, RuntimeError):
        return False


def _crowdanki_deck(path: Path) -> bool:
    """Whether ``path`` starts as CrowdAnki's deck.json does (an object of type Deck)."""
    try:
        with path.open("rb") as file:
            head = file.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    head = head.lstrip("\ufeff \t\r\n")
    return head.startswith("{") and '"__type__"' in head and '"Deck"' in head


def notes_app_root(path: Path) -> Path | None:
    """The Obsidian vault (a folder holding ``.obsidian/``) or Logseq graph (a folder holding
    ``logseq/config.edn``) that ``path`` lies in, if any."""
    start = path if path.is_dir() else path.parent
    for candidate in (start, *start.parents):
        if (candidate / ".obsidian").is_dir() or (candidate / "logseq" / "config.edn").is_file():
            return candidate
    return None


# In a vault or a graph the notes are the Markdown files; the rest (canvases, PDFs, the
# graph's logseq/ folder of settings and backups) is the app's, not decks.
_NOTE_SUFFIXES = (".md", ".markdown")


def walk(folder: Path, skip: Path | None = None) -> list[Path]:
    """Every visible file below ``folder``, in sorted order (hidden files and folders skipped,
    and the folder ``skip``: the build's output folder, whose packages are no decks). In an
    Obsidian vault or a Logseq graph, only its notes (Markdown files outside the graph's
    ``logseq/`` folder)."""
    root = notes_app_root(folder)
    if root is None:
        return _walk(folder, skip, None)
    # A Logseq graph's pages may be Org files too: read, to say what is not read in them.
    graph = (root / "logseq" / "config.edn").is_file()
    return _walk(folder, skip, (*_NOTE_SUFFIXES, ".org") if graph else _NOTE_SUFFIXES)


def _walk(folder: Path, skip: Path | None, notes: tuple[str, ...] | None) -> list[Path]:
    found: list[Path] = []
    # A CrowdAnki folder (as CrowdAnki exports it, and as it is kept in git) is one deck:
    # its deck.json. Its media/ holds that deck's media, and the README, LICENSE and the
    # like beside them are the repository's, not decks.
    deck = folder / "deck.json"
    if deck.is_file() and _crowdanki_deck(deck):
        return [deck]
    crowdanki = deck.is_file()
    for entry in sorted(folder.iterdir()):
        if not _visible(entry) or (crowdanki and entry.name == "media" and entry.is_dir()):
            continue
        if entry.is_dir():
            settings = entry.name == "logseq" and (entry / "config.edn").is_file()
            if not _same(entry, skip) and not settings:
                found.extend(_walk(entry, skip, notes))
        elif (
            entry.is_file()
            and not is_media(entry)
            and (notes is None or entry.suffix.lower() in notes)
        ):
            found.append(entry)
    return found


def expand_input_files(inputs: Sequence[Path]) -> list[InputFile]:
    """:func:`expand_inputs`, each file with the folder it was found in (its ``root``)."""
    expanded: list[InputFile] = []
    for path in inputs:
        if path.is_dir():
            expanded.extend(InputFile(found, root=path) for found in expand_inputs([path]))
        else:
            expanded.append(InputFile(path))
    return expanded


def expand_inputs(inputs: Sequence[Path]) -> list[Path]:
    """Inputs with every folder replaced by the files below it, recursively, in sorted order."""
    expanded: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files = walk(path)
            if not files:
                raise UsageError(f"{path}: the folder holds no source files")
            expanded.extend(files)
        else:
            expanded.append(path)
    return expanded


@dataclass(frozen=True, slots=True)
class PackageSource:
    """What one package of a build is made from."""

    output: Path
    inputs: tuple[InputFile, ...]
    options: Options | None = None
    """Settings of this package (a project file's), instead of the build's."""


def package_of(entry: Path, root: Path, out_dir: Path) -> PackageSource | None:
    """The package a file or folder directly under ``root`` makes, if any."""
    if entry.is_dir():
        if _same(entry, out_dir):
            return None  # the output folder (skipped_output says so)
        # A Logseq graph's pages name their own decks (namespaces as subdecks): its pages/
        # and journals/ folders are no decks. So does a CrowdAnki folder's deck.json: its
        # decks are those of the collection it came from, not under the folder's name.
        graph = (entry / "logseq" / "config.edn").is_file()
        crowdanki = (entry / "deck.json").is_file() and _crowdanki_deck(entry / "deck.json")
        inputs = tuple(
            InputFile(
                path,
                None if graph or crowdanki else "::".join(path.parent.relative_to(root).parts),
                root=root,
            )
            for path in walk(entry, out_dir)
        )
        return PackageSource(out_dir / f"{entry.name}.apkg", inputs) if inputs else None
    if entry.is_file() and not is_media(entry):
        return PackageSource(out_dir / f"{entry.stem}.apkg", (InputFile(entry, root=root),))
    return None


def discover_packages(source_dir: Path, out_dir: Path) -> list[PackageSource]:
    """The packages a build makes from ``source_dir``.

    Each file directly in it becomes ``<stem>.apkg``; each folder becomes ``<folder>.apkg``,
    holding every file below it, its subfolders as subdecks (``Folder::Sub``).
    """
    if not source_dir.is_dir():
        raise UsageError(f"{source_dir}: no such folder of source cards")
    packages: list[PackageSource] = []
    claimed: dict[Path, Path] = {}
    for entry in sorted(source_dir.iterdir()):
        package = package_of(entry, source_dir, out_dir) if _visible(entry) else None
        if package is None:
            continue
        if package.output in claimed:
            raise UsageError(
                f"{entry} and {claimed[package.output]} would both be written to "
                f"{package.output}; rename one of them"
            )
        claimed[package.output] = entry
        packages.append(package)
    if not packages:
        raise UsageError(f"{source_dir}: no source files to build")
    return packages


def skipped_output(source_dir: Path, out_dir: Path) -> str | None:
    """What to say when the output folder lies inside the source folder: its packages,
    state and manifest are not decks, and :func:`discover_packages` leaves it out."""
    try:
        inside = out_dir.resolve().is_relative_to(source_dir.resolve())
    except (OSError, RuntimeError):
        return None
    if not inside or _same(out_dir, source_dir) or not out_dir.is_dir():
        return None
    return f"{out_dir}: the output folder lies inside the source folder; it is skipped, not read"


def media_stamp(inputs: Sequence[Path], skip: Path | None = None) -> str:
    """The name, size and modification time of every file below the inputs' folders.

    A deck's media files lie in its folder or below it (:mod:`ankipress.render.media`), so a
    changed picture changes this stamp and an incremental build rebuilds the package, as a
    changed source does. Other files there count too (a rebuild too many, never too few);
    hidden folders and the output folder ``skip`` do not.
    """
    folders = sorted({path.parent.resolve() for path in inputs})
    roots = [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]
    skipped = skip.resolve() if skip is not None else None
    digest = hashlib.sha256()
    for root in roots:
        for folder, subfolders, files in os.walk(root):
            here = Path(folder)
            subfolders[:] = sorted(
                name for name in subfolders if not name.startswith(".") and here / name != skipped
            )
            for name in sorted(files):
                try:
                    stat = (here / name).stat()
                except OSError:
                    continue
                line = f"{here / name}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
                digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
