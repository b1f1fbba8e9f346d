"""The README documents every command and every option of the commands users run."""

from __future__ import annotations

import click
import pytest

from ankipress.cli import cli

from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")
# Every command, each imported by name when asked for (ankipress.cli).
_CONTEXT = click.Context(cli)
COMMANDS = {name: cli.get_command(_CONTEXT, name) for name in cli.list_commands(_CONTEXT)}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"ankipress {name}" in README


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (name, option)
        for name, command in sorted(COMMANDS.items())
        for param in command.params
        if isinstance(param, click.Option)
        for option in param.opts
        if option.startswith("--") and option != "--help"
    ],
)
def test_every_long_option_is_in_the_readme(command: str, option: str) -> None:
    assert f"`{option}" in README or f"{option} " in README or f"{option}`" in README, (
        f"ankipress {command} {option} is not documented in README.md"
    )
