"""Which registry sections set a run's fine-tuning settings (for the record).

``config.resolve`` merges engine defaults < model < profile < profile.models[model] <
profile.tasks[pattern]; a ``finetune`` section's mapping values are keyed by backbone name and
apply only to models built on that backbone (the paper profile keys FinDNA's per-task recipe
by ``chordmixer``). ``finetune_recipe`` lists the sections that contributed fine-tuning keys
to one run, so a record says whether e.g. a baseline ran FinDNA's tuned recipe or its own.
"""

from __future__ import annotations

from typing import Any

from findna_bench.registry import Registry
from findna_bench.run.config import RECIPE_KEYS, task_layers


def _keys(
    section: dict | None, backbone: str, kept: tuple[str, ...] = ()
) -> tuple[list[str], bool]:
    """Fine-tuning keys a section sets for ``backbone``, and whether a backbone-keyed part did;
    plain keys in ``kept`` (the model's own recipe) are not set by it."""
    section = section or {}
    plain = [k for k, v in section.items() if not isinstance(v, dict) and k not in kept]
    keyed = sorted((section.get(backbone) or {}) if isinstance(section.get(backbone), dict) else {})
    return sorted(set(plain) | set(keyed)), bool(keyed)


def finetune_recipe(registry: Registry, model: str, task: str, profile: str) -> dict[str, Any]:
    """``{"recipe": str, "backbone": str, "sections": [{"section", "keys", "keyed"}]}``;
    ``recipe`` is ``"<profile> per-task (<backbone>)"`` when a per-task section applied, else
    ``"<profile> defaults"`` when the profile set keys, else ``"model"``."""
    spec, prof = registry.model(model), registry.profile(profile)
    backbone = spec["backbone"]["use"]
    layers = [
        (f"models.{model}", spec.get("finetune")),
        (f"profiles.{profile}", prof.get("finetune")),
        (
            f"profiles.{profile}.models.{model}",
            ((prof.get("models") or {}).get(model) or {}).get("finetune"),
        ),
    ]
    layers += [
        (f"profiles.{profile}.tasks.{pattern}", layer.get("finetune"))
        for pattern, layer in task_layers(prof, task)
    ]
    own = tuple(k for k in RECIPE_KEYS if k in (spec.get("finetune") or {}))
    sections: list[dict[str, Any]] = []
    for name, section in layers:
        kept = own if name == f"profiles.{profile}" or ".tasks." in name else ()
        keys, keyed = _keys(section, backbone, kept)
        if keys:
            sections.append({"section": name, "keys": keys, "keyed": backbone if keyed else None})
    per_task = any(".tasks." in s["section"] for s in sections)
    profile_set = any(s["section"].startswith(f"profiles.{profile}") for s in sections)
    recipe = (
        f"{profile} per-task ({backbone})"
        if per_task
        else f"{profile} defaults"
        if profile_set
        else "model"
    )
    return {"recipe": recipe, "backbone": backbone, "sections": sections}
