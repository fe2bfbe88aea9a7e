"""torch._dynamo as eager code meets it, without its import (1.4-1.9 s, more than torch's own).

torch.optim imports torch._dynamo in every ``step``, for ``graph_break()``,
and at the first call of ``zero_grad`` and a few other methods, for
``disable()``: outside torch.compile both do nothing. Until anything else is
asked of it, torch._dynamo is a module holding those two; the first other
attribute (torch.compile, ``torch._dynamo.config``, a submodule) executes
the real package in that same module, so code that needs it gets all of it.
"""
from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any, Callable

NAME = "torch._dynamo"


def _graph_break(*args: Any, **kwargs: Any) -> None:
    """Outside torch.compile there is no graph to break."""


def _disable(fn: Callable | None = None, recursive: bool = True, **kwargs: Any) -> Callable:
    """Outside torch.compile, a function with dynamo disabled is the function."""
    return fn if fn is not None else (lambda f: f)


class _Deferred(types.ModuleType):
    """torch._dynamo before its package has run: any attribute but the two no-ops runs it."""

    def __getattr__(self, name: str) -> Any:
        if self.__dict__.get("_deferred") is not True:
            raise AttributeError(f"module {NAME!r} has no attribute {name!r}")
        self._deferred = False
        spec = self.__spec__
        del self.graph_break, self.disable  # the package defines its own
        self.__path__, self.__file__, self.__loader__ = spec.submodule_search_locations, spec.origin, spec.loader
        spec.loader.exec_module(self)
        self.__class__ = types.ModuleType
        return getattr(self, name)


def install() -> None:
    """Put the deferred torch._dynamo in place, unless the real one is imported already."""
    if NAME in sys.modules:
        return
    import torch

    module = _Deferred(NAME)
    module.__spec__, module.__package__ = importlib.util.find_spec(NAME), NAME
    module.graph_break, module.disable, module._deferred = _graph_break, _disable, True
    sys.modules[NAME] = module
    torch._dynamo = module
