"""The hf backbone: a Hugging Face model (hub id from the local cache, or a folder) as a
findna-bench backbone: one-hot -> strings -> the model's own tokens -> hidden states.

It returns ``(hidden [B, T, D], token_mask [B, T])``; the classifier averages ``hidden`` over
``token_mask``, so ``pooling`` picks the rows: ``mean`` (sequence tokens, special tokens and
padding excluded), ``cls`` (the first token) or ``last`` (the last real token).

Padding never changes a sequence's features: tokens are padded on the right and the attention
mask is always requested; a model that takes no mask is exact under right padding when causal
(HyenaDNA), and a bidirectional one (Caduceus) runs each group of equal token length alone.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from findna_bench import dna
from findna_bench.errors import ConfigError, DataError

from . import loading, lora, source
from .families import detect, is_causal

TOO_LONG = ("error", "warn", "fix")
ADAPTERS = (None, "lora")
POOLINGS = (None, "mean", "cls", "last")
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
DIM_KEYS = ("hidden_size", "d_model", "n_embd", "dim")
LIMIT_KEYS = ("max_position_embeddings", "max_seq_len", "n_positions")
_LETTERS = np.frombuffer(dna.ALPHABET.encode(), dtype=np.uint8)
_N = dna.ALPHABET.index("N")
_PROBE = ["ACGTACGTAACCGGTT", "TTGCAN"]


class SequenceTooLong(DataError):
    """A sequence tokenizes to more tokens than the model takes and ``too_long`` is error."""


class HFBackbone(nn.Module):
    """A Hugging Face model as a backbone (see the module docstring and the README)."""

    def __init__(
        self,
        *,
        model: str | None = None,
        revision: str | None = None,
        trust_remote_code: bool = False,
        max_tokens: int | None = None,
        too_long: str = "error",
        pooling: str | None = None,
        strict_weights: bool = True,
        adapter: str | None = None,
        lora_rank: int = 8,
        lora_alpha: float = 16,
        lora_dropout: float = 0.05,
        lora_targets: list[str] | None = None,
        dim: int | None = None,
    ) -> None:
        super().__init__()
        _check_options(too_long, adapter, max_tokens, pooling)
        problems = source.preflight(model, revision, adapter, trust_remote_code, tokenizer=False)
        if problems:
            raise ConfigError(problems[0])
        folder = source.folder_of(model, revision)
        config = source.read_config(folder)
        family = detect(config)
        self.model_id, self.adapter, self.too_long = model, adapter, too_long
        self.revision = revision or source.resolved_revision(model, folder)
        self.family = family.name
        self.pooling = pooling or family.pooling
        self.tokenizer = loading.load_tokenizer(str(folder), revision, trust_remote_code)
        net, self.loading = loading.load_model(
            str(folder), revision, trust_remote_code, strict=strict_weights
        )
        self.attention = loading.pytorch_attention(net, family)
        self.inputs = _accepted_inputs(net)
        self.causal = is_causal(family, config)
        self.dim = dim or _config_value(net.config, DIM_KEYS)
        if not self.dim:
            raise ConfigError(f"model '{model}': its config names no hidden size; set backbone.dim")
        self.max_tokens = _token_limit(max_tokens, _model_limit(self.tokenizer, net.config), model)
        self.truncated: set[int] = set()  # hashes of the distinct sequences cut to max_tokens
        self.mamba_reference_path = 0
        self.lora_targets = list(lora_targets or family.lora_targets) or None
        if adapter == "lora":
            self.mamba_reference_path = loading.mamba_reference_path(net)
            net = lora.add_lora(
                net, rank=lora_rank, alpha=lora_alpha, dropout=lora_dropout,
                targets=self.lora_targets,
            )  # fmt: skip
        self.net = net
        self._check_pooling()
        if adapter == "lora":
            lora.refuse_untrained(
                lora.untrained_adapters(self, self._probe_loss), self.lora_targets
            )

    @property
    def _padded(self) -> bool:
        """Whether a padded batch is exact: the model takes a mask, or is causal."""
        return "attention_mask" in self.inputs or self.causal

    # --- strings and tokens

    def decode(self, x: torch.Tensor, mask: torch.Tensor) -> list[str]:
        """One-hot rows back to ACGTN strings over their real positions."""
        index = torch.where(x.sum(-1) > 0, x.argmax(-1), _N).cpu().numpy()
        letters = _LETTERS[index]
        lengths = mask.sum(1).tolist()
        return [letters[i, :n].tobytes().decode() for i, n in enumerate(lengths)]

    def tokenize(self, texts: list[str], device: torch.device) -> dict[str, torch.Tensor]:
        """Right-padded token batch with its attention mask; a sequence over ``max_tokens``
        follows ``too_long``."""
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
                return_attention_mask=True,
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

    # --- the forward pass

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encode_texts(self.decode(x, mask), x.device)

    def encode_texts(self, texts: list[str], device: torch.device) -> tuple[torch.Tensor, ...]:
        enc = self.tokenize(texts, device)
        inputs = {k: v for k, v in enc.items() if k in self.inputs}
        if self._padded:
            hidden = _last_hidden(self.net(**inputs))
        else:
            hidden = self._by_length(inputs, enc["attention_mask"])
        return hidden, self._pooling_mask(enc)

    def _by_length(self, inputs: dict, attention: torch.Tensor) -> torch.Tensor:
        """A bidirectional model that takes no mask: each group of rows of one token length
        runs alone, unpadded, so no row ever sees another's padding."""
        lengths = attention.sum(1)
        out = None
        for length in lengths.unique().tolist():
            rows = (lengths == length).nonzero().squeeze(1)
            part = _last_hidden(self.net(**{k: v[rows, :length] for k, v in inputs.items()}))
            if out is None:
                out = part.new_zeros((attention.shape[0], attention.shape[1], part.shape[-1]))
            out[rows, :length] = part
        return out

    def _pooling_mask(self, enc: dict[str, torch.Tensor]) -> torch.Tensor:
        attention = enc["attention_mask"].bool()
        if self.pooling == "cls":
            first = torch.zeros_like(attention)
            first[:, 0] = True
            return first
        if self.pooling == "last":
            last = attention.sum(1, keepdim=True) - 1
            return torch.zeros_like(attention).scatter_(1, last, True)
        return attention & ~enc["special_tokens_mask"].bool()

    def _check_pooling(self) -> None:
        if self.pooling == "cls":
            first = self._encode(["ACGT"], truncate=False)["input_ids"][0, 0].item()
            if first != self.tokenizer.cls_token_id or first is None:
                raise ConfigError(
                    f"backbone.pooling=cls: the tokenizer of '{self.model_id}' puts no CLS token "
                    "first; use pooling mean or last"
                )

    def _probe_loss(self) -> torch.Tensor:
        device = next(self.net.parameters()).device
        hidden, token_mask = self.encode_texts(_PROBE, device)
        return (hidden.float() * token_mask[..., None]).pow(2).mean()

    # --- what the record holds

    def describe(self) -> dict[str, Any]:
        """What a record should hold about this model (see the README's hf section)."""
        facts = {
            "model": self.model_id,
            "revision": self.revision,
            "family": self.family,
            "tokenizer": type(self.tokenizer).__name__,
            "padding": "right",
            "attention_mask": "attention_mask" in self.inputs,
            "batching": "padded" if self._padded else "by token length",
            "pooling": self.pooling,
            "adapter": self.adapter,
            "parameters": sum(p.numel() for p in self.parameters()),
            "trainable_parameters": sum(p.numel() for p in self.parameters() if p.requires_grad),
            "trainable_by_group": lora.parameter_groups(self.net),
            "max_tokens": self.max_tokens,
            "too_long": self.too_long,
            "truncated_sequences": len(self.truncated),
            **self.loading,
        }
        if self.adapter == "lora":
            facts["lora_targets"] = self.lora_targets or "peft's default for the architecture"
        if self.attention:
            facts["attention"] = self.attention
        if self.mamba_reference_path:
            facts["mamba_path"] = (
                f"reference: fused kernel off in {self.mamba_reference_path} Mamba modules "
                "(it calls no projection as a module, so LoRA adapters would not run)"
            )
        return facts

    @staticmethod
    def check_available(
        *,
        model: str | None = None,
        revision: str | None = None,
        adapter: str | None = None,
        trust_remote_code: bool = False,
        **_,
    ) -> list[str]:
        """Before any run: one line per reason this model cannot be built here."""
        return source.preflight(model, revision, adapter, trust_remote_code)


def _check_options(
    too_long: str, adapter: str | None, max_tokens: int | None, pooling: str | None
) -> None:
    if too_long not in TOO_LONG:
        raise ConfigError(f"backbone.too_long={too_long!r}: expected one of {', '.join(TOO_LONG)}")
    if adapter not in ADAPTERS:
        raise ConfigError(f"backbone.adapter={adapter!r}: expected lora or null")
    if pooling not in POOLINGS:
        raise ConfigError(f"backbone.pooling={pooling!r}: expected mean, cls, last or null")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise ConfigError(f"backbone.max_tokens={max_tokens!r}: expected an integer >= 1")


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


def _token_limit(asked: int | None, limit: int | None, model: str) -> int | None:
    if asked and limit and asked > limit:
        raise ConfigError(
            f"backbone.max_tokens={asked}: model '{model}' takes at most {limit} tokens"
        )
    return asked or limit


def _accepted_inputs(net: nn.Module) -> tuple[str, ...]:
    """The tokenizer outputs the model's forward takes (HyenaDNA/Caduceus take no mask)."""
    import inspect

    params = inspect.signature(net.forward).parameters
    return tuple(k for k in MODEL_INPUTS if k in params)


def _last_hidden(out: Any) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    hidden = getattr(out, "last_hidden_state", None)
    return hidden if hidden is not None else out[0]
