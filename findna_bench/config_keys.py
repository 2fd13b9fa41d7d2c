"""One declaration per engine config key: its default, its rule and what it does.

``FINETUNE``, ``DATA`` and ``PRETRAIN`` hold one ``Key`` per key of their section, and everything
else about those keys is derived from them:

* the defaults: ``defaults(FINETUNE)`` and ``defaults(DATA)`` are the engine defaults every
  config is resolved over (``run/config.py``); ``defaults(PRETRAIN)`` fills a pretraining recipe
  (``pretrain/recipe.py``, with the recipe's keys and the ones its hash leaves out);
* the validation: ``rules(...)`` are the tables ``run/config_schema.py`` checks a resolved
  config against (its messages quote ``Rule.allowed``);
* the finetune keys a model's own value keeps over a profile's defaults (``run/config.py``);
* the README's table of keys (``markdown()``, the ``config-keys`` block that
  ``findna-bench summarize`` writes and ``tests/test_config_keys.py`` checks).

Order is declaration order everywhere (defaults, "known:" lists, the table), so a resolved
config's bytes, and with them every run id, do not depend on how the tables are derived.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from findna_bench.config_rules import FLAG, MAPPING, TEXT, Rule, choice, integer, number


class Missing(Enum):
    """A key with no default value."""

    REQUIRED = "required"  # a pretraining recipe must give it
    UNSET = "not set"  # absent unless given (run --checkpoint sets pretrain.checkpoint)


REQUIRED, UNSET = Missing.REQUIRED, Missing.UNSET


@dataclass(frozen=True, slots=True)
class Key:
    """One config key of a section. ``kept`` (finetune): a model's own value outlives the
    profile's defaults and plain per-task sections. ``hashed`` and ``recipe`` (pretrain): part of
    the recipe hash the cached weights are found by; part of the recipe at all. ``added``: a key
    declared after records existed, whose default computes what those records computed; at its
    default it is left out of run ids and recipe hashes (``identity_view``), so the records keep
    their cells, and any other value makes new ones."""

    name: str
    default: Any
    rule: Rule
    help: str
    kept: bool = False
    hashed: bool = True
    recipe: bool = True
    added: bool = False


#: how ``model.SequenceClassifier`` pools positions (declared here, below the model, so that
#: run ids, which strip ``added`` keys, need nothing above the config layer)
POOLINGS = ("mean", "mean-with-padding", "mean-max")


FINETUNE: tuple[Key, ...] = (
    Key(
        "mode",
        "full",
        choice(lambda: ("full", "linear-probe")),
        "full trains everything; linear-probe freezes the backbone and trains the head",
    ),
    Key("epochs", 3, integer(1), "an upper bound on passes over the training split"),
    Key(
        "max_steps",
        None,
        integer(1, null=True),
        "step budget: optimizer steps at most (null: epochs decide); the warm-up + cosine "
        "schedule follows the smaller",
    ),
    Key("min_steps", 0, integer(0), "never stop early before this many steps"),
    Key(
        "eval_every",
        None,
        integer(1, null=True),
        "validate every N steps (null: evals_per_epoch times an epoch), and at the last step",
    ),
    Key(
        "patience",
        None,
        integer(1, null=True),
        "stop after N evaluations without improvement (null: never early)",
    ),
    Key(
        "min_delta",
        0.0,
        number(0),
        "an improvement must beat the best validation score by more than this",
    ),
    Key("batch_size", 64, integer(1), "training rows per optimizer step", kept=True),
    Key(
        "micro_batch_size",
        None,
        integer(1, null=True),
        "gradient accumulation: rows per forward/backward, same gradient (null: the whole batch)",
    ),
    Key("eval_batch_size", 256, integer(1), "rows per forward pass when evaluating"),
    Key("lr", 1e-3, number(0, low_open=True), "peak AdamW learning rate", kept=True),
    Key("weight_decay", 0.01, number(0), "AdamW weight decay", kept=True),
    Key(
        "warmup",
        0.1,
        number(0, 1),
        "fraction of the planned steps warmed up linearly, then cosine decay to zero",
        kept=True,
    ),
    Key("grad_clip", 1.0, number(0, null=True), "gradient-norm clip (null or 0: none)"),
    Key(
        "pooling",
        "mean",
        choice(lambda: POOLINGS),
        "mean over real positions, mean-with-padding (as FinDNA's code), or mean-max (mean and "
        "max over real positions, concatenated)",
    ),
    Key(
        "max_train",
        None,
        integer(1, null=True),
        "subsample the training split to N rows (profiles for CI; null: all)",
    ),
    Key(
        "max_valid",
        None,
        integer(1, null=True),
        "subsample the validation split to N rows (never the test split; null: all)",
    ),
    Key(
        "selection",
        "best-valid",
        choice(lambda: ("best-valid", "last-epoch")),
        "the weights the test split is scored with: best validation score, or the last epoch",
    ),
    Key("evals_per_epoch", 1, integer(1), "validations per epoch when eval_every is null"),
    Key(
        "rc_tta",
        False,
        FLAG,
        "evaluate on each sequence and its reverse complement, probabilities averaged",
    ),
    Key(
        "rc_augment",
        0.0,
        number(0, 1),
        "probability that a training row is replaced by its reverse complement in each step "
        "(drawn from its own seeded generator; the row order does not change)",
        added=True,
    ),
    Key("amp", True, FLAG, "bf16 autocast on CUDA only"),
    Key(
        "cpu_amp",
        False,
        FLAG,
        "bf16 autocast on a CPU too (fp32 weights, optimiser and loss; fast where the CPU has "
        "AVX512-BF16 or AMX)",
        added=True,
    ),
)
DATA: tuple[Key, ...] = (
    Key(
        "valid_fraction",
        0.1,
        number(0, 1, low_open=True),
        "share of train carved off (stratified) as validation where a task has no dev split",
    ),
    Key(
        "carve_seed",
        0,
        integer(0),
        "seeds the validation carve and the max_train/max_valid subsamples",
    ),
    Key(
        "policy",
        {},
        MAPPING,
        "an action per data rule: data.policy.RULE=error|warn|fix (the rules: Data, above)",
    ),
)
# The pretraining recipe, plus run --checkpoint's path (not a recipe key).
PRETRAIN: tuple[Key, ...] = (
    Key("backbone", REQUIRED, MAPPING, "the backbone pretrained: {use: BACKBONE, ...its keywords}"),
    Key(
        "objective",
        REQUIRED,
        MAPPING,
        "the pretraining objective: {use: OBJECTIVE, ...its keywords}",
    ),
    Key(
        "views",
        {},
        MAPPING,
        "augmentation pipelines by view: {VIEW: [{use: AUGMENTATION, ...}, ...]}",
    ),
    Key(
        "data",
        REQUIRED,
        MAPPING,
        "the genome sampler: {fasta: [paths relative to the data root], length: ..., ...}",
    ),
    Key("steps", 100, integer(1), "optimizer steps"),
    Key("batch_size", 8, integer(1), "genome windows per step (shared by torchrun's ranks)"),
    Key("lr", 3e-4, number(0, low_open=True), "peak AdamW learning rate"),
    Key("weight_decay", 3e-4, number(0), "AdamW weight decay"),
    Key("warmup", 0.3, number(0, 1), "fraction of the steps warmed up, then cosine decay"),
    Key("grad_clip", 0.5, number(0, null=True), "gradient-norm clip (null or 0: none)"),
    Key("amp", True, FLAG, "bf16 autocast on CUDA only"),
    Key("seed", 0, integer(0), "seeds the initial weights and the genome windows"),
    Key(
        "checkpoint_every",
        100,
        integer(1),
        "write last.pt (the resume point) every N steps",
        hashed=False,
    ),
    Key("log_every", 10, integer(1), "log the losses every N steps", hashed=False),
    Key(
        "micro_batch_size",
        None,
        integer(1, null=True),
        "gradient accumulation: rows per forward/backward, same update (null: the whole batch)",
        hashed=False,
    ),
    Key(
        "checkpoint",
        UNSET,
        TEXT,
        "pretrained weights to fine-tune from instead of the recipe's (run --checkpoint)",
        recipe=False,
    ),
)
SECTIONS: dict[str, tuple[Key, ...]] = {"finetune": FINETUNE, "data": DATA, "pretrain": PRETRAIN}


def defaults(keys: Iterable[Key]) -> dict[str, Any]:
    """``{name: default}`` of the keys that have one (fresh copies), in declaration order."""
    return {k.name: copy.deepcopy(k.default) for k in keys if not isinstance(k.default, Missing)}


def rules(keys: Iterable[Key]) -> dict[str, Rule]:
    """``{name: rule}`` of every key, in declaration order."""
    return {k.name: k.rule for k in keys}


def identity_view(config: dict) -> dict:
    """``config`` (a resolved run config, or a pretraining recipe under ``section="pretrain"``)
    without the ``added`` keys that hold their default: what run ids and recipe hashes are
    computed over, so a key added later leaves the cells made before it where they were."""
    out = dict(config)
    for section, keys in SECTIONS.items():
        if isinstance(out.get(section), dict):
            out[section] = _without_added_defaults(out[section], keys)
    return out


def _without_added_defaults(values: dict, keys: Iterable[Key]) -> dict:
    added = {k.name: k.default for k in keys if k.added}
    return {k: v for k, v in values.items() if not (k in added and v == added[k])}


def recipe_identity_view(recipe: dict) -> dict:
    """A pretraining recipe without its ``added`` keys at their default (``identity_view``)."""
    return _without_added_defaults(recipe, PRETRAIN)


def _default(key: Key) -> str:
    if isinstance(key.default, Missing):
        return key.default.value
    return f"`{key.default if isinstance(key.default, str) else json.dumps(key.default)}`"


def _what(key: Key) -> str:
    notes = [key.help]
    if key.kept:
        notes.append("a model's own value is kept over the profile's defaults")
    if not key.hashed:
        notes.append("not in the recipe hash: the cached weights are reused")
    if key.added:
        notes.append("added later: at its default, earlier records keep their cells")
    return "; ".join(notes)


def markdown() -> str:
    """The README's table: one row per key, section by section, in declaration order."""
    rows = ["| key | default | allowed | what it does |", "|---|---|---|---|"]
    for section, keys in SECTIONS.items():
        for k in keys:
            cells = (f"`{section}.{k.name}`", _default(k), k.rule.allowed, _what(k))
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)
