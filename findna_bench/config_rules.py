"""What one config value may be: a ``Rule`` (a check and its description), and the constructors
every table of keys is written with (``integer``, ``number``, ``choice``, ``FLAG``, ...).

Nothing here knows a key: ``findna_bench.config_keys`` pairs engine keys with their rules, and a
factory may declare rules for its own keywords (``factory.keyword_rules = {"hidden":
integer(1)}``). Standard library only, so any layer of the package may use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rule:
    """What one key accepts: ``ok`` decides, ``describe`` says it in words."""

    ok: Callable[[Any], bool]
    describe: Callable[[], str]

    @property
    def allowed(self) -> str:
        return self.describe()


def is_int(value: Any) -> bool:
    """An int, never a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def integer(low: int, *, null: bool = False) -> Rule:
    """An int (never a bool or a float) ``>= low``; ``null`` also allows None."""
    text = f"an integer >= {low}" + (" or null" if null else "")
    return Rule(lambda v: (null and v is None) or (is_int(v) and v >= low), lambda: text)


def number(
    low: float, high: float | None = None, *, low_open: bool = False, null: bool = False
) -> Rule:
    """A finite int or float from ``low`` (excluded if ``low_open``) up to ``high`` (excluded)."""
    if high is None:
        text = f"a number {'>' if low_open else '>='} {low:g}"
    else:
        text = f"a number in {'(' if low_open else '['}{low:g}, {high:g})"

    def ok(v: Any) -> bool:
        if null and v is None:
            return True
        return _is_number(v) and (v > low if low_open else v >= low) and (high is None or v < high)

    text += " or null" if null else ""
    return Rule(ok, lambda: text)


def choice(options: Callable[[], Iterable[str]]) -> Rule:
    """One of ``options()`` (a callable, so heavy modules are imported only when checking)."""
    return Rule(
        lambda v: isinstance(v, str) and v in tuple(options()),
        lambda: "one of " + ", ".join(options()),
    )


FLAG = Rule(lambda v: isinstance(v, bool), lambda: "true or false")
MAPPING = Rule(lambda v: isinstance(v, dict), lambda: "a mapping of keys")
TEXT = Rule(lambda v: isinstance(v, str) and bool(v), lambda: "a path")
