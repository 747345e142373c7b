"""Names a package imports on first use (PEP 562), so that ``import videotools`` loads no numpy, OpenCV or PyAV."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the command's start-up)

if TYPE_CHECKING:
    from typing import Any


def lazy_names(package: str, where: dict[str, str], *,
               submodules: bool = False) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` for ``package`` that import each name of ``where`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    where : dict
        Public name -> the relative module that defines it (``{"Palette": ".palette"}``).
    submodules : bool
        Also give a submodule for an unknown name (``vt.frames``), as a package that imported
        everything did.

    Raises
    ------
    AttributeError
        From ``__getattr__``, for a name that is neither listed nor (with ``submodules``) a submodule.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        module = where.get(name)
        if module is None:
            if submodules and not name.startswith("_") and _find_spec(f"{package}.{name}"):
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # found directly from now on
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__


def _find_spec(name: str) -> object:
    import importlib.util

    return importlib.util.find_spec(name)
