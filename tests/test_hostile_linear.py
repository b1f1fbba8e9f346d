"""Every scan over user text is linear: doubling an attack at most doubles the time.

Each case is a field built of one piece repeated (``[sound:``, ``<img ``, ``\\(`` …), which
a regular expression that runs from every opener to the end of the text turns into minutes.
The whole way a field goes is timed: read, clean, render, screen, write the package, show
the preview page. No absolute time is asserted, only the ratio of the times of a field and
of the field twice as long: about 2 when linear, 4 when quadratic. So that a busy machine
does not decide, each time is the processor time of this process (not the wall clock, which
counts other processes' turns), the smallest of a few runs. A case may also be refused with
a located error, as long as that is quick too.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ankipress.building.pipeline import Options, plan_package, write_plans
from ankipress.errors import AnkipressError
from ankipress.preview import render_page
from ankipress.textscan import lazy_spans, strip_tags, sub_before_last

_HTML = "#separator:tab\n#html:true\n"
_MD = "---\ndeck: Attack\n---\n\n## q\n\n"
_ORG = "* q\n  :PROPERTIES:\n  :ANKI_NOTE_TYPE: Basic\n  :END:\n"
# (file suffix, the file for a repeat count, options, the repeat count)
Case = tuple[str, Callable[[int], str], dict[str, Any], int]
CASES: dict[str, Case] = {
    "sound-tags": (".txt", lambda n: f"{_HTML}q\t{'[sound:' * n}\n", {}, 3000),
    "sound-tags-sanitized": (
        ".txt",
        lambda n: f"{_HTML}q\t{'[sound:' * n}\n",
        {"sanitize": True},
        3000,
    ),
    "lt-in-the-sort-field": (".txt", lambda n: f"{_HTML}{'<' * n}\ta\n", {}, 12000),
    # A reference (&#38;) makes the field suspect, so the screen parses it.
    "lt-on": (".txt", lambda n: f"{_HTML}q\t{'<on' * n}&#38;\n", {}, 12000),
    "on-repeated": (".txt", lambda n: f"{_HTML}q\t<b {'on' * n}\n", {}, 4000),
    # An "=" makes the field one the media scan looks at; no "src=" follows any "<img ".
    "img-without-src": (".txt", lambda n: f"{_HTML}q\t{'<img ' * n}=\n", {}, 4000),
    "a-with-allow-html": (".md", lambda n: f"{_MD}{'<a ' * n}\n", {"allow_html": True}, 2000),
    "quoted-tags-with-allow-html": (
        ".md",
        lambda n: _MD + "<a x='>'c" * n + "\n",
        {"allow_html": True},
        4000,
    ),
    "comments-with-allow-html": (
        ".md",
        lambda n: f"{_MD}{'<!--' * n}\n",
        {"allow_html": True},
        2000,
    ),
    # Every "==" opens a highlight whose closer is never found.
    "highlights-never-closed": (".md", lambda n: f"{_MD}{' ==a' * n}\n", {}, 4000),
    "tex-in-the-preview": (".txt", lambda n: _HTML + "q\t" + "\\(" * n + "\\]\n", {}, 6000),
    "comments-in-html": (".txt", lambda n: f"{_HTML}q\t{'<!--a>' * n}\n", {}, 4000),
    "styles-in-html": (".txt", lambda n: f"{_HTML}q\t{'<style>' * n}\n", {}, 4000),
    # Found by the fuzzer: PyYAML's scanner is quadratic in the depth of flow brackets.
    "yaml-brackets-in-front-matter": (
        ".md",
        lambda n: "---\ndeck: " + "[" * n + "\n---\n\n## q\n\na\n",
        {},
        3000,
    ),
    "trailing-spaces": (".txt", lambda n: f"q\t{'  ' * n}x\n", {"input_format": "ankitext"}, 20000),
    "org-emphasis-never-closed": (".org", lambda n: f"{_ORG}{'*a =b /c ' * n}\n", {}, 3000),
    "org-drawers-never-ended": (".org", lambda n: _ORG + ":X:\n" * n + "y\n", {}, 3000),
    "md2anki-tag-markers-never-closed": (
        ".md",
        lambda n: "# D (1)\n\n`{=:t:=}`\n\n## q (a-b)\n\n" + "`{=:a" * n + "![a](b)" * n + "\n",
        {},
        3000,
    ),
}


def _seconds(path: Path, text: str, options: Options) -> float:
    path.write_text(text, "utf-8")
    start = time.process_time()
    try:
        plan = plan_package([path], path.with_suffix(".apkg"), options)
        render_page([plan])
        write_plans([plan], options, 1_700_000_000)
    except AnkipressError:
        pass  # refused with a located error: fine, if quick
    return time.process_time() - start


def _ratio(measure: Callable[[int], float], size: int, runs: int = 3) -> float:
    """The time at twice the size over the time at the size, each the least of ``runs``.

    The two sizes take turns, so that both meet the machine in the same state, and the
    collector of cycles waits (it would run at a moment of its own choosing).
    """
    once = twice = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            once = min(once, measure(size))
            twice = min(twice, measure(2 * size))
    finally:
        gc.enable()
    return twice / once


@pytest.mark.parametrize("name", list(CASES))
def test_an_attack_twice_as_long_takes_at_most_about_twice_as_long(
    name: str, tmp_path: Path
) -> None:
    suffix, make, options, size = CASES[name]
    path = tmp_path / f"deck{suffix}"
    settings = Options(**{"input_format": None, **options})
    ratio = _ratio(lambda n: _seconds(path, make(n), settings), size)
    assert ratio < 3, f"{name}: doubling the input took {ratio:.1f} times as long"


def _timed(function: Callable[[str], object], piece: str) -> Callable[[int], float]:
    def measure(n: int) -> float:
        text = piece * n
        start = time.process_time()
        function(text)
        return time.process_time() - start

    return measure


_SCANS: dict[str, tuple[Callable[[str], object], str]] = {
    "strip_tags": (strip_tags, "<!--<style><script>a<"),
    "lazy_spans": (lambda t: list(lazy_spans(t, [("\\(", "\\)"), ("\\[", "\\]")])), "\\(\\["),
    "sub_before_last": (
        lambda t: sub_before_last(re.compile(r"<[^>]*>"), "", t, ">"),
        "<<<<>",
    ),
}


@pytest.mark.parametrize("name", list(_SCANS))
def test_the_linear_scans_are_linear(name: str) -> None:
    function, piece = _SCANS[name]
    size = 2_000_000 // len(piece)  # large enough that the scan, not the noise, is timed
    ratio = _ratio(_timed(function, piece), size, runs=5)
    assert ratio < 3, f"{name}: doubling the input took {ratio:.1f} times as long"
