"""Modules imported on first use, for heavy libraries most commands never touch.

`pavedroad import` or `pavedroad catalog list` should not pay for Ibis and DuckDB (a fifth
of a second and tens of megabytes) because the KPI engine might need them later. Modules
that use such a library import it for the type checker only, and bind the name to
`lazy_module(...)` at run time:

    if TYPE_CHECKING:
        import ibis
    else:
        ibis = lazy_module("ibis")
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    """Stands for a module and imports it on the first attribute looked up."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it when first used."""
    return _LazyModule(name)
