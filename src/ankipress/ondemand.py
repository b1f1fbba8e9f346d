"""Modules imported on first use, so that a command loads only what it runs.

``ankipress --version`` and a build of a CSV deck should not pay for YAML, the pipeline or
genanki. A module that needs another only in some of its functions names it with
:class:`OnUse` (the real import under ``TYPE_CHECKING`` keeps the type checker exact)::

    if TYPE_CHECKING:
        import yaml
    else:
        yaml = OnUse("yaml")

A third-party module that imports at its top what it uses only in some of its functions is
imported with :func:`stand_ins` around it
(see :func:`ankipress.writers.collection.load_genanki`).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["OnUse", "stand_ins"]


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


def _stand_in(name: str, attributes: Mapping[str, object]) -> types.ModuleType:
    """A module named ``name`` holding ``attributes``; any other attribute read imports the
    real module and answers from it (PEP 562's module ``__getattr__``)."""
    module = types.ModuleType(name, f"Stands for {name!r} until it is used.")

    def forward(attribute: str) -> Any:
        if attribute.startswith("__"):  # probes (``__path__``, ``__file__`` ...) are not uses
            raise AttributeError(attribute)
        if sys.modules.get(name) is module:  # read while the stand-in is still registered
            del sys.modules[name]
        return getattr(importlib.import_module(name), attribute)

    module.__dict__.update(attributes)
    module.__getattr__ = forward  # type: ignore[method-assign]
    return module


@contextmanager
def stand_ins(modules: Mapping[str, Mapping[str, object]]) -> Iterator[None]:
    """While the block runs, each module named in ``modules`` that is not imported yet is a
    stand-in: it has the attributes given, and any other attribute read imports the real
    module. A module imported in the block that imports one of them keeps the stand-in.

    ``sys.modules`` is left as it was found: a stand-in is removed when the block ends,
    and a module imported before the block, or for real inside it, is never touched.
    While the block runs, another thread importing one of these modules gets the stand-in
    (which answers from the real module), and one importing a submodule of it fails: keep
    the block to one import, made before any thread of the program would need them.
    """
    added = {
        name: _stand_in(name, attributes)
        for name, attributes in modules.items()
        if name not in sys.modules
    }
    sys.modules.update(added)
    try:
        yield
    finally:
        for name, module in added.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
