"""The README documents every command and every option of the commands users run."""

from __future__ import annotations

import click
import pytest

from ankipress.cli import cli

from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"ankipress {name}" in README


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (name, option)
        for name, command in sorted(cli.commands.items())
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
