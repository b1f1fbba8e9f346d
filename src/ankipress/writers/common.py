"""What every text writer does: write atomically, put media beside the output, link to them.

Media go to ``media_dir`` and fields refer to them relative to the output file: ``cat.jpg``
becomes ``deck.media/cat.jpg`` in a deck written to ``deck.md``. A reference to a file beside
a note's source (a Markdown deck's ``![](img/cat.png)``) is copied there too, under the name
a package would give it (:func:`ankipress.render.media.packed_name`), so the output stands alone.

A format that Anki itself imports (its Notes in Plain Text) keeps the names instead
(``anki_names``): Anki takes a text file's references as they stand and looks them up in
the collection's media folder, so ``cat.jpg`` stays ``cat.jpg`` (and a copied file is named
as a package would name it), and the files in ``media_dir`` are there to be copied into it.
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from ankipress import rules
from ankipress.errors import InputError, WriteError
from ankipress.model import Diagnostic, Media, Note, Severity, SourceLocation, TextFormat
from ankipress.render.media import (
    Reference,
    find_media_file,
    find_references,
    is_executable,
    name_candidates,
    packed_name,
    url_scheme,
)
from ankipress.sources import file_kind

__all__ = [
    "MediaLinker",
    "check_target",
    "interrupts_deferred",
    "refuse",
    "write_text_atomically",
]


def check_target(path: Path) -> None:
    """Raise :class:`OSError` when ``path`` exists and is not a regular file.

    Every output is written beside its target and renamed over it: over a device, a FIFO,
    a folder or a link to one (``/dev/sda``), that would replace what is not ours to replace.
    A link to a regular file is replaced by the file, as any editor's save does.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return  # not there, or a dangling link: the write makes it, or says why it cannot
    kind = file_kind(mode)
    if kind is not None:
        link = " (through a symbolic link)" if path.is_symlink() else ""
        raise OSError(f"it is {kind}{link}, not a regular file; only files are replaced")


def _fail(path: Path, exc: OSError, what: str) -> WriteError:
    diagnostic = Diagnostic(
        SourceLocation(str(path)),
        Severity.ERROR,
        f"cannot write the {what}: {exc.strerror or exc}",
        rule=rules.WRITE_FAILED,
    )
    return WriteError(str(diagnostic), [diagnostic])


_INTERRUPTS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)
)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (POSIX, main thread; else nothing).

    For the step that makes a temporary file and the one that enters the ``try`` that
    removes it: a signal between the two would leave the file behind. A signal that came
    meanwhile is raised as soon as the block ends, inside that ``try``.
    """
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _write_bytes(path: Path, data: bytes, what: str) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    temporary: str | None = None
    try:
        with interrupts_deferred():
            try:
                check_target(path)
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(
                    prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
                )
            except OSError as exc:
                raise _fail(path, exc, what) from None
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise _fail(path, exc, what) from None
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): no temporary file is left behind either.
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends; a failure leaves no partial file."""
    _write_bytes(path, text.encode("utf-8"), "file")


def refuse(diagnostics: Sequence[Diagnostic], output: Path) -> None:
    """Raise when ``diagnostics`` hold an error: nothing is written then."""
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        summary = f"{len(errors)} error(s); {output} was not written"
        raise InputError(summary, diagnostics)


def _safe_component(name: str) -> bool:
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\x00")


class MediaLinker:
    """Rewrites the media references of fields to the media folder, and writes the folder."""

    def __init__(
        self, media: Sequence[Media], output: Path, media_dir: Path, anki_names: bool = False
    ) -> None:
        self.media_dir = media_dir
        self.anki_names = anki_names
        self.files: dict[str, bytes] = {item.name: item.data for item in media}
        self.given = set(self.files)
        self.copied: dict[Path, str | None] = {}
        self.diagnostics: list[Diagnostic] = []
        try:
            relative = os.path.relpath(media_dir, output.parent)
        except ValueError:  # another drive: only an absolute path reaches it
            relative = str(media_dir.resolve())
        self.folder = Path(relative).as_posix()
        """The media folder as the output refers to it."""
        for name in self.given:
            if not _safe_component(name):
                message = f"the media name {name!r} is not one file name; it is not written"
                self.diagnostics.append(
                    Diagnostic(
                        SourceLocation(str(output)),
                        Severity.ERROR,
                        message,
                        rule=rules.LOSSY_OUTPUT,
                    )
                )

    def link(self, text: str, text_format: TextFormat, note: Note) -> str:
        """``text`` with each reference to a medium rewritten into the media folder."""
        pieces: list[str] = []
        done = 0
        for ref in find_references(text, text_format):
            value = self._target(ref, note)
            if value is not None:
                pieces.extend((text[done : ref.start], value))
                done = ref.end
        return "".join(pieces) + text[done:] if pieces else text

    def _target(self, ref: Reference, note: Note) -> str | None:
        """The reference's new value, as its kind writes it; ``None``: leave it as it is."""
        shown, candidates = name_candidates(ref)
        scheme = url_scheme(shown)
        if scheme is not None and len(scheme) > 1:
            return None
        prefix = "" if self.anki_names else f"{self.folder}/"
        if any(name in self.given for name in candidates):
            if self.anki_names:
                return None
            # The folder in front of the value exactly as written: the reader strips exactly
            # the folder again, so the field comes back byte for byte.
            value = ref.value
        else:
            value = self._copied(ref, candidates, note) or ""
            if not value:
                return None
        if ref.kind == "html":
            return html.escape(prefix) + (value if value == ref.value else html.escape(value))
        if ref.kind == "markdown" and not ref.bracketed and any(c in prefix for c in " ()<>"):
            return f"<{prefix}{value}>"
        return prefix + value

    def _copied(self, ref: Reference, candidates: list[str], note: Note) -> str | None:
        """The packed name of the file beside the note's source that ``ref`` names, if any."""
        if note.sealed:
            return None  # a package's media are the files inside it, never files on disk
        base = Path(note.location.path).parent
        for name in candidates:
            path = base / name
            if path not in self.copied:
                self.copied[path] = self._copy(base, name, note)
            if self.copied[path] is not None:
                return self.copied[path]
        return None

    def _copy(self, base: Path, name: str, note: Note) -> str | None:
        # Only files in the source's folder or below it, as when packing a package.
        data, problem = find_media_file(base, name)
        if problem is not None:
            message = f"media file {name!r} is not copied: {problem}"
            hint = "media files must be in the source file's folder or below it"
            self.diagnostics.append(
                Diagnostic(note.location, Severity.WARNING, message, hint, rules.MEDIA_REFUSED)
            )
        if data is None or is_executable(name):
            return None
        packed = packed_name(name, data)
        self.files[packed] = data
        return packed

    def names(self) -> list[str]:
        """Every medium to write, by name, sorted."""
        return sorted(self.files)

    def write(self) -> None:
        """Write the media files one by one (see :meth:`write_with` for the whole folder)."""
        for name in self.names():
            if _safe_component(name):
                _write_bytes(self.media_dir / name, self.files[name], "media file")

    def write_with(self, output: Path, text: str) -> None:
        """Write the media folder and ``output`` (``text``) together, or neither.

        The new folder is made beside the old one (holding the new files, and whatever else
        the old one held, hard-linked), the text beside ``output``; then the old folder is
        renamed away, the new one into place and the text over ``output``, each step undone
        if a later one fails. A full disk or a folder that cannot be written leaves the old
        deck with its old pictures, never the old text with new pictures.

        A media folder that holds the output itself (``--media-dir .``), is a link, or holds
        more than files (a folder of the user's named with ``--media-dir``) is written file
        by file instead: it is not ours to swap.
        """
        names = [name for name in self.names() if _safe_component(name)]
        folder = self.media_dir
        if not names:
            write_text_atomically(output, text)
            return
        if folder.is_symlink() or _inside(output, folder) or not _only_files(folder):
            self.write()
            write_text_atomically(output, text)
            return
        swap = _FolderSwap(folder, output)
        try:
            swap.prepare({name: self.files[name] for name in names}, text.encode("utf-8"))
            swap.commit()
        except OSError as exc:
            raise _fail(swap.failed or output, exc, swap.what) from None
        finally:
            swap.clean()


def _only_files(folder: Path) -> bool:
    """Whether ``folder`` is missing or holds regular files only (a media folder)."""
    try:
        with os.scandir(folder) as entries:
            return all(entry.is_file(follow_symlinks=False) for entry in entries)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return True  # cannot tell: do not swap


class _FolderSwap:
    """A media folder and a text file replaced together (see :meth:`MediaLinker.write_with`)."""

    def __init__(self, folder: Path, output: Path) -> None:
        self.folder = folder
        self.output = output
        self.new: Path | None = None
        self.old: Path | None = None
        self.text: Path | None = None
        self.failed: Path | None = None
        self.what = "media folder"

    def prepare(self, files: dict[str, bytes], text: bytes) -> None:
        folder = self.folder
        self.failed = folder
        check_target(self.output)
        if os.path.lexists(folder) and not folder.is_dir():
            raise OSError("it is not a folder")
        with interrupts_deferred():
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.new = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        os.chmod(self.new, 0o755)
        if folder.is_dir():
            for entry in os.scandir(folder):
                if entry.name not in files:
                    _carry(Path(entry.path), self.new / entry.name)
        for name, data in files.items():
            target = self.new / name
            target.write_bytes(data)
            os.chmod(target, 0o644)
        self.failed, self.what = self.output, "file"
        check_target(self.output)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with interrupts_deferred():
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.output.name}.", suffix=".tmp", dir=self.output.parent
            )
            self.text = Path(temporary)
        with os.fdopen(handle, "wb") as stream:
            stream.write(text)
        os.chmod(self.text, 0o644)

    def commit(self) -> None:
        assert self.new is not None and self.text is not None
        with interrupts_deferred():  # the renames happen together, or are undone
            if os.path.lexists(self.folder):
                self.old = self._aside()
                os.rename(self.folder, self.old)
            try:
                os.rename(self.new, self.folder)
            except OSError:
                if self.old is not None:
                    os.rename(self.old, self.folder)
                    self.old = None
                raise
            self.new = None
            try:
                os.replace(self.text, self.output)
            except OSError:
                # Back as it was: the new folder aside (removed below), the old one back.
                self.new = self._aside()
                os.rename(self.folder, self.new)
                if self.old is not None:
                    os.rename(self.old, self.folder)
                    self.old = None
                raise
            self.text = None

    def _aside(self) -> Path:
        """A free name beside the folder, to rename it to."""
        aside = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.", dir=self.folder.parent))
        os.rmdir(aside)
        return aside

    def clean(self) -> None:
        with interrupts_deferred():
            for folder in (self.new, self.old):
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
            if self.text is not None:
                self.text.unlink(missing_ok=True)


def _carry(source: Path, target: Path) -> None:
    """Put a file the old media folder held (not ours to drop) into the new one."""
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)
