"""An atheris harness: any bytes, any reader, the whole plan, the preview and the Markdown writer.

Each input is read into a package plan (read, clean, render, screen), shown as the preview
page, and written as a Markdown deck which is read back. A crash is any exception other than
:class:`ankipress.errors.AnkipressError` (which is how ankipress says "this input is wrong"),
or a plan without notes and without an error. Run by hand, not in CI (``fuzz/README.md``)::

    python fuzz/fuzz_readers.py fuzz/corpus -max_total_time=600
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from ankipress.errors import AnkipressError
    from ankipress.model import Media
    from ankipress.building.pipeline import Options, plan_package
    from ankipress.building.plan import plan_text
    from ankipress.preview import render_page
    from ankipress.writers.markdown import MarkdownWriter

# (the --from token, or None to detect; the file's extension)
FORMATS = [
    ("ankitext", ".txt"),
    ("brainscape", ".txt"),
    ("markdown", ".md"),
    ("quizlet", ".txt"),
    ("csv", ".csv"),
    ("apkg", ".apkg"),
    (None, ".txt"),
    (None, ".md"),
    (None, ".csv"),
    (None, ".apkg"),
]
_FOLDER = Path(tempfile.mkdtemp(prefix="ankipress-fuzz-"))


def test_one_input(data: bytes) -> None:
    """Plan a package of ``data`` read as the format and options the first bytes choose."""
    provider = atheris.FuzzedDataProvider(data)
    # Integers come from the end of the data, so the rest is a file as it was (a seed).
    reader, suffix = FORMATS[provider.ConsumeIntInRange(0, len(FORMATS) - 1)]
    flags = provider.ConsumeIntInRange(0, 7)
    options = Options(
        input_format=reader,
        markdown=bool(flags & 1),
        allow_html=bool(flags & 2),
        sanitize=bool(flags & 4),
    )
    path = _FOLDER / f"deck{suffix}"
    path.write_bytes(provider.ConsumeBytes(provider.remaining_bytes()))
    try:
        plan = plan_package([path], _FOLDER / "out.apkg", options)
    except AnkipressError:
        return
    if not plan.notes and not plan.errors:
        raise AssertionError("a plan with neither notes nor an error")
    if plan.errors:
        return
    render_page([plan])
    _markdown_round(path, options)


def _markdown_round(path: Path, options: Options) -> None:
    """Write the input as a Markdown deck, then read that deck back as a package."""
    output = _FOLDER / "round" / "deck.md"
    output.parent.mkdir(exist_ok=True)
    try:
        text = plan_text([path], output, options)
        if text.plan.errors:
            return
        media = [Media(name, data) for name, data in text.plan.media]
        MarkdownWriter().write(text.notes, media, output, output.with_name("deck.media"))
        plan_package([output], _FOLDER / "back.apkg", Options(input_format="markdown"))
    except AnkipressError:
        return


def main() -> None:
    """Run libFuzzer over :func:`test_one_input` with the command line's arguments."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
