"""The ``ankipress`` command: a thin layer over the library (:mod:`ankipress.api`).

The only package that prints or exits. Exit codes: 0 success, 1 bad input or a failed
write (nothing written), 2 a usage error, 130 and 143 interrupted by SIGINT or SIGTERM
(no file half-written), 70 a bug of ours (one line, no traceback).
"""

from __future__ import annotations

import importlib
import signal
import sys
from types import FrameType

import click

from ankipress import __version__
from ankipress.cli.common import UNFINISHED, Terminated

__all__ = ["Terminated", "cli", "main"]

# Each command's module and name there: a command is imported when it runs (``--help``
# imports them all, for their summaries), so `convert` does not load `check` or `pin`.
_COMMANDS = {
    "build": ("ankipress.cli.packages", "build"),
    "check": ("ankipress.cli.check", "check"),
    "convert": ("ankipress.cli.packages", "convert"),
    "diff": ("ankipress.cli.tools", "diff_command"),
    "formats": ("ankipress.cli.tools", "list_formats"),
    "pin": ("ankipress.cli.tools", "pin"),
    "preview": ("ankipress.cli.tools", "preview"),
}


class _Commands(click.Group):
    """A group whose commands are imported by name when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # A name that is none of ours loads them all: click's "Did you mean" looks in them.
        for wanted in [cmd_name] if cmd_name in _COMMANDS else list(_COMMANDS):
            if wanted not in self.commands:
                module, name = _COMMANDS[wanted]
                self.add_command(getattr(importlib.import_module(module), name), wanted)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ankipress")
def cli() -> None:
    """Turn flashcard text into Anki decks (.apkg)."""


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
