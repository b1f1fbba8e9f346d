"""Measuring whole processes: wall time, CPU time and peak memory of one run at a time.

Every measured run is a fresh process started through a tiny wrapper (``python -S``) that
spawns it and collects it with ``os.wait4``: the resource usage of exactly that child. A
direct child of ``run.py`` would not do: Linux counts the memory of the process that spawns a
child into the child's peak (at ``exec``), and ``run.py`` grows as it checks packages and
profiles; ``getrusage(RUSAGE_CHILDREN)`` in ``run.py`` would also keep the maximum over every
earlier run. The wrapper is ~9 MiB, below any Python process measured.

Around each run the machine's busy CPU time is read from ``/proc/stat``, so that a report can
say how much other processes competed with the measurement.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import generate

HERE = Path(__file__).resolve().parent
EPOCH = "1700000000"
"""``SOURCE_DATE_EPOCH`` for ankipress: the same package bytes on every run."""

# Runs argv[1:] with its stdout sent to stderr; prints wall s, CPU s, peak KiB, exit code,
# and its own CPU s (so that it is not taken for other processes' work).
_WRAPPER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, 2, 1)])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
own = os.times()
print(wall, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status), own.user + own.system)
"""


@dataclass(frozen=True, slots=True)
class Target:
    """One thing to time: ``floor``, ``genanki``, ``ankipress:<format>`` (``+git``: the deck
    in a git work tree with history), or a start-up command (``argv``)."""

    name: str
    fmt: str | None = None
    """The ankipress input format, ``None`` for the floor and genanki."""
    git: bool = False
    """Read the deck from a git work tree, so that note times come from ``git blame``."""
    argv: tuple[str, ...] = ()
    """A fixed command instead (start-up: ``python -c pass``, ``ankipress --version``)."""
    writes: bool = True
    """Whether the command writes a package of ``size`` notes (checked on its first run)."""

    def command(self, size: int, output: Path) -> list[str]:
        """The command line that builds the package of ``size`` notes at ``output``."""
        if self.argv:
            return [part.replace("{output}", str(output)) for part in self.argv]
        if self.fmt is None:
            script = HERE / ("floor.py" if self.name == "floor" else "genanki_baseline.py")
            return [sys.executable, str(script), str(generate.path_for("notes", size)), str(output)]
        where = generate.ensure_git if self.git else generate.path_for
        source = str(where(self.fmt, size))
        # A 1M-note deck is larger than the default source limit (256M).
        limit = ["--max-source-size", "2G"] if size > 100_000 else []
        return [*ankipress(), "convert", source, "--from", self.fmt, *limit, "-o", str(output)]


@dataclass(frozen=True, slots=True)
class Run:
    """One measured process."""

    wall: float
    cpu: float
    peak_mib: float
    code: int
    stderr: str
    overhead: float
    """CPU seconds of the wrapper and of this script around the run."""


@dataclass(slots=True)
class Result:
    """Every run of one target at one size, or why it was not measured."""

    target: Target
    size: int
    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None
    note: str = ""
    others: float = 0.0
    """CPU seconds that other processes used on the machine during its measured runs."""

    @property
    def best(self) -> float:
        """The fastest wall time: noise on a shared machine only ever adds time."""
        return min(run.wall for run in self.runs)


def ankipress() -> list[str]:
    """How to run the ankipress command of this environment."""
    script = Path(sys.executable).with_name("ankipress")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ankipress"]


def run_once(command: list[str], env: dict[str, str]) -> Run:
    """Run ``command`` in a fresh process and measure it."""
    before = os.times()
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(
            [sys.executable, "-S", "-c", _WRAPPER, *command],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            check=True,
            text=True,
        )
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    after = os.times()
    wall, cpu, peak_kib, code, wrapper = done.stdout.split()
    mine = after.user + after.system - before.user - before.system
    return Run(
        float(wall), float(cpu), int(peak_kib) / 1024, int(code), stderr, float(wrapper) + mine
    )


def count_notes(package: Path, scratch: Path) -> int:
    """How many notes the package's collection holds."""
    database = scratch / "check.db"
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        member = next(n for n in ("collection.anki21", "collection.anki2") if n in names)
        with archive.open(member) as packed, database.open("wb") as unpacked:
            shutil.copyfileobj(packed, unpacked)
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])
    finally:
        connection.close()
        database.unlink()


def _failure(run: Run, label: str) -> str:
    lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
    # A traceback says what went wrong on its last line; a diagnostic on its first.
    message = (lines[-1] if "Traceback" in run.stderr else lines[0]) if lines else "no message"
    return f"{label} failed with exit {run.code}: {message[:160]}"


def measure(
    targets: list[Target], size: int, runs: int, warm_up: bool, scratch: Path
) -> list[Result]:
    """Time every target at ``size``, one round of all targets after another.

    Interleaving rounds spreads any background load over all targets alike. The first run
    of each target (an unmeasured warm-up when ``warm_up``) is checked for the number of
    notes in its package, and flagged if wrong. A target whose command fails is dropped
    from this size, its runs discarded, and from the larger sizes.
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "TMPDIR": str(scratch)}
    code = scratch / "src"
    if code.is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
    results = {target: Result(target, size) for target in targets}
    for round_ in range(-1 if warm_up else 0, runs):
        for target, result in results.items():
            if result.skipped:
                continue
            output = scratch / f"{target.name.replace(':', '-')}.apkg"
            busy = _busy_seconds()
            run = run_once(target.command(size, output), env)
            others = max(0.0, _busy_seconds() - busy - run.cpu - run.overhead)
            label = "warm-up" if round_ < 0 else f"run {round_ + 1}/{runs}"
            print(f"  {size:>7} {target.name:<22} {label:<9} {run.wall:7.2f} s", file=sys.stderr)
            if run.code != 0:
                result.skipped = _failure(run, label)
                result.runs.clear()  # a half-measured target would mislead
                continue
            if round_ == (-1 if warm_up else 0) and target.writes:
                found = count_notes(output, scratch)
                if found != size:
                    result.note = f"package holds {found} of {size} notes"
            if round_ >= 0:
                result.runs.append(run)
                result.others += others
            _clean(scratch)
    return list(results.values())


def _clean(scratch: Path) -> None:
    """Remove what the runs left behind (genanki's temporary databases, packages)."""
    for path in scratch.iterdir():
        if path.is_file():
            path.unlink()


def snapshot(scratch: Path) -> None:
    """Copy the working tree's ``src/ankipress`` into ``scratch/src``, imported from there.

    Other people keep editing the tree; a copy taken at the start measures one state of
    the code in every run and in the profile.
    """
    package = HERE.parent / "src" / "ankipress"
    if package.is_dir():
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(package, scratch / "src" / "ankipress", ignore=ignore)
        sys.path.insert(0, str(scratch / "src"))


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (0 where unknown)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, stat.read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
