"""The evaluation protocol a run declares in its record: splits, selection rule, test, mode.

Every record (successful or failed) carries a ``protocol`` block so that a number can be read
with the rules that produced it: which rows trained the model, which split selected the weights
(the benchmark's dev split, or a seeded stratified carve from train), whether the best epoch on
the validation main metric or simply the last epoch was kept, that the test split was scored
once with those weights, and the fine-tuning mode (full or linear probe, with or without
reverse-complement test-time averaging). Pure functions of the config; nothing here runs.
"""

from __future__ import annotations


def selection_rule(ft: dict, main_metric: str | None, higher_is_better: bool = True) -> str:
    """One line saying how the reported weights were chosen and when training stops."""
    if ft.get("eval_every"):
        cadence = f"validation scored every {ft['eval_every']} steps"
    else:
        cadence = f"validation scored {max(1, int(ft.get('evals_per_epoch', 1)))}x per epoch"
    limit = f"at most {ft['epochs']} epochs"
    if ft.get("max_steps"):
        limit += f" and {ft['max_steps']} steps"
    if ft["selection"] == "last-epoch":
        return f"last evaluation ({limit}; {cadence}, not used for selection)"
    direction = "highest" if higher_is_better else "lowest"
    stop = ""
    if ft.get("patience"):
        stop = (
            f"; stops after {ft['patience']} evaluations without an improvement "
            f"> {ft.get('min_delta') or 0:g}, not before step {ft.get('min_steps') or 0}"
        )
    return (
        f"best evaluation: {direction} validation {main_metric or 'main metric'} "
        f"({limit}; {cadence}{stop})"
    )


def _subsampled(text: str, limit: int | None, seed: int) -> str:
    return f"{text}; subsampled to at most {limit} rows (seed {seed})" if limit else text


def declared(
    cfg: dict,
    *,
    main_metric: str | None = None,
    higher_is_better: bool = True,
    data_protocol: dict | None = None,
) -> dict:
    """The protocol block of a record.

    Args:
        cfg: the run's resolved config.
        main_metric: the task's main metric (the one selection looks at).
        higher_is_better: that metric's direction.
        data_protocol: the task loader's protocol (split files or the carve), when data was
            loaded; without it (e.g. a run that failed before loading) the rule is stated.
    """
    ft, data_cfg = cfg["finetune"], cfg["data"]
    carve_seed = data_cfg.get("carve_seed", 0)
    carve = (
        f"carved from train: {data_cfg['valid_fraction']:.0%}, stratified by label, "
        f"seed {carve_seed}"
    )
    if data_protocol:
        train = data_protocol["train"]
        valid = data_protocol["valid"]
        valid = valid if valid.startswith("carved") else f"dev: {valid}"
    else:
        train = "the benchmark's train split"
        valid = f"the benchmark's dev split when it has one, else {carve}"
    return {
        "train": _subsampled(train, ft.get("max_train"), carve_seed),
        "valid": _subsampled(valid, ft.get("max_valid"), carve_seed),
        "selection": selection_rule(ft, main_metric, higher_is_better),
        "test": "scored once, after training, with the selected weights",
        "mode": ft["mode"],
        "rc_tta": bool(ft["rc_tta"]),
    }
