"""Where a model's files are (a local folder or the local Hugging Face cache, never the network),
and the preflight: every reason a model cannot run here, found before the first run.

The preflight reads config.json as plain JSON, so it names the family, its unmet requirements
(packages and versions, CUDA), absent weights and undeclared trust without importing
transformers; only when all of that holds does it load the tokenizer, the one check that needs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

from .families import Family, detect, unmet

INSTALL = "the hf backbone needs transformers and peft: pip install 'findna-bench[hf]'"
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
TRUST = (
    "declare trust where the model is named: a preset or your registry.yaml entry "
    "(models: {NAME: {backbone: {use: hf, model: ..., trust_remote_code: true}}}); "
    "it is never taken from the command line"
)


def looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", ".", "~")) or Path(ref).expanduser().exists()


def cached_file(ref: str, name: str, revision: str | None) -> Path | None:
    """A file of hub id ``ref`` in the local cache (None when absent or not a valid id)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(ref, name, revision=revision)
    except Exception:  # an invalid repo id is simply not in the cache
        return None
    return Path(found) if isinstance(found, str) else None


def not_cached(ref: str) -> str:
    cache = os.environ.get("HF_HOME") or "~/.cache/huggingface"
    return (
        f"model '{ref}' is not in the local Hugging Face cache ({cache}) and nothing is "
        f"downloaded: run `hf download {ref}` on a connected machine and copy its "
        "cache here, point HF_HOME at a cache that holds it, or pass a local folder "
        "(-m hf:/path/to/model or backbone.model=/path/to/model)"
    )


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def folder_of(model: str, revision: str | None) -> Path | str:
    """The folder holding ``model``'s files, or a one-line reason it is not here."""
    if looks_like_path(model):
        folder = Path(model).expanduser().resolve()
        if not (folder / "config.json").is_file():
            return (
                f"backbone.model={model}: no config.json in that folder (a save_pretrained folder)"
            )
        return folder
    config = cached_file(model, "config.json", revision)
    return config.parent if config else not_cached(model)


def resolved_revision(model: str, folder: Path) -> str | None:
    """The cache snapshot's commit hash (a folder that is a snapshot counts too)."""
    snapshot = folder.parent.name == "snapshots" and re.fullmatch(r"[0-9a-f]{40}", folder.name)
    return folder.name if snapshot else None


def read_config(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "config.json").read_text())


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def preflight(
    model: str | None,
    revision: str | None,
    adapter: str | None,
    trust_remote_code: bool,
    *,
    tokenizer: bool = True,
) -> list[str]:
    """One line per reason the model cannot be built here (empty when it can); ``tokenizer``:
    also load the tokenizer (the backbone, which loads it next anyway, skips that)."""
    if not model:
        return ["backbone.model: name a Hugging Face hub id or a local folder"]
    if not all(installed(n) for n in ["transformers"] + (["peft"] if adapter == "lora" else [])):
        return [INSTALL]
    folder = folder_of(model, revision)
    if isinstance(folder, str):
        return [folder]
    try:
        config = read_config(folder)
    except (OSError, ValueError) as exc:
        return [f"{folder / 'config.json'}: not a readable JSON config ({exc})"]
    family = detect(config)
    problems = [f"model '{model}' ({family.name}) {line}" for line in _requirements(family)]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        problems.append(
            f"model '{model}': no weights in {folder} (expected one of {', '.join(WEIGHT_FILES)})"
        )
    if not trust_remote_code and _ships_code(folder, config):
        problems.append(f"model '{model}' runs its own Python code (config.json auto_map); {TRUST}")
    if problems or not tokenizer:
        return problems
    return _tokenizer_problems(model, folder, revision, trust_remote_code)


def _requirements(family: Family) -> list[str]:
    return unmet(family, cuda_available=cuda_available())


def _ships_code(folder: Path, config: dict[str, Any]) -> bool:
    if config.get("auto_map"):
        return True
    tokenizer = folder / "tokenizer_config.json"
    return tokenizer.is_file() and bool(json.loads(tokenizer.read_text()).get("auto_map"))


def _tokenizer_problems(
    model: str, folder: Path, revision: str | None, trust_remote_code: bool
) -> list[str]:
    from .loading import load_tokenizer

    try:
        load_tokenizer(str(folder), revision, trust_remote_code)
    except Exception as exc:  # any failure of the model's own tokenizer code
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [f"model '{model}': its tokenizer does not load ({first})"]
    return []
