"""The ``ankipress`` command: a thin layer over the library (:mod:`ankipress.api`).

The only package that prints or exits. Exit codes: 0 success, 1 bad input or a failed
write (nothing written), 2 a usage error, 130 and 143 interrupted by SIGINT or SIGTERM
(no file half-written), 70 a bug of ours (one line, no traceback).
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import click

from ankipress import __version__
from ankipress.cli.check import check
from ankipress.cli.common import UNFINISHED, Terminated
from ankipress.cli.packages import build, convert
from ankipress.cli.tools import diff_command, list_formats, pin, preview

__all__ = ["Terminated", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ankipress")
def cli() -> None:
    """Turn flashcard text into Anki decks (.apkg)."""


for _command in (convert, build, check, pin, diff_command, preview, list_formats):
    cli.add_command(_command)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main() -> None:
    """Entry point of the console script."""
    # SIGTERM (what CI runners and service managers send) unwinds like Ctrl-C: every
    # temporary file is removed on the way out, and the exit code is 128 + 15, as a shell's.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="ankipress")
    except Terminated:  # before or after a command ran
        click.echo(f"ankipress: terminated; {UNFINISHED}", err=True)
        sys.exit(128 + signal.SIGTERM)
