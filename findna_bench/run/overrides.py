"""Command-line ``key=value`` overrides: each value must be YAML, or the item is named in one line.

``config.parse_overrides`` builds the nested dict; this check runs first so that a value such as
``backbone.channels=[16,8`` stops the command with the item and what is wrong instead of a
parser traceback. Never prints.
"""

from __future__ import annotations

import yaml

from findna_bench.config_tree import yaml_load
from findna_bench.errors import ConfigError
from findna_bench.run import config


def parse(items: list[str]) -> dict:
    """The overrides as a nested dict; a value that is not valid YAML raises ``ConfigError``."""
    for item in items:
        _, _, value = item.partition("=")
        try:
            yaml_load(value)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(
                f"override '{item}': the value is not valid YAML ({problem}); close its brackets "
                "or quotes, or quote the whole value (key='\"text\"')"
            ) from None
    return config.parse_overrides(items)
