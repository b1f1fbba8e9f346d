"""Where ``ankipress.building.pipeline.convert`` spends its time: a cProfile report as text.

The report opens with the call tree below ``convert`` (every callee taking 3% of the total
or more, as a share of it), then the heaviest functions by their own time, then pstats' top
40 by cumulative and by own time. cProfile roughly doubles the run time of Python-heavy
code: read the shares, not the seconds.

Usage: ``python benchmarks/hotspots.py INPUT FORMAT REPORT.txt`` (``run.py --profile`` runs it
on the 100k Brainscape deck).
"""

from __future__ import annotations

import cProfile
import functools
import io
import pstats
import sys
import tempfile
from pathlib import Path

TIMESTAMP = 1_700_000_000

Func = tuple[str, int, str]
"""pstats' key of a function: file, line, name."""


def _where(func: Func) -> str:
    path, line, name = func
    return f"{Path(path).name}:{line}({name})" if line else name


def _tree(stats: pstats.Stats, func: Func, total: float, depth: int = 0) -> list[str]:
    """Where the time under ``func`` goes: its callees taking 3% of ``total`` or more."""
    table = stats.stats  # type: ignore[attr-defined]
    children = sorted(
        ((callers[func][3], callee) for callee, (*_, callers) in table.items() if func in callers),
        reverse=True,
    )
    lines = []
    for cumulative, callee in children:
        if cumulative / total >= 0.03 and depth < 6:
            lines.append(f"  {'  ' * depth}{cumulative / total:6.1%}  {_where(callee)}")
            lines += _tree(stats, callee, total, depth + 1)
    return lines


def profile_convert(source: Path, output: Path, input_format: str) -> str:
    """Convert ``source`` to ``output`` under cProfile, in this process; the report's text."""
    from ankipress.building import pipeline

    options = pipeline.Options(input_format=input_format)
    profiler = cProfile.Profile()
    # As the command line converts: one pass a note, the plan's notes not kept.
    run = functools.partial(pipeline.convert, timestamp=TIMESTAMP, keep_notes=False)
    try:
        profiler.runcall(run, [source], output, options)
    except TypeError:  # a tree from before one-pass conversion
        profiler.runcall(pipeline.convert, [source], output, options, timestamp=TIMESTAMP)
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]
    root = next(f for f in table if f[2] == "convert" and f[0].endswith("pipeline.py"))
    total = table[root][3]
    out = io.StringIO()
    out.write(f"cProfile of ankipress.building.pipeline.convert on {source.name}: {total:.2f} s\n")
    out.write("(cProfile's own cost included: read the shares, not the seconds)\n\n")
    out.write("Where the time goes (share of convert, callees of 3% or more):\n")
    out.write("\n".join(_tree(stats, root, total)))
    out.write("\n\nHeaviest functions by own time (tottime), share of convert:\n")
    ranked = sorted(table.items(), key=lambda item: -item[1][2])
    for func, (_, calls, own, cumulative, _) in ranked[:15]:
        out.write(f"  {own / total:6.1%} own {cumulative / total:6.1%} cum {calls:>9} ")
        out.write(f"{_where(func)}\n")
    for key in ("cumulative", "tottime"):
        out.write(f"\n===== top 40 by {key} =====\n")
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(40)
    return out.getvalue()


def main() -> None:
    """Profile converting ``argv[1]`` (format ``argv[2]``); write the report to ``argv[3]``."""
    source, input_format, report = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    with tempfile.TemporaryDirectory() as scratch:
        text = profile_convert(source, Path(scratch) / "out.apkg", input_format)
    report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
