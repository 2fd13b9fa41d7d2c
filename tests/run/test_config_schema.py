"""Config values are checked when the config is resolved: types, ranges, choices, factory keywords.

Every message is one line naming the key, the value given and what is allowed; unknown names get
the closest known one. Nothing here builds a model or reads data.
"""

from __future__ import annotations

import pytest

from findna_bench.errors import ConfigError, UnknownName
from findna_bench.run import config_schema
from findna_bench.run.config import ENGINE_DEFAULTS, expand_tasks, parse_overrides, resolve


def bad(registry, *items: str, model: str = "cnn", catalog=None) -> str:
    with pytest.raises(ConfigError) as caught:
        resolve(registry, model, "gue/tf_0", "smoke", parse_overrides(list(items)), catalog=catalog)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("finetune.lr=abc", 'finetune.lr="abc": expected a number > 0'),
        ("finetune.lr=-1", "finetune.lr=-1: expected a number > 0"),
        ("finetune.lr=.inf", "finetune.lr=Infinity: expected a number > 0"),
        ("finetune.epochs=two", 'finetune.epochs="two": expected an integer >= 1'),
        ("finetune.epochs=0", "finetune.epochs=0: expected an integer >= 1"),
        ("finetune.epochs=2.0", "finetune.epochs=2.0: expected an integer >= 1"),
        ("finetune.epochs=true", "finetune.epochs=true: expected an integer >= 1"),
        ("finetune.batch_size=0", "finetune.batch_size=0: expected an integer >= 1"),
        ("finetune.eval_batch_size=-3", "finetune.eval_batch_size=-3: expected an integer >= 1"),
        (
            "finetune.mode=linear_probe",
            'finetune.mode="linear_probe": expected one of full, linear-probe',
        ),
        ("finetune.pooling=max", 'finetune.pooling="max": expected one of mean, mean-with-padding'),
        (
            "finetune.selection=best",
            'finetune.selection="best": expected one of best-valid, last-epoch',
        ),
        ("finetune.warmup=1", "finetune.warmup=1: expected a number in [0, 1)"),
        ("finetune.weight_decay=-0.1", "finetune.weight_decay=-0.1: expected a number >= 0"),
        ("finetune.grad_clip=-1", "finetune.grad_clip=-1: expected a number >= 0 or null"),
        ("finetune.max_train=0", "finetune.max_train=0: expected an integer >= 1 or null"),
        ("finetune.max_steps=0", "finetune.max_steps=0: expected an integer >= 1 or null"),
        ("finetune.min_steps=-1", "finetune.min_steps=-1: expected an integer >= 0"),
        ("finetune.eval_every=0", "finetune.eval_every=0: expected an integer >= 1 or null"),
        ("finetune.patience=0", "finetune.patience=0: expected an integer >= 1 or null"),
        ("finetune.min_delta=-1", "finetune.min_delta=-1: expected a number >= 0"),
        ("finetune.evals_per_epoch=0", "finetune.evals_per_epoch=0: expected an integer >= 1"),
        ("finetune.rc_tta=yes please", 'finetune.rc_tta="yes please": expected true or false'),
        ("finetune.amp=1", "finetune.amp=1: expected true or false"),
        ("data.valid_fraction=1", "data.valid_fraction=1: expected a number in (0, 1)"),
        ("data.carve_seed=-1", "data.carve_seed=-1: expected an integer >= 0"),
        ("data.policy.lowercase=maybe", "data.policy.lowercase=maybe: action must be one of"),
    ],
)
def test_bad_engine_values_name_key_value_and_what_is_allowed(registry, item, expected):
    message = bad(registry, item)
    assert message.startswith(expected), message
    assert message.endswith("(model cnn, profile smoke, task gue/tf_0)")


def test_pretrain_recipe_values_and_keys(registry):
    assert bad(registry, "pretrain.steps=0", model="findna").startswith(
        "pretrain.steps=0: expected an integer >= 1"
    )
    assert "did you mean pretrain.steps?" in bad(registry, "pretrain.stepz=3", model="findna")


def test_a_section_given_a_scalar_is_one_line(registry):
    assert bad(registry, "finetune=3").startswith("override 'finetune=3': finetune is a section")


def test_unknown_override_key_suggests_the_closest(registry):
    assert "names no config key; did you mean finetune.lr?" in bad(registry, "finetune.lrr=1")
    assert "did you mean data.carve_seed?" in bad(registry, "data.carve_sed=1")


def test_carve_seed_is_a_declared_overridable_key(registry):
    assert ENGINE_DEFAULTS["data"]["carve_seed"] == 0
    assert (
        resolve(registry, "cnn", "gue/tf_0", "smoke", parse_overrides(["data.carve_seed=5"]))[
            "data"
        ]["carve_seed"]
        == 5
    )


def test_backbone_keywords_are_bound_to_the_factory(registry, catalog):
    message = bad(registry, "backbone.dropuot=0.1", catalog=catalog)
    assert message.startswith(
        "backbone.dropuot: backbone 'cnn' takes no such keyword; did you mean backbone.dropout?"
    )
    assert "did you mean backbone.dropout?" in bad(
        registry, "backbone.dropuot=0.1", model="findna", catalog=catalog
    )
    assert bad(registry, "backbone.use=cnnn", catalog=catalog).startswith(
        "backbone.use: unknown backbone 'cnnn'. Did you mean 'cnn'?"
    )
    assert "task 'gue/tf_0' takes no such keyword" in bad(
        registry, "task.splitt=x", catalog=catalog
    )
    assert "objective" in bad(registry, "pretrain.objective.tau=1", model="findna", catalog=catalog)


def test_schema_covers_every_engine_key_and_the_defaults_pass():
    from findna_bench.model import POOLINGS
    from findna_bench.pretrain.recipe import RECIPE_KEYS

    assert set(config_schema.FINETUNE) == set(ENGINE_DEFAULTS["finetune"])
    assert set(config_schema.DATA) == set(ENGINE_DEFAULTS["data"])
    assert set(config_schema.PRETRAIN) == RECIPE_KEYS | {"checkpoint"}
    assert config_schema.FINETUNE["pooling"].allowed == "one of " + ", ".join(POOLINGS)
    assert config_schema.problems({**ENGINE_DEFAULTS, "backbone": {"use": "cnn"}}) == []


@pytest.mark.parametrize("rule", ["epochs", "max_train", "min_steps"])
def test_integer_rules_refuse_bools_floats_and_text(rule):
    check = config_schema.FINETUNE[rule].ok
    assert check(3) and not any(check(v) for v in (True, 3.0, "3", "abc", -1))


def test_every_preset_resolves_and_binds_for_every_profile_and_task(registry, catalog):
    for model in registry.models:
        for profile in registry.profiles:
            for task in catalog.names("task"):
                resolve(registry, model, task, profile, catalog=catalog)


def test_task_and_suite_names_resolve_ignoring_case(registry, catalog):
    known = catalog.names("task")
    assert expand_tasks(registry, [], ["GUE/tf_*"], known) == [f"gue/tf_{i}" for i in range(5)]
    assert expand_tasks(registry, ["GUE"], [], known) == expand_tasks(registry, ["gue"], [], known)
    assert expand_tasks(registry, [], ["gue/emp_h3"], known) == ["gue/EMP_H3"]


def test_unknown_glob_suggests_a_few_close_names_not_all(registry, catalog):
    with pytest.raises(UnknownName) as caught:
        expand_tasks(registry, [], ["gue/promoter_*"], catalog.names("task"))
    message = str(caught.value)
    assert "Did you mean 'gue/prom_*'" in message and "findna-bench list tasks" in message
    assert message.count("gue/") <= 6 and "mouse" not in message
