"""Faults from outside: a full disk, a folder that cannot be written, signals, a rival build,
inputs that change or are not files, another TMPDIR, another locale.

For each, the promise is the same: the previous output stays byte for byte what it was, no
temporary file is left behind, the exit code is not 0 and the message names the path and
what went wrong. Where the fault must come from the operating system (a file size limit, a
signal, a FIFO), ``python -m ankipress`` runs in a child process; the rest run in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ankipress import sources
from ankipress.building import pipeline
from ankipress.cli import Terminated, cli
from ankipress.readers import apkg_zip
from hostile_apkg import PNG, collection_db, legacy_package

# Signals, FIFOs, file size limits, mounts and umask are POSIX's.
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX faults")

_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
_WORDS += ["eta", "theta", "iota", "kappa", "lambda", "mu"]


def _env(**changes: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    env.update(changes)
    return env


def _ankipress(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    limit: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m ankipress ARGS`` in a child process (``limit`` runs in it first)."""
    return subprocess.run(
        [sys.executable, "-m", "ankipress", *args],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        check=False,
    )


def _deck(path: Path, notes: int, width: int = 8) -> Path:
    """A Quizlet export of ``notes`` cards, each answer ``width`` words long."""
    lines = [
        f"Question {i}: {' '.join(_WORDS[(i + k) % 12] for k in range(8))}\t"
        + " ".join(_WORDS[(i * k) % 12] for k in range(width))
        for i in range(notes)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _listing(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` and its bytes: what a failed build must leave unchanged."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose ``out/deck.apkg`` was built once: the previous output."""
    _deck(tmp_path / "src" / "deck.txt", 300)
    built = _ankipress("build", "--source", "src", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    return tmp_path


def _file_size_limit(size: int) -> Callable[[], None]:
    """A child process's limit on the size of files it writes: a disk full at ``size``."""
    import resource  # POSIX only, as this module

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


# -- a full disk ------------------------------------------------------------------------------


def test_a_disk_full_while_the_collection_is_written_leaves_the_old_package(
    project: Path,
) -> None:
    before = _listing(project / "out")
    _deck(project / "src" / "deck.txt", 3000)  # its collection outgrows the limit

    failed = _ankipress(
        "build", "--source", "src", "--out", "out", cwd=project, limit=_file_size_limit(256 << 10)
    )

    assert failed.returncode == 1
    assert failed.stderr.startswith("out/deck.apkg: error: cannot write the package: ")
    # SQLite names the fault in its own words ("disk I/O error (SQLITE_IOERR_WRITE)").
    assert "SQLITE_" in failed.stderr or "File too large" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert _listing(project / "out") == before


def test_a_disk_full_while_the_package_is_zipped_leaves_the_old_package(project: Path) -> None:
    """A picture too big for the limit: the collection fits, the zip of it does not."""
    before = _listing(project / "out")
    (project / "src" / "deck.txt").unlink()
    (project / "src" / "big.md").write_text("## What is this?\n![noise](noise.png)\n", "utf-8")
    (project / "src" / "noise.png").write_bytes(PNG + os.urandom(400 << 10))

    failed = _ankipress(
        "convert",
        "src/big.md",
        "-o",
        "out/deck.apkg",
        cwd=project,
        limit=_file_size_limit(300 << 10),
    )

    assert failed.returncode == 1
    assert failed.stderr == "out/deck.apkg: error: cannot write the package: File too large\n"
    assert _listing(project / "out") == before


# -- folders --------------------------------------------------------------------------------


def test_an_output_folder_that_does_not_exist_is_created(tmp_path: Path) -> None:
    deck = _deck(tmp_path / "deck.txt", 3)
    output = tmp_path / "new" / "deeper" / "deck.apkg"

    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(output)])

    assert result.exit_code == 0, result.output
    assert [path.name for path in output.parent.iterdir()] == ["deck.apkg"]


def test_an_output_folder_that_is_a_file_is_an_error_naming_it(tmp_path: Path) -> None:
    deck = _deck(tmp_path / "deck.txt", 3)
    (tmp_path / "taken").write_text("a file, not a folder")

    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(tmp_path / "taken/d.apkg")])

    assert result.exit_code == 1
    assert result.output.startswith(f"{tmp_path}/taken/d.apkg: error: cannot write the package: ")
    assert (tmp_path / "taken").read_text() == "a file, not a folder"


@contextlib.contextmanager
def _read_only_folder(folder: Path) -> Iterator[None]:
    """``folder``, read-only even for root: a read-only tmpfs when root may mount one."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("running as root where no read-only file system can be mounted")
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_output_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    deck = _deck(tmp_path / "deck.txt", 3)
    folder = tmp_path / "readonly"
    with _read_only_folder(folder):
        result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(folder / "d.apkg")])
        left = list(folder.iterdir())

    assert result.exit_code == 1
    assert result.output.startswith(f"{folder}/d.apkg: error: cannot write the package: ")
    assert "Read-only file system" in result.output or "Permission denied" in result.output
    assert left == []


# -- interruptions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [(KeyboardInterrupt, 130, "interrupted"), (Terminated, 143, "terminated")],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_write_leaves_the_old_package_and_no_temporary_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: type[BaseException],
    code: int,
    said: str,
) -> None:
    """The interruption lands while the zip is written, deterministically."""
    deck = _deck(tmp_path / "deck.txt", 20)
    output = tmp_path / "out" / "deck.apkg"
    assert CliRunner().invoke(cli, ["convert", str(deck), "-o", str(output)]).exit_code == 0
    before = _listing(output.parent)
    _deck(deck, 30)

    def interrupted(*args: object, **kwargs: object) -> None:
        assert any(path.name.endswith(".tmp") for path in output.parent.iterdir())
        raise raised

    monkeypatch.setattr("ankipress.writers.apkg.shutil.copyfileobj", interrupted)
    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(output)])

    assert result.exit_code == code
    assert result.output == f"ankipress: {said}; no file was left half-written\n"
    assert _listing(output.parent) == before


def test_an_interrupted_text_output_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = _deck(tmp_path / "deck.txt", 5)
    output = tmp_path / "out" / "deck.md"

    def interrupted(source: object, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("ankipress.writers.common.os.replace", interrupted)
    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(output)])

    assert result.exit_code == 130
    assert list(output.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_in_the_middle_of_a_large_build_leaves_complete_files_only(
    tmp_path: Path, signum: int, code: int, said: str
) -> None:
    """A real signal, sent once the package is being written (in its temporary folder).

    The package is the previous one, or (had the signal come in the last microseconds,
    after the rename) the new one whole: never a part of one, and no temporary file.
    """
    _deck(tmp_path / "src" / "big.txt", 400)
    assert _ankipress("build", "--source", "src", "--out", "out", cwd=tmp_path).returncode == 0
    old = (tmp_path / "out" / "big.apkg").read_bytes()
    # On a loaded machine the build can finish between the test seeing the write begin and
    # the signal arriving: that run proves nothing, so it is tried again with the old files.
    for _ in range(_SIGNAL_ATTEMPTS):
        _deck(tmp_path / "src" / "big.txt", 20000, width=30)
        child, stderr = _signalled_build(tmp_path, signum)
        if child.returncode != 0:
            break
        assert "Traceback" not in stderr
        _deck(tmp_path / "src" / "big.txt", 400)
        assert _ankipress("build", "--source", "src", "--out", "out", cwd=tmp_path).returncode == 0
    assert child.returncode == code
    assert stderr.endswith(f"ankipress: {said}; no file was left half-written\n")
    assert "Traceback" not in stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".ankipress-state.json",
        "big.apkg",
        "manifest.json",
    ]
    package = (tmp_path / "out" / "big.apkg").read_bytes()
    if package != old:
        with zipfile.ZipFile(tmp_path / "out" / "big.apkg") as archive:
            assert archive.testzip() is None


_SIGNAL_ATTEMPTS = 5


def _signalled_build(folder: Path, signum: int) -> tuple[subprocess.Popen[str], str]:
    """A build of ``folder/src`` sent ``signum`` once its collection is being written (in
    its temporary folder, inside the ``try`` that removes it): the child and its stderr."""
    child = subprocess.Popen(
        [sys.executable, "-m", "ankipress", "build", "--source", "src", "--out", "out"],
        cwd=folder,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list((folder / "out").glob("*.tmp/collection.anki2")):
        if child.poll() is not None:
            break  # finished before the test saw the write: tried again
        assert time.monotonic() < deadline, "the write never began"
        time.sleep(0.002)
    else:
        child.send_signal(signum)
    _, stderr = child.communicate(timeout=60)
    return child, stderr


def test_two_builds_to_one_output_at_once_leave_one_whole_package(project: Path) -> None:
    env = _env(SOURCE_DATE_EPOCH="1700000000")
    command = [sys.executable, "-m", "ankipress", "build", "--force", "--source", "src"]
    _deck(project / "src" / "deck.txt", 3000)
    alone = _ankipress("build", "--source", "src", "--out", "alone", cwd=project, env=env)
    assert alone.returncode == 0

    children = [
        subprocess.Popen([*command, "--out", "out"], cwd=project, env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    codes = [child.wait(timeout=120) for child in children]
    for child in children:
        assert child.stderr is not None
        child.stderr.close()

    assert codes == [0, 0]
    assert (project / "out" / "deck.apkg").read_bytes() == (
        project / "alone" / "deck.apkg"
    ).read_bytes()
    assert not [p for p in (project / "out").iterdir() if p.name.endswith(".tmp")]


# -- inputs that change or are not files --------------------------------------------------------


def _build(cwd: Path) -> Result:
    return CliRunner().invoke(cli, ["build", "--source", "src", "--out", "out"])


def test_an_input_deleted_before_it_is_read_is_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _listing(project / "out")
    _deck(project / "src" / "deck.txt", 5)
    real_load = sources.load

    def vanishing(path: Path, *args: object) -> object:
        path.unlink()
        return real_load(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("ankipress.building.plan.load", vanishing)
    result = _build(project)

    assert result.exit_code == 1
    assert result.output.startswith("src/deck.txt: error: no such file\n")
    assert _listing(project / "out") == before


def test_an_input_deleted_after_it_was_read_is_an_error_before_anything_is_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    before = _listing(project / "out")
    _deck(project / "src" / "deck.txt", 5)
    real_plan = pipeline.plan_package

    def then_deleted(*args: object) -> pipeline.PackagePlan:
        plan = real_plan(*args)  # type: ignore[arg-type]
        (project / "src" / "deck.txt").unlink()
        return plan

    monkeypatch.setattr(pipeline, "plan_package", then_deleted)
    result = _build(project)

    assert result.exit_code == 1
    assert result.output == (
        "src/deck.txt: error: the file changed while it was read: No such file or directory\n"
    )
    assert _listing(project / "out") == before


def test_a_package_cut_short_while_it_is_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The zip directory was read whole; then the file shrinks under the reader."""
    package = tmp_path / "in.apkg"
    package.write_bytes(legacy_package(collection_db(), {"0": "x.png"}, {"0": PNG}))
    real_directory = apkg_zip._directory

    def then_truncated(*args: object) -> tuple[int, int]:
        found = real_directory(*args)  # type: ignore[arg-type]
        os.truncate(package, package.stat().st_size // 3)
        return found

    monkeypatch.setattr(apkg_zip, "_directory", then_truncated)
    result = CliRunner().invoke(cli, ["convert", str(package), "-o", str(tmp_path / "o.apkg")])

    assert result.exit_code == 1
    assert result.output.startswith(f"{package}: error: ")
    assert result.output.count("error") == 1
    assert not (tmp_path / "o.apkg").exists()


@pytest.mark.parametrize("name", ["deck.txt", "deck.apkg"])
def test_an_input_that_is_a_fifo_is_refused_never_waited_on(tmp_path: Path, name: str) -> None:
    os.mkfifo(tmp_path / name)

    result = _ankipress("convert", name, "-o", "out.apkg", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(f"{name}: error: cannot read")
    assert "it is a named pipe (FIFO), not a file" in result.stderr
    assert not (tmp_path / "out.apkg").exists()


def test_a_media_file_swapped_for_a_fifo_or_a_link_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "deck").mkdir()
    (tmp_path / "secret.png").write_bytes(PNG)
    os.mkfifo(tmp_path / "deck" / "cat.png")
    (tmp_path / "deck" / "dog.png").symlink_to(tmp_path / "secret.png")
    (tmp_path / "deck" / "deck.md").write_text(
        "## A cat\n![cat](cat.png)\n\n## A dog\n![dog](dog.png)\n", "utf-8"
    )

    result = _ankipress("convert", "deck/deck.md", "-o", "out.apkg", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "deck/deck.md:1: error: media file 'cat.png' is refused: it is a named pipe (FIFO), "
        "not a file; media files must be in the source file's folder or below it",
        "deck/deck.md:4: error: media file 'dog.png' is refused: it leads out of the folder it "
        "must be in; media files must be in the source file's folder or below it",
    ]
    assert not (tmp_path / "out.apkg").exists()


# -- the environment -----------------------------------------------------------------------------


@contextlib.contextmanager
def _other_file_system(folder: Path) -> Iterator[bool]:
    """``folder`` on a file system of its own where one can be mounted (True), else plain."""
    folder.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def test_tmpdir_on_another_file_system_is_not_where_packages_are_written(tmp_path: Path) -> None:
    """Packages are written beside their target and renamed: TMPDIR only unpacks inputs."""
    _deck(tmp_path / "src" / "deck.txt", 50)
    (tmp_path / "src" / "shared.apkg").write_bytes(legacy_package(collection_db(), {}, {}))
    with _other_file_system(tmp_path / "tmp") as mounted:
        if mounted:
            assert (tmp_path / "tmp").stat().st_dev != tmp_path.stat().st_dev
        env = _env(TMPDIR=str(tmp_path / "tmp"))
        built = _ankipress("build", "--source", "src", "--out", "out", cwd=tmp_path, env=env)
        left = list((tmp_path / "tmp").iterdir())

    assert built.returncode == 0, built.stderr
    assert left == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".ankipress-state.json",
        "deck.apkg",
        "manifest.json",
        "shared.apkg",
    ]


def _reproducible_project(root: Path) -> Path:
    course = root / "src" / "Biologie"
    (course / "Woche 2").mkdir(parents=True)
    (course / "Zellen.md").write_text(
        "---\ntags: [bio, \u00fcbung]\n---\n# Zellen\n"
        "## Was ist eine Zelle?\nDie kleinste Einheit des Lebens: ![Zelle](.bilder/zelle.png)\n"
        "## Stra\u00dfe der $x_1$?\n**fett** und `code`\n",
        encoding="utf-8",
    )
    # In a hidden folder: every visible file of a folder package is read as a deck.
    (course / ".bilder").mkdir()
    (course / ".bilder" / "zelle.png").write_bytes(PNG)
    (course / "Woche 2" / "Gene.csv").write_text(
        "question,answer,tags\nGen?,Einheit der Vererbung,genetik\n\u00c4pfel,\u00c4pfel\n",
        encoding="utf-8",
    )
    _deck(root / "src" / "quizlet.txt", 40)
    return root


@pytest.mark.parametrize(
    "setting",
    [
        {"TZ": "Pacific/Chatham", "LC_ALL": "C"},
        {"TZ": "America/St_Johns", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "12345"},
        {"TZ": "Asia/Kathmandu", "LANG": "de_DE.UTF-8", "PYTHONHASHSEED": "random"},
    ],
    ids=["tz-chatham-c-locale", "tz-st-johns-utf8-seed", "tz-kathmandu-de-random-seed"],
)
def test_time_zone_locale_hash_seed_and_umask_change_no_byte(
    tmp_path: Path, setting: dict[str, str]
) -> None:
    root = _reproducible_project(tmp_path)
    plain = _env(TZ="UTC", LC_ALL="C.UTF-8", PYTHONHASHSEED="0")
    first = _ankipress("build", "--source", "src", "--out", "a", cwd=root, env=plain)

    def strict_umask() -> None:
        os.umask(0o077)

    second = _ankipress(
        "build", "--source", "src", "--out", "b", cwd=root, env=_env(**setting), limit=strict_umask
    )

    assert first.returncode == second.returncode == 0, second.stderr
    for name in ("Biologie.apkg", "quizlet.apkg"):
        assert (root / "a" / name).read_bytes() == (root / "b" / name).read_bytes()
        assert (root / "b" / name).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("value", ["tomorrow", "-1", "1e9", "1700000000.5", "\u00b3"])
def test_a_malformed_source_date_epoch_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, value: str
) -> None:
    deck = _deck(tmp_path / "deck.txt", 3)
    output = tmp_path / "out" / "deck.apkg"

    result = CliRunner(env={"SOURCE_DATE_EPOCH": value}).invoke(
        cli, ["convert", str(deck), "-o", str(output)]
    )

    assert result.exit_code == 2
    assert result.output == (
        f"ankipress: error: SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}\n"
    )
    assert not output.parent.exists()


def test_leftover_folders_are_not_ours_to_clean(tmp_path: Path) -> None:
    """A fault in one build never touches what another left: temporary names are unique."""
    out = tmp_path / "out"
    out.mkdir()
    stranger = out / ".deck.apkg.abc123.tmp"
    stranger.mkdir()
    deck = _deck(tmp_path / "deck.txt", 3)

    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(out / "deck.apkg")])

    assert result.exit_code == 0
    assert stranger.is_dir()
    shutil.rmtree(stranger)


# -- the input's fault is never an internal error (exit 70) ---------------------------------

_DECK = "What is one?\tOne\nWhat is two?\tTwo\n"
_LONG = "a" * 5000


def _project(folder: Path, toml: bytes) -> Path:
    folder.mkdir()
    (folder / "deck.txt").write_text(_DECK, "utf-8")
    (folder / "ankipress.toml").write_bytes(toml)
    return folder


_PROJECTS = {
    "absolute-glob": b'[[package]]\nname = "x"\nsources = ["/etc/*.conf"]\n',
    "long-source": f'[[package]]\nname = "x"\nsources = ["{_LONG}"]\n'.encode(),
    "long-name": f'[[package]]\nname = "{_LONG}"\nsources = ["deck.txt"]\n'.encode(),
    "nul-name": b'[[package]]\nname = "x\\u0000y"\nsources = ["deck.txt"]\n',
    "nul-out": b'[build]\nout = "o\\u0000"\n[[package]]\nname = "x"\nsources = ["deck.txt"]\n',
    "nul-template": b'[build]\ntemplate = "t\\u0000"\n[[package]]\nname = "x"\n'
    b'sources = ["deck.txt"]\n',
    "latin-1": b'[build]\n# caf\xe9\nout = "b"\n',
}


@pytest.mark.parametrize("case", list(_PROJECTS))
def test_a_bad_project_file_is_a_located_error(tmp_path: Path, case: str) -> None:
    folder = _project(tmp_path / "p", _PROJECTS[case])

    result = _ankipress("build", cwd=folder)

    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("ankipress.toml:"), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "build").exists()


_STATES = {
    "packages-a-list": '{"version": 1, "packages": []}',
    "notes-a-list": '{"version": 1, "packages": {"x.apkg": {"key": "k", "sha256": "s", '
    '"notes": [], "summary": {}}}}',
    "time-infinite": '{"version": 1, "packages": {"x.apkg": {"key": "k", "sha256": "s", '
    '"notes": {"g": ["h", 1e400]}, "summary": {}}}}',
    "deep": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", list(_STATES))
def test_a_damaged_build_state_means_rebuild(tmp_path: Path, case: str) -> None:
    folder = _project(tmp_path / "p", b'[[package]]\nname = "x"\nsources = ["deck.txt"]\n')
    (folder / "build").mkdir()
    (folder / "build" / ".ankipress-state.json").write_text(_STATES[case], "utf-8")

    result = _ankipress("build", cwd=folder)

    assert result.returncode == 0, result.stderr
    assert "wrote build/x.apkg" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (["--report", "deck.txt/r.json"], {}, 1, "deck.txt/r.json: error: cannot write the report"),
        ([], {"SOURCE_DATE_EPOCH": "100000000000000000"}, 2, "SOURCE_DATE_EPOCH=1000"),
        ([], {"SOURCE_DATE_EPOCH": "0"}, 2, "SOURCE_DATE_EPOCH=0 is out of range"),
        (["--encoding", "base64"], {}, 1, "deck.txt: error: 'base64' is not a text encoding"),
        (["--template", _LONG], {}, 2, "a path is at most 4,096"),
        (["--report", "r\0.json"], {}, 2, "it holds a NUL character"),
    ],
    ids=["report-under-a-file", "epoch-1e17", "epoch-0", "base64", "long-template", "nul-report"],
)
def test_bad_settings_are_errors_not_internal_errors(
    tmp_path: Path, args: list[str], env: dict[str, str], code: int, says: str
) -> None:
    (tmp_path / "deck.txt").write_text(_DECK, "utf-8")
    with contextlib.chdir(tmp_path):
        result = CliRunner().invoke(cli, ["convert", "deck.txt", "-o", "o.apkg", *args], env=env)

    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert says in result.output
    assert "internal error" not in result.output
    assert not (tmp_path / "o.apkg").exists()


def _with_model_id(database: bytes, model_id: int, folder: Path) -> bytes:
    """The collection with its note type's id (in ``col.models`` and the notes) replaced."""
    path = folder / "collection.anki2"
    path.write_bytes(database)
    connection = sqlite3.connect(path)
    (text,) = connection.execute("SELECT models FROM col").fetchone()
    models = json.loads(text)
    ((old, model),) = models.items()
    model["id"] = model_id
    text = json.dumps({str(model_id): model})
    connection.execute("UPDATE col SET models = ?", (text,))
    connection.execute("UPDATE notes SET mid = ? WHERE mid = ?", (model_id % (1 << 62), int(old)))
    connection.commit()
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize("model_id", [1 << 70, 0], ids=["2**70", "0"])
def test_a_note_type_id_anki_cannot_hold_is_a_located_error(tmp_path: Path, model_id: int) -> None:
    path = tmp_path / "ids.apkg"
    path.write_bytes(legacy_package(_with_model_id(collection_db(), model_id, tmp_path), {}, {}))

    result = CliRunner().invoke(cli, ["convert", str(path), "-o", str(tmp_path / "o.apkg")])

    assert result.exit_code == 1, result.output
    assert f"has the id {model_id}, which Anki does not take" in result.output
    assert "internal error" not in result.output
    assert not (tmp_path / "o.apkg").exists()


@pytest.mark.parametrize("output", ["deck.apkg", "deck.md", "deck.csv"])
@pytest.mark.parametrize("target", ["device-link", "fifo", "folder"])
def test_an_output_that_exists_and_is_not_a_file_is_refused(
    tmp_path: Path, output: str, target: str
) -> None:
    """Renaming over it would replace a device (through a link), a FIFO or a folder."""
    (tmp_path / "deck.txt").write_text(_DECK, "utf-8")
    path = tmp_path / output
    if target == "device-link":
        path.symlink_to(os.devnull)
    elif target == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    kind = {"device-link": "a device", "fifo": "a named pipe", "folder": "a folder"}[target]

    result = CliRunner().invoke(cli, ["convert", str(tmp_path / "deck.txt"), "-o", str(path)])

    assert result.exit_code == 1, result.output
    assert f"{path}: error: cannot write the " in result.output
    assert f"it is {kind}" in result.output
    assert os.path.lexists(path) and not path.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["deck.txt", output])
    assert Path(os.devnull).is_char_device()


# -- a package back to Markdown: the text and its media folder together ----------------------


def _picture_package(folder: Path, picture: bytes) -> Path:
    sql = "UPDATE notes SET flds = 'Which cat?' || char(31) || '<img src=\"cat.png\">';"
    path = folder / "shared.apkg"
    path.write_bytes(legacy_package(collection_db(sql), {"0": "cat.png"}, {"0": picture}))
    return path


def test_markdown_and_its_media_folder_change_together_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text fails to land after the pictures are ready: the old deck keeps old pictures."""
    output = tmp_path / "deck.md"
    package = _picture_package(tmp_path, PNG + b"old")
    assert CliRunner().invoke(cli, ["convert", str(package), "-o", str(output)]).exit_code == 0
    (tmp_path / "deck.media" / "mine.txt").write_text("a note of mine", "utf-8")
    before = _listing(tmp_path)
    package = _picture_package(tmp_path, PNG + b"new")
    real_replace = os.replace

    def failing(source: object, target: object) -> None:
        if str(target) == str(output):
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing)
    failed = CliRunner().invoke(cli, ["convert", str(package), "-o", str(output)])
    monkeypatch.setattr(os, "replace", real_replace)

    assert failed.exit_code == 1, failed.output
    assert f"{output}: error: cannot write the file: No space left on device" in failed.output
    after = _listing(tmp_path)
    assert {k: v for k, v in after.items() if k != "shared.apkg"} == {
        k: v for k, v in before.items() if k != "shared.apkg"
    }

    done = CliRunner().invoke(cli, ["convert", str(package), "-o", str(output)])

    assert done.exit_code == 0, done.output
    assert (tmp_path / "deck.media" / "cat.png").read_bytes() == PNG + b"new"
    assert (tmp_path / "deck.media" / "mine.txt").read_text("utf-8") == "a note of mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.md", "deck.media", "shared.apkg"]


def test_a_media_folder_that_cannot_be_written_leaves_the_old_deck(tmp_path: Path) -> None:
    output = tmp_path / "deck.md"
    package = _picture_package(tmp_path, PNG + b"old")
    assert CliRunner().invoke(cli, ["convert", str(package), "-o", str(output)]).exit_code == 0
    package = _picture_package(tmp_path, PNG + b"new")
    before = _listing(tmp_path)
    (tmp_path / "deck.media").chmod(0o500)
    tmp_path.chmod(0o500)  # no new folder can be made beside the old one
    try:
        result = CliRunner().invoke(cli, ["convert", str(package), "-o", str(output)])
    finally:
        tmp_path.chmod(0o700)
        (tmp_path / "deck.media").chmod(0o700)

    if os.geteuid() == 0:
        pytest.skip("root writes read-only folders")
    assert result.exit_code == 1
    assert "cannot write the media folder" in result.output
    assert _listing(tmp_path) == before


def test_a_build_whose_manifest_is_a_device_link_writes_no_package(tmp_path: Path) -> None:
    folder = _project(tmp_path / "p", b'[[package]]\nname = "x"\nsources = ["deck.txt"]\n')
    (folder / "build").mkdir()
    (folder / "build" / "manifest.json").symlink_to(os.devnull)

    with contextlib.chdir(folder):
        result = CliRunner().invoke(cli, ["build"])

    assert result.exit_code == 1, result.output
    assert "build/manifest.json: error: cannot write the file: it is a device" in result.output
    assert sorted(p.name for p in (folder / "build").iterdir()) == ["manifest.json"]


_VOCAB = """## der Hund
<!-- notetype: Vocab -->
### Meaning
dog

# Note types

```yaml
- name: Vocab
  id: {id}
  fields: [Word, Meaning]
  templates:
  - name: Recognition
    front: '{{{{Word}}}}'
    back: '{{{{Meaning}}}}'
  css: ''
```
"""


@pytest.mark.parametrize("model_id", [1 << 70, 0], ids=["2**70", "0"])
def test_a_markdown_note_type_id_anki_cannot_hold_is_a_located_error(
    tmp_path: Path, model_id: int
) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text(_VOCAB.format(id=model_id), "utf-8")

    result = CliRunner().invoke(cli, ["convert", str(deck), "-o", str(tmp_path / "o.apkg")])

    assert result.exit_code == 1, result.output
    assert f"{deck}:10: error: a note type's id must be between 1 and " in result.output
    assert "internal error" not in result.output


def test_a_media_folder_of_yours_holding_folders_is_written_into_not_swapped(
    tmp_path: Path,
) -> None:
    """``--media-dir`` naming a folder of the user's: its subfolders stay where they are."""
    mine = tmp_path / "pictures"
    (mine / "holiday").mkdir(parents=True)
    (mine / "holiday" / "beach.jpg").write_bytes(b"beach")
    inode = (mine / "holiday").stat().st_ino
    package = _picture_package(tmp_path, PNG)

    result = CliRunner().invoke(
        cli, ["convert", str(package), "-o", str(tmp_path / "deck.md"), "--media-dir", str(mine)]
    )

    assert result.exit_code == 0, result.output
    assert (mine / "cat.png").read_bytes() == PNG
    assert (mine / "holiday").stat().st_ino == inode
