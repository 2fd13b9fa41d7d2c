"""Plain config trees: YAML parsing (YAML 1.2 floats), deep merge, and a stable short hash.

Shared by the registry (registry.yaml and a user's registry extending it), run-config
resolution (layers and ``key=value`` overrides), run specs and pretraining recipes. Never prints.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``3e-4`` as a float (YAML 1.2), as users write learning rates."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                 |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                 |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                 |[-+]?\.(?:inf|Inf|INF)
                 |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
    list("-+0123456789."),
)


def yaml_load(text: str) -> Any:
    """Parse YAML safely, with YAML 1.2 floats."""
    return yaml.load(text, Loader=_Loader)


def deep_merge(base: Any, over: Any) -> Any:
    """Merge ``over`` into a copy of ``base``; dicts merge key by key, other values replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = deep_merge(out.get(key), value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def config_hash(obj: Any) -> str:
    """Stable 12-hex-digit hash of a JSON-serialisable object."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
