"""Modules imported on first use, so that a command loads only what it runs.

``ankipress --version`` and a build of a CSV deck should not pay for YAML, the pipeline or
genanki. A module that needs another only in some of its functions names it with
:class:`OnUse` (the real import under ``TYPE_CHECKING`` keeps the type checker exact)::

    if TYPE_CHECKING:
        import yaml
    else:
        yaml = OnUse("yaml")
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["OnUse"]


class OnUse:
    """Stands for a module; the first attribute read imports it (each read asks
    ``sys.modules`` again, which costs a dictionary lookup)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"
