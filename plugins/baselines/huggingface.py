"""Backbone "hf": any Hugging Face model (hub id or local folder) with its own tokenizer.

The engine feeds every backbone one-hot ``x [B, L, 5]`` and a nucleotide mask; this backbone
decodes ``x`` back to strings (argmax over A, C, G, N, T; an all-zero slot reads N), tokenizes
them with the model's tokenizer (k-mer, BPE or character level), runs the model and returns
``(hidden [B, T, D], token_mask [B, T])``: per-token hidden states and a mask over the sequence
tokens (special tokens and padding excluded), which ``SequenceClassifier`` pools over.

Options: ``model`` (hub id or path), ``revision``, ``trust_remote_code`` (only where a preset
declares it), ``max_tokens`` (default: the model's own limit), ``too_long`` (``error`` | ``warn``
| ``fix``: a longer sequence stops the run, or is truncated to ``max_tokens`` and counted in
``describe()``; never a silent cut), ``adapter: lora`` with ``lora_rank``, ``lora_alpha``,
``lora_dropout`` and ``lora_targets`` (peft; the base weights are frozen, the adapters train),
and ``dim`` (default: the config's hidden size). ``finetune.mode: linear-probe`` freezes it all.

Nothing is ever downloaded: hub ids load from the local Hugging Face cache only, and
``check_available`` (called before any run) names a missing model or dependency in one line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from findna_bench import dna, hookimpl
from findna_bench.errors import ConfigError, DataError

INSTALL = "the hf backbone needs transformers and peft: pip install 'findna-bench[hf]'"
TOO_LONG = ("error", "warn", "fix")
ADAPTERS = (None, "lora")
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
DIM_KEYS = ("hidden_size", "d_model", "n_embd", "dim")
LIMIT_KEYS = ("max_position_embeddings", "max_seq_len", "n_positions")
_LETTERS = np.frombuffer(dna.ALPHABET.encode(), dtype=np.uint8)
_N = dna.ALPHABET.index("N")


class SequenceTooLong(DataError):
    """A sequence tokenizes to more tokens than the model takes and ``too_long`` is error."""


# ---------------------------------------------------------------------------------------------
# Where the weights are: a local folder or the local Hugging Face cache (never the network)
# ---------------------------------------------------------------------------------------------


def _looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", ".", "~")) or Path(ref).expanduser().exists()


def _cached_config(ref: str, revision: str | None) -> Path | None:
    """The cached ``config.json`` of hub id ``ref`` (None when absent or not a valid id)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(ref, "config.json", revision=revision)
    except Exception:  # an invalid repo id is simply not in the cache
        return None
    return Path(found) if isinstance(found, str) else None


def _not_cached(ref: str) -> str:
    cache = os.environ.get("HF_HOME") or "~/.cache/huggingface"
    return (
        f"model '{ref}' is not in the local Hugging Face cache ({cache}) and nothing is "
        f"downloaded: run `hf download {ref}` on a connected machine and copy its "
        "cache here, point HF_HOME at a cache that holds it, or pass a local folder "
        "(-m hf:/path/to/model or backbone.model=/path/to/model)"
    )


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def availability(model: str | None, revision: str | None, adapter: str | None) -> list[str]:
    """One line per reason the model cannot be built here (empty when it can)."""
    if not model:
        return ["backbone.model: name a Hugging Face hub id or a local folder"]
    needed = ["transformers"] + (["peft"] if adapter == "lora" else [])
    if not all(_installed(name) for name in needed):
        return [INSTALL]
    if _looks_like_path(model):
        folder = Path(model).expanduser()
        if not (folder / "config.json").is_file():
            return [
                f"backbone.model={model}: no config.json in that folder (a save_pretrained folder)"
            ]
        return []
    return [] if _cached_config(model, revision) else [_not_cached(model)]


def _source(model: str, revision: str | None) -> tuple[str, str | None]:
    """What ``from_pretrained`` loads (a folder or a cached hub id) and the resolved revision:
    the snapshot's commit hash for the cache, or the folder's when it is a cache snapshot."""
    problems = availability(model, revision, None)
    if problems:
        raise ConfigError(problems[0])
    if _looks_like_path(model):
        folder = Path(model).expanduser().resolve()
        snapshot = folder.parent.name == "snapshots" and re.fullmatch(r"[0-9a-f]{40}", folder.name)
        return str(folder), folder.name if snapshot else None
    return model, _cached_config(model, revision).parent.name


@contextlib.contextmanager
def _quiet_transformers():
    """Loading reports (unused MLM-head weights, progress bars) stay out of the harness output."""
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(before)
        logging.enable_progress_bar()


def load_pretrained(source: str, revision: str | None, trust_remote_code: bool) -> tuple:
    """(tokenizer, base model) from a folder or the cache, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import transformers
    except ImportError as exc:
        raise ConfigError(INSTALL) from exc
    common = {"revision": revision, "trust_remote_code": trust_remote_code}
    common["local_files_only"] = True
    with _quiet_transformers():
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, **common)
        net = transformers.AutoModel.from_pretrained(source, **common)
    if getattr(net, "pooler", None) is not None:
        net.pooler = None  # unused: the engine pools the token states itself
    return tokenizer, net


# ---------------------------------------------------------------------------------------------
# The backbone
# ---------------------------------------------------------------------------------------------


def _config_value(config: Any, keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _model_limit(tokenizer: Any, config: Any) -> int | None:
    """The model's own token limit: its position table, else the tokenizer's (when finite)."""
    limits = [_config_value(config, LIMIT_KEYS), getattr(tokenizer, "model_max_length", None)]
    limits = [v for v in limits if isinstance(v, int) and 0 < v < 1_000_000]
    return min(limits) if limits else None


def add_lora(net: nn.Module, *, rank: int, alpha: float, dropout: float, targets: Any) -> nn.Module:
    """Wrap ``net`` with peft LoRA adapters: base weights frozen, adapters trainable."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as exc:
        raise ConfigError(INSTALL) from exc
    config = LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=targets, bias="none"
    )
    try:
        with warnings.catch_warnings():  # transformers' deprecation notes inside peft
            warnings.simplefilter("ignore", FutureWarning)
            return get_peft_model(net, config)
    except ValueError as exc:
        raise ConfigError(
            f"backbone.adapter=lora: {exc}; name the attention projections with "
            "backbone.lora_targets=[...]"
        ) from exc


class HFBackbone(nn.Module):
    """A Hugging Face model as a backbone: one-hot -> strings -> tokens -> hidden states."""

    def __init__(
        self,
        *,
        model: str | None = None,
        revision: str | None = None,
        trust_remote_code: bool = False,
        max_tokens: int | None = None,
        too_long: str = "error",
        adapter: str | None = None,
        lora_rank: int = 8,
        lora_alpha: float = 16,
        lora_dropout: float = 0.05,
        lora_targets: list[str] | None = None,
        dim: int | None = None,
    ) -> None:
        super().__init__()
        _check_options(too_long, adapter, max_tokens)
        source, self.revision = _source(model, revision)
        self.tokenizer, net = load_pretrained(source, revision, trust_remote_code)
        self.model_id, self.adapter, self.too_long = model, adapter, too_long
        self.inputs = _accepted_inputs(net)
        self.dim = dim or _config_value(net.config, DIM_KEYS)
        if not self.dim:
            raise ConfigError(f"model '{model}': its config names no hidden size; set backbone.dim")
        self.max_tokens = _token_limit(max_tokens, _model_limit(self.tokenizer, net.config), model)
        if adapter == "lora":
            net = add_lora(
                net, rank=lora_rank, alpha=lora_alpha, dropout=lora_dropout, targets=lora_targets
            )
        self.net = net
        self.truncated: set[int] = set()  # hashes of the distinct sequences cut to max_tokens

    def decode(self, x: torch.Tensor, mask: torch.Tensor) -> list[str]:
        """One-hot rows back to ACGTN strings over their real positions."""
        index = torch.where(x.sum(-1) > 0, x.argmax(-1), _N).cpu().numpy()
        letters = _LETTERS[index]
        lengths = mask.sum(1).tolist()
        return [letters[i, :n].tobytes().decode() for i, n in enumerate(lengths)]

    def tokenize(self, texts: list[str], device: torch.device) -> dict[str, torch.Tensor]:
        """Padded token batch; a sequence over ``max_tokens`` follows ``too_long``."""
        enc = self._encode(texts, truncate=False)
        lengths = enc["attention_mask"].sum(1)
        if self.max_tokens and int(lengths.max()) > self.max_tokens:
            over = [t for t, n in zip(texts, lengths.tolist()) if n > self.max_tokens]
            self._too_long(over, int(lengths.max()))
            enc = self._encode(texts, truncate=True)
        return {k: v.to(device) for k, v in enc.items()}

    def _encode(self, texts: list[str], *, truncate: bool) -> dict[str, torch.Tensor]:
        return dict(
            self.tokenizer(
                texts,
                padding=True,
                truncation=truncate,
                max_length=self.max_tokens if truncate else None,
                return_tensors="pt",
                return_special_tokens_mask=True,
            )
        )

    def _too_long(self, over: list[str], longest: int) -> None:
        if self.too_long == "error":
            raise SequenceTooLong(
                f"a {len(over[0])} bp sequence is {longest} tokens for model '{self.model_id}', "
                f"over its max_tokens {self.max_tokens}; set backbone.too_long=fix to truncate "
                "(counted in the backbone's describe()) or use a model with a longer context"
            )
        new = {hash(t) for t in over} - self.truncated
        self.truncated |= new
        if self.too_long == "warn" and new:
            warnings.warn(
                f"{len(new)} sequence(s) truncated to {self.max_tokens} tokens "
                f"for model '{self.model_id}'",
                stacklevel=3,
            )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        enc = self.tokenize(self.decode(x, mask), x.device)
        out = self.net(**{k: v for k, v in enc.items() if k in self.inputs})
        hidden = out if isinstance(out, torch.Tensor) else _last_hidden(out)
        token_mask = enc["attention_mask"].bool()
        if "special_tokens_mask" in enc:
            token_mask &= ~enc["special_tokens_mask"].bool()
        return hidden, token_mask

    def describe(self) -> dict[str, Any]:
        """What a record should hold about this model (see the README's hf section)."""
        return {
            "model": self.model_id,
            "revision": self.revision,
            "tokenizer": type(self.tokenizer).__name__,
            "adapter": self.adapter,
            "parameters": sum(p.numel() for p in self.parameters()),
            "trainable_parameters": sum(p.numel() for p in self.parameters() if p.requires_grad),
            "max_tokens": self.max_tokens,
            "too_long": self.too_long,
            "truncated_sequences": len(self.truncated),
        }

    @staticmethod
    def check_available(
        *, model: str | None = None, revision: str | None = None, adapter: str | None = None, **_
    ) -> list[str]:
        """Before any run: one line per reason this preset cannot be built here."""
        return availability(model, revision, adapter)


def _check_options(too_long: str, adapter: str | None, max_tokens: int | None) -> None:
    if too_long not in TOO_LONG:
        raise ConfigError(f"backbone.too_long={too_long!r}: expected one of {', '.join(TOO_LONG)}")
    if adapter not in ADAPTERS:
        raise ConfigError(f"backbone.adapter={adapter!r}: expected lora or null")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise ConfigError(f"backbone.max_tokens={max_tokens!r}: expected an integer >= 1")


def _token_limit(asked: int | None, limit: int | None, model: str) -> int | None:
    if asked and limit and asked > limit:
        raise ConfigError(
            f"backbone.max_tokens={asked}: model '{model}' takes at most {limit} tokens"
        )
    return asked or limit


def _accepted_inputs(net: nn.Module) -> tuple[str, ...]:
    """The tokenizer outputs the model's forward takes (HyenaDNA/Caduceus take no mask)."""
    params = inspect.signature(net.forward).parameters
    return tuple(k for k in MODEL_INPUTS if k in params)


def _last_hidden(out: Any) -> torch.Tensor:
    hidden = getattr(out, "last_hidden_state", None)
    return hidden if hidden is not None else out[0]


@hookimpl
def register_backbones(register) -> None:
    register(
        "hf",
        HFBackbone,
        description="any Hugging Face model (hub id from the local cache, or a folder) with its "
        "own tokenizer; full, LoRA (adapter: lora) or linear-probe fine-tuning",
    )
