"""A registry of named things (tasks, estimators): add by name, look up, select by glob patterns."""

from __future__ import annotations

import fnmatch
from typing import Any


class Registry(dict):
    """name -> item, for items of one class with a ``name`` attribute; errors name the kind of item."""

    def __init__(self, kind: str, cls: type[Any]):
        super().__init__()
        self.kind, self.cls = kind, cls

    def add(self, item, replace: bool = False):
        """Registers item under its name and returns it; an existing name needs ``replace=True``."""
        if not isinstance(item, self.cls):
            raise TypeError(f"{self.kind} must be an infoscope.bench.{self.cls.__name__}, got {type(item).__name__}")
        if item.name in self and not replace:
            raise ValueError(f"a {self.kind} named {item.name!r} is already registered (pass replace=True to "
                             "overwrite it)")
        self[item.name] = item
        return item

    def named(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise ValueError(f"no {self.kind} named {name!r}; registered: {', '.join(self)}") from None

    def select(self, patterns=None) -> list:
        """The items whose names match any of the glob patterns (all if None); a pattern matching none is an error."""
        if patterns is None:
            return list(self.values())
        patterns = [patterns] if isinstance(patterns, str) else list(patterns)
        unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(name, p) for name in self)]
        if unmatched:
            raise ValueError(f"no {self.kind} matches {', '.join(map(repr, unmatched))}; registered: {', '.join(self)}")
        return [item for name, item in self.items() if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
