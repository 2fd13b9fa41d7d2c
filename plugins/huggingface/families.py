"""The model families the hf backbone knows, told apart by what a hub folder's config.json says.

A family declares what its code needs (packages with versions, CUDA), whether it is causal
(right padding is then exact for a model that takes no attention mask), the LoRA targets it
really calls as modules, and its authors' pooling. Anything else is ``generic``: transformers'
own classes or unknown remote code, checked by the same rules.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from typing import Any

REMOTE_CODE_TRANSFORMERS = ">=4.40,<5"  # written for transformers 4.x (see the README's matrix)


@dataclass(frozen=True, slots=True)
class Family:
    """What one model family needs and how it is run."""

    name: str
    marker: str = ""  # a module named in config.json's auto_map ("" : matched otherwise)
    requires: dict[str, str] = field(default_factory=dict)  # distribution -> version specifier
    cuda: bool = False
    causal: bool = False
    lora_targets: tuple[str, ...] = ()
    pooling: str = "mean"
    note: str = ""  # why a requirement exists, for the one-line refusal


FAMILIES = (
    Family(
        "dnabert2",
        "bert_layers",
        {"transformers": REMOTE_CODE_TRANSFORMERS, "einops": ">=0.6"},
        lora_targets=("Wqkv",),
        pooling="cls",
        note="its remote code reads BertConfig keys transformers 5 removed",
    ),
    Family(
        "nt-v2",
        "modeling_esm",
        {"transformers": REMOTE_CODE_TRANSFORMERS},
        lora_targets=("query", "value"),
        pooling="cls",
    ),
    Family(
        "hyenadna",
        "modeling_hyena",
        {"transformers": REMOTE_CODE_TRANSFORMERS},
        causal=True,
        lora_targets=("in_proj", "out_proj"),
        pooling="last",
    ),
    Family(
        "caduceus",
        "modeling_caduceus",
        {"transformers": REMOTE_CODE_TRANSFORMERS, "mamba-ssm": ">=2", "einops": ">=0.6"},
        cuda=True,
        # Mamba.forward multiplies by in_proj.weight (and dt_proj.weight) directly: only these
        # two projections are called as modules on the reference path LoRA runs on
        lora_targets=("x_proj", "out_proj"),
        pooling="mean",
        note="mamba_ssm's kernels are CUDA-only",
    ),
)
ESM = Family("nt-v1", requires={"transformers": ">=4.40"}, lora_targets=("query", "value"))
GENERIC = Family("generic", requires={"transformers": ">=4.40"})
CAUSAL_ARCHITECTURES = ("ForCausalLM", "LMHeadModel")


def detect(config: dict[str, Any]) -> Family:
    """The family of a config.json's contents (a dict: no transformers import needed)."""
    modules = {str(v).split(".")[0] for v in _auto_map_values(config)}
    for family in FAMILIES:
        if family.marker in modules:
            return family
    if config.get("model_type") == "esm" and not modules:
        return ESM
    return GENERIC


def is_causal(family: Family, config: dict[str, Any]) -> bool:
    """Causal families, and generic decoder-only models (GPT-2, Llama...)."""
    architectures = config.get("architectures") or []
    return (
        family.causal
        or bool(config.get("is_decoder"))
        or any(a.endswith(CAUSAL_ARCHITECTURES) for a in architectures)
    )


def _auto_map_values(config: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in (config.get("auto_map") or {}).values():
        out.extend(v for v in (value if isinstance(value, list) else [value]) if v)
    return out


def unmet(family: Family, *, cuda_available: bool) -> list[str]:
    """One line per requirement of ``family`` this machine does not meet."""
    from packaging.specifiers import SpecifierSet

    out = []
    for dist, spec in family.requires.items():
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out.append(f"needs {dist}{spec}, which is not installed: pip install '{dist}{spec}'")
            continue
        if have not in SpecifierSet(spec, prereleases=True):
            why = f" ({family.note})" if family.note and dist == "transformers" else ""
            out.append(f"needs {dist}{spec}, found {have}{why}: pip install '{dist}{spec}'")
    if family.cuda and not cuda_available:
        out.append(f"needs a CUDA GPU ({family.note}); run it on a machine with one")
    return out
