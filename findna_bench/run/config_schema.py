"""What a resolved run config may hold, checked before any work starts.

``problems(cfg)`` checks the engine's own keys (``finetune``, ``data``, the ``pretrain`` recipe's
scalars) by type, range and choices, with the rules of their one declaration
(``findna_bench.config_keys``) and nothing heavier than the standard library.
``catalog_problems(cfg, catalog, task)`` binds the factory keyword arguments (``backbone``,
``task``, the recipe's backbone, objective, views and genome sampler) to the registered
factories' signatures, then checks their values: a factory may declare rules for its keywords
(``factory.keyword_rules = {"hidden": integer(1)}``, as it may declare ``check_available``), and
backbone keywords with a well-known name (``dropout`` in [0, 1), ``kernel_size`` >= 1, sizes
>= 1, ...: ``BACKBONE_KEYWORDS``) are checked for every backbone that takes them. Every problem
is one line naming the key, the value given and what is allowed; an unknown key comes with the
closest known one.
"""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Iterable
from typing import Any

from findna_bench import config_keys
from findna_bench.config_rules import Rule, integer, is_int, number
from findna_bench.config_rules import choice as choice  # keyword_rules' constructors live here too
from findna_bench.errors import ConfigError, FindnaError

# The engine's keys: their rules come from the one declaration of each key (config_keys).
FINETUNE = config_keys.rules(config_keys.FINETUNE)
DATA = config_keys.rules(config_keys.DATA)
PRETRAIN = config_keys.rules(config_keys.PRETRAIN)
REQUIRED = tuple(k.name for k in config_keys.PRETRAIN if k.default is config_keys.REQUIRED)
SIZES = Rule(
    lambda v: isinstance(v, list) and bool(v) and all(is_int(x) and x >= 1 for x in v),
    lambda: "a non-empty list of integers >= 1",
)
# Backbone keywords checked by name, whichever backbone takes them (null passes where the
# factory's default is null); a factory's own ``keyword_rules`` take precedence.
BACKBONE_KEYWORDS: dict[str, Rule] = {
    **{
        name: integer(1)
        for name in (
            "hidden",
            "dim",
            "embed_dim",
            "heads",
            "layers",
            "blocks",
            "track_size",
            "ff",
            "d_inner",
            "dilation",
            "kernel_size",
            "stem_kernel",
            "lora_rank",
            "max_len",
            "max_tokens",
        )
    },
    **{name: number(0, 1) for name in ("dropout", "layer_dropout", "lora_dropout")},
    "channels": SIZES,
    "lora_alpha": number(0, low_open=True),
}
SECTIONS: dict[str, dict[str, Rule]] = {"finetune": FINETUNE, "data": DATA}
TOP_LEVEL = ("backbone", "task", "data", "finetune", "pretrain")
EXAMPLES = {
    "backbone": "backbone.dropout=0.1",
    "task": "task.split=gene",
    "data": "data.carve_seed=1",
    "finetune": "finetune.lr=3e-4",
    "pretrain": "pretrain.steps=200",
}


def show(value: Any) -> str:
    """A value as the user would type it (JSON spelling: null, true, "text")."""
    return json.dumps(value, default=str)


def did_you_mean(name: str, options: Iterable[str], prefix: str = "") -> str:
    """`` did you mean <prefix><closest>?`` or an empty string."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" did you mean {prefix}{close[0]}?" if close else ""


def _unknown(key: str, options: Iterable[str], prefix: str) -> str:
    options = list(options)
    return f"{prefix}{key}: unknown key;{did_you_mean(key, options, prefix)} known: {', '.join(options)}"


def check_table(values: dict, table: dict[str, Rule], prefix: str) -> list[str]:
    """One line per key of ``values`` that ``table`` does not know or whose value it rejects."""
    out = []
    for key, value in values.items():
        rule = table.get(key)
        if rule is None:
            out.append(_unknown(key, table, f"{prefix}."))
        elif not rule.ok(value):
            out.append(f"{prefix}.{key}={show(value)}: expected {rule.allowed}")
    return out


def _sections(cfg: dict) -> list[str]:
    out = [_unknown(k, TOP_LEVEL, "") for k in cfg if k not in TOP_LEVEL]
    for name in ("backbone", "task", "data", "finetune"):
        if not isinstance(cfg.get(name), dict):
            out.append(
                f"{name}={show(cfg.get(name))}: expected a section of keys (set one key, "
                f"e.g. {EXAMPLES[name]})"
            )
    pretrain = cfg.get("pretrain")
    if pretrain is not None and not isinstance(pretrain, dict):
        out.append(f"pretrain={show(pretrain)}: expected a recipe section or null")
    return out


def _pretrain(recipe: dict) -> list[str]:
    out = check_table(recipe, PRETRAIN, "pretrain")
    needs = f"{', '.join(REQUIRED[:-1])} and {REQUIRED[-1]}"
    for key in REQUIRED:
        if key not in recipe:
            out.append(
                f"pretrain.{key}: missing; a recipe needs {needs} "
                "(see the findna model in registry.yaml)"
            )
    return out


def problems(cfg: Any) -> list[str]:
    """Every engine-key problem of a resolved config, one line each (empty when sound)."""
    if not isinstance(cfg, dict):
        return [f"config={show(cfg)}: expected a mapping of sections"]
    out = _sections(cfg)
    if out:
        return out
    for name, table in SECTIONS.items():
        out += check_table(cfg[name], table, name)
    if isinstance(cfg["data"].get("policy"), dict):
        from findna_bench.data.policy import Policy

        try:
            Policy.from_config(cfg["data"]["policy"])
        except ConfigError as exc:
            out.append(str(exc))
    if not isinstance(cfg["backbone"].get("use"), str):
        out.append(
            f"backbone.use={show(cfg['backbone'].get('use'))}: expected a registered backbone name"
        )
    if cfg.get("pretrain"):
        out += _pretrain(cfg["pretrain"])
    return out


def bind(entry: Any, kwargs: dict, where: str, **how: Any) -> list[str]:
    """Whether ``kwargs`` bind to a catalog entry's factory (see ``bind_signature``)."""
    return bind_signature(entry.signature(), kwargs, where, f"{entry.kind} '{entry.name}'", **how)


def bind_signature(
    signature: inspect.Signature,
    kwargs: dict,
    where: str,
    what: str,
    *,
    leading: tuple = (),
    implicit: tuple = (),
) -> list[str]:
    """``leading`` fills the first positional parameters; ``implicit`` names are supplied later."""
    params = [
        n
        for n, p in signature.parameters.items()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n != "self"
    ][len(leading) :]
    open_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    accepted = ", ".join(params)
    for key in kwargs:
        if key not in params and not open_kwargs:
            hint = did_you_mean(key, params, where + ".")
            return [f"{where}.{key}: {what} takes no such keyword;{hint} accepted: {accepted}"]
    missing = {n: None for n in implicit if n in params and n not in kwargs}
    try:
        signature.bind(*leading, **kwargs, **missing)
    except TypeError as exc:
        return [f"{where}: {what}: {exc} (accepted: {accepted})"]
    return []


def keyword_values(entry: Any, kwargs: dict, where: str) -> list[str]:
    """Keyword values against the factory's ``keyword_rules`` and, for a backbone,
    ``BACKBONE_KEYWORDS`` (run once the names bind)."""
    declared = getattr(entry.factory, "keyword_rules", None) or {}
    rules = {**(BACKBONE_KEYWORDS if entry.kind == "backbone" else {}), **declared}
    params = entry.signature().parameters
    out = []
    for key, value in kwargs.items():
        rule = rules.get(key) if key in params else None
        if rule is None or (value is None and params[key].default is None):
            continue
        if not rule.ok(value):
            out.append(
                f"{where}.{key}={show(value)}: expected {rule.allowed} "
                f"({entry.kind} '{entry.name}')"
            )
    return out


def component(catalog: Any, kind: str, section: dict, where: str, **how: Any) -> list[str]:
    """``{use: name, **kwargs}``: the name is registered, the kwargs bind and their values
    pass the rules (``keyword_values``)."""
    kwargs = dict(section)
    try:
        entry = catalog.get(kind, kwargs.pop("use", None))
    except FindnaError as exc:
        return [f"{where}.use: {exc}"]
    return bind(entry, kwargs, where, **how) or keyword_values(entry, kwargs, where)


def _recipe_bindings(catalog: Any, recipe: dict) -> list[str]:
    out = component(
        catalog, "backbone", recipe["backbone"], "pretrain.backbone", implicit=("max_len",)
    )
    out += component(
        catalog, "objective", recipe["objective"], "pretrain.objective", leading=(None,)
    )
    for view, steps in (recipe.get("views") or {}).items():
        for i, step in enumerate(steps or []):
            where = f"pretrain.views.{view}[{i}]"
            out += (
                component(
                    catalog, "augmentation", {**step, "generator": None}, where, leading=(None,)
                )
                if isinstance(step, dict)
                else [f"{where}={show(step)}: expected {{use: <name>, ...}}"]
            )
    return out + _sampler(recipe["data"])


def _sampler(data: dict) -> list[str]:
    from findna_bench.pretrain.genome import GenomeSampler

    if not data.get("fasta"):
        return ["pretrain.data.fasta: missing; give [paths relative to the data root]"]
    kwargs = {k: v for k, v in data.items() if k not in ("fasta", "index_cache")}
    return bind_signature(
        inspect.signature(GenomeSampler),
        kwargs,
        "pretrain.data",
        "the genome sampler",
        leading=([],),
    )


def catalog_problems(cfg: dict, catalog: Any, task: str | None = None) -> list[str]:
    """Factory keyword names bound to the registered factories (run after ``problems``)."""
    out = component(catalog, "backbone", cfg["backbone"], "backbone", implicit=("max_len",))
    if task in catalog.tables["task"]:
        out += bind(catalog.get("task", task), cfg["task"], "task")
    recipe = cfg.get("pretrain")
    if recipe and all(isinstance(recipe.get(k), dict) for k in ("backbone", "objective", "data")):
        out += _recipe_bindings(catalog, recipe)
    return out


def unavailable(cfg: dict, catalog: Any) -> list[str]:
    """Why the backbone cannot be built on this machine (weights absent from the local cache,
    an optional dependency missing): its factory's optional ``check_available(**kwargs)``."""
    kwargs = {k: v for k, v in cfg["backbone"].items() if k != "use"}
    probe = getattr(
        catalog.get("backbone", cfg["backbone"]["use"]).factory, "check_available", None
    )
    return list(probe(**kwargs)) if probe else []


def check_available(specs: Iterable[Any], catalog: Any) -> None:
    """Before any run: raise ConfigError naming the first model this machine cannot build."""
    for spec in specs:
        found = unavailable(spec.config, catalog)
        if found:
            raise ConfigError(f"{found[0]} (model {spec.model})")


def check(cfg: dict, *, catalog: Any = None, task: str | None = None, context: str = "") -> None:
    """Raise ConfigError with the first problem (and how many more) of a resolved config."""
    found = problems(cfg)
    if not found and catalog is not None:
        found = catalog_problems(cfg, catalog, task)
    if found:
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        raise ConfigError(f"{found[0]}{more}{f' ({context})' if context else ''}")
