"""One declaration per engine config key (``findna_bench.config_keys``): the defaults, the rules
and the README's table all come from it, so none of them can drift from the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from findna_bench import config_keys
from findna_bench.config_tree import config_hash
from findna_bench.pretrain import recipe
from findna_bench.results import markers
from findna_bench.run import config_schema
from findna_bench.run.config import ENGINE_DEFAULTS, RECIPE_KEYS

README = Path(__file__).resolve().parents[1] / "README.md"
KEYS = [(section, key) for section, keys in config_keys.SECTIONS.items() for key in keys]


def test_the_readme_table_is_the_declaration():
    text = README.read_text()
    (block,) = [b for b in markers.blocks(text) if b.name == "config-keys"]
    assert text[block.start : block.end].strip("\n") == config_keys.markdown(), (
        "README.md's config-keys block drifted from findna_bench/config_keys.py: run "
        "findna-bench summarize --results benchmarks/cpu-gue13 --readme README.md"
    )


@pytest.mark.parametrize(("section", "key"), KEYS, ids=[f"{s}.{k.name}" for s, k in KEYS])
def test_every_default_passes_its_own_rule(section, key):
    if not isinstance(key.default, config_keys.Missing):
        assert key.rule.ok(key.default), f"{section}.{key.name}: default {key.default!r}"
    assert key.help and "|" not in key.name


def test_defaults_and_rules_are_derived_from_the_declaration():
    for section in ("finetune", "data"):
        declared = config_keys.SECTIONS[section]
        assert ENGINE_DEFAULTS[section] == config_keys.defaults(declared)
        assert list(ENGINE_DEFAULTS[section]) == [k.name for k in declared]
    assert config_keys.rules(config_keys.FINETUNE) == config_schema.FINETUNE
    assert config_keys.rules(config_keys.PRETRAIN) == config_schema.PRETRAIN
    assert set(config_schema.PRETRAIN) - {"checkpoint"} == recipe.RECIPE_KEYS
    assert set(recipe.NOT_HASHED) == {"checkpoint_every", "log_every", "micro_batch_size"}
    assert set(RECIPE_KEYS) == {"lr", "weight_decay", "batch_size", "warmup"}


def test_defaults_are_fresh_copies():
    first = config_keys.defaults(config_keys.DATA)
    first["policy"]["lowercase"] = "fix"
    assert config_keys.defaults(config_keys.DATA)["policy"] == {}


def test_the_defaults_every_run_id_hashes_are_pinned():
    """A changed default re-keys every run that does not set the key: change it on purpose. A
    key added later (``added``) at its default is left out, so the hash has not moved."""
    assert config_hash(config_keys.identity_view(ENGINE_DEFAULTS)) == "3b71d651b616"
    assert config_hash(recipe.DEFAULTS) == "b66a51d1ba0a"


def test_an_added_key_at_its_default_keeps_run_ids_and_any_other_value_makes_new_ones():
    from findna_bench.runspec import RunSpec

    def spec(finetune: dict) -> RunSpec:
        config = {"finetune": {"lr": 1e-3, **finetune}, "data": {"carve_seed": 0}}
        return RunSpec(model="m", task="gue/tf_0", seed=0, profile="cpu", config=config)

    before = spec({})  # a record made before cpu_amp was declared
    assert spec({"cpu_amp": False}).run_id == before.run_id
    assert spec({"cpu_amp": True}).run_id != before.run_id
    assert spec({"amp": False}).run_id != spec({"amp": True}).run_id  # not added: always hashed
    added = [f"{s}.{k.name}" for s, keys in config_keys.SECTIONS.items() for k in keys if k.added]
    assert added == ["finetune.rc_augment", "finetune.cpu_amp"]
