"""Loading a hub folder so that it cannot silently go wrong.

* The class follows config.json: the ``auto_map`` entry of the checkpoint's architecture, else
  ``AutoModel``, else the mapped masked/causal-LM class and its base model (NT v2 maps no
  ``AutoModel``: falling back to transformers' own ``EsmModel`` would build another network).
* Missing, unexpected or mis-shaped weights stop the run with their names, unless
  ``strict_weights`` is false (then they are counted in the record); a head the checkpoint has
  and the base model drops (an MLM head), and an unused pooler, are not problems.
* Weights the code ties (Caduceus's forward and reverse Mamba projections) stay tied: ties are
  read from the code on the meta device and restored after loading, and counted.
* Known upstream breakage is worked around explicitly and said in ``facts``: DNABERT-2 runs its
  PyTorch attention, never its Triton kernel (MAGICS-LAB/DNABERT_2 #11/#19/#57/#70).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import torch
from torch import nn

from findna_bench.errors import ConfigError

from .families import Family

HEAD_CLASSES = ("AutoModelForMaskedLM", "AutoModelForCausalLM")
UNUSED = ("pooler.",)  # the engine pools token states itself


@contextlib.contextmanager
def quiet_transformers():
    """Loading chatter (progress bars, remote-code notices) stays out of the harness output;
    what matters is checked and recorded instead."""
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(before)
        logging.enable_progress_bar()


def load_tokenizer(folder: str, revision: str | None, trust_remote_code: bool) -> Any:
    """The model's tokenizer, offline, padding on the right (see ``HFBackbone``)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers

    with quiet_transformers():
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            folder, revision=revision, trust_remote_code=trust_remote_code, local_files_only=True
        )
    tokenizer.padding_side = "right"
    return tokenizer


def model_class(config: Any) -> tuple[Any, str]:
    """The auto class to load with, and its name, following config.json."""
    import transformers

    auto_map = getattr(config, "auto_map", None) or {}
    architecture = (getattr(config, "architectures", None) or [None])[0]
    if auto_map:
        named = [k for k, v in auto_map.items() if str(v).rsplit(".", 1)[-1] == architecture]
        key = next((k for k in [*named, "AutoModel", *HEAD_CLASSES] if k in auto_map), None)
        if key:
            return getattr(transformers, key), key
    if architecture and hasattr(transformers, architecture):
        return getattr(transformers, architecture), architecture
    return transformers.AutoModel, "AutoModel"


def load_model(
    folder: str, revision: str | None, trust_remote_code: bool, *, strict: bool
) -> tuple[nn.Module, dict[str, Any]]:
    """(base model, facts for the record) from a folder, offline."""
    import transformers

    common = {"revision": revision, "trust_remote_code": trust_remote_code}
    with quiet_transformers():
        config = transformers.AutoConfig.from_pretrained(folder, local_files_only=True, **common)
        cls, key = model_class(config)
        try:
            net, info = cls.from_pretrained(
                folder, config=config, local_files_only=True, output_loading_info=True, **common
            )
        except (RuntimeError, ValueError, OSError) as exc:  # shapes that do not fit, bad files
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ConfigError(
                f"model {folder}: its weights do not load as {key} ({first})"
            ) from exc
        ties = _tie_groups(cls, config, trust_remote_code)
    retied = _restore_ties(net, ties)
    base = net.base_model if key in HEAD_CLASSES or net.base_model is not net else net
    problems, dropped = _weight_problems(net, base, info, ties)
    if getattr(base, "pooler", None) is not None:
        base.pooler = None
    if problems and strict:
        raise ConfigError(
            f"model {folder}: its weights do not match its code ({'; '.join(problems)}); "
            "check the folder, or set backbone.strict_weights=false to run anyway (counted in "
            "the record)"
        )
    facts = {
        "loaded_as": f"{key} -> {type(base).__name__}",
        "weights_not_matching": problems,
        "head_weights_dropped": dropped,
        "ties_restored": retied,
    }
    return base, facts


def _tie_groups(cls: Any, config: Any, trust_remote_code: bool) -> list[list[str]]:
    """Names of the parameters the code itself shares, read from an instance built on the meta
    device; code that cannot build there (DNABERT-2 computes ALiBi slopes in __init__) is built
    with only its parameters on meta (accelerate), which keeps no tie but transformers' own."""
    from accelerate import init_empty_weights

    def build() -> nn.Module:
        if hasattr(cls, "from_config"):  # an auto class
            return cls.from_config(config, trust_remote_code=trust_remote_code)
        return cls._from_config(config)

    try:
        with torch.device("meta"):
            fresh = build()
    except (RuntimeError, NotImplementedError):
        with init_empty_weights(include_buffers=False):
            fresh = build()
    groups: dict[int, list[str]] = {}
    for name, param in fresh.named_parameters(remove_duplicate=False):
        groups.setdefault(id(param), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def _restore_ties(net: nn.Module, ties: list[list[str]]) -> int:
    """Point every name of a tie group at its first parameter again; how many were untied."""
    params = dict(net.named_parameters(remove_duplicate=False))
    restored = 0
    for source, *others in ties:
        for name in others:
            if params[name] is not params[source]:
                owner, attr = _owner(net, name)
                setattr(owner, attr, params[source])
                restored += 1
    return restored


def _owner(net: nn.Module, name: str) -> tuple[nn.Module, str]:
    path, attr = name.rsplit(".", 1)
    return net.get_submodule(path), attr


def _weight_problems(
    net: nn.Module, base: nn.Module, info: dict, ties: list[list[str]]
) -> tuple[list[str], int]:
    """Missing (newly initialised), unexpected and mis-shaped weights that matter."""
    tied = {name for group in ties for name in group[1:]}
    prefix = base.base_model_prefix + "." if base is not net else ""
    missing = [
        k
        for k in info.get("missing_keys", [])
        if k not in tied and not k.removeprefix(prefix).startswith(UNUSED)
    ]
    unexpected = list(info.get("unexpected_keys", []))
    dropped = 0
    if base is net and getattr(net, "base_model_prefix", ""):  # a base model from a head checkpoint
        head = [k for k in unexpected if not k.startswith(net.base_model_prefix + ".")]
        dropped, unexpected = len(head), [k for k in unexpected if k not in head]
    mismatched = [k for k, *_ in info.get("mismatched_keys", [])]
    problems = []
    for what, keys in (
        ("missing", missing),
        ("unexpected", unexpected),
        ("wrong shape", mismatched),
    ):
        if keys:
            more = f" (+{len(keys) - 3} more)" if len(keys) > 3 else ""
            problems.append(f"{len(keys)} {what}: {', '.join(keys[:3])}{more}")
    return problems, dropped


def pytorch_attention(base: nn.Module, family: Family) -> str | None:
    """DNABERT-2: its PyTorch attention, never the Triton kernel it takes whenever triton
    imports (broken on GPUs, an AssertionError on CPUs). The kernel is switched off in the
    remote module itself; returns what the record says."""
    if family.name != "dnabert2":
        return None
    module = sys.modules[type(base).__module__]
    module.flash_attn_qkvpacked_func = None
    return "pytorch (DNABERT-2's Triton flash-attention path bypassed)"


def mamba_reference_path(base: nn.Module) -> int:
    """Caduceus under LoRA: turn Mamba's fused kernel off (it passes every projection's weight
    to one kernel and calls none of them, so adapters would never run); how many modules."""
    switched = 0
    for module in base.modules():
        if getattr(module, "use_fast_path", False):
            module.use_fast_path = False
            switched += 1
    return switched
