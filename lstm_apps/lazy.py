"""Names that a package imports on first use (PEP 562).

`import lstm_apps`, the case-study registry and the command line's argument
checks must not start TensorFlow (seconds), so the packages whose modules
import Keras (`lstm_apps`, `lstm_apps.models`, `lstm_apps.training`, each
case study's package) list their public names here and import a name's
module only when the name is first used:

```python
__getattr__, __dir__ = lazy_names(__name__, {"build_model": "lstm_apps.models.builder"})
```
"""

from __future__ import annotations

import importlib
import sys


def lazy_names(package: str, names: dict[str, str], *, default: str | None = None):
    """`__getattr__` and `__dir__` for a package whose names are imported on first use.

    A name in `names` comes from the module it maps to; any other public name
    is the package's submodule of that name if there is one, else comes from
    the `default` module (as `from default import *` would give it). The
    value is kept in the package, so each name is imported once.

    Args:
        package: the package's `__name__`.
        names: public name -> the module (full dotted name) that defines it.
        default: a module (full dotted name) to look every other public name
            up in, e.g. a case study's `study` module; None (default): none.

    Returns:
        `(__getattr__, __dir__)`, to assign at the package's top level.

    Example:
        >>> __getattr__, __dir__ = lazy_names(__name__, {"train": "lstm_apps.training.fit"})
    """

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name.startswith("_"):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        else:
            value = _submodule(package, name)
            if value is _MISSING and default:
                value = getattr(importlib.import_module(default), name, _MISSING)
            if value is _MISSING:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        found = set(vars(sys.modules[package])) | set(names)
        if default:
            found |= {n for n in vars(importlib.import_module(default)) if not n.startswith("_")}
        return sorted(found)

    return __getattr__, __dir__


_MISSING = object()


def _submodule(package, name):
    try:
        return importlib.import_module(f"{package}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{package}.{name}":
            raise
    return _MISSING
