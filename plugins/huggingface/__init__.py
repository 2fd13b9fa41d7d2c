"""Backbone "hf": any Hugging Face model (hub id from the local cache, or a folder) with its own
tokenizer, run on its real code: DNABERT-2, the Nucleotide Transformer v1/v2, HyenaDNA,
Caduceus, transformers' own classes.

The modules: ``families`` (what each model family needs and how it runs), ``source`` (where the
files are; the preflight), ``loading`` (auto_map, strict weights, ties, upstream workarounds),
``lora`` (adapters proven to train), ``backbone`` (tokens, padding, pooling, the record).
Nothing is ever downloaded.
"""

from __future__ import annotations

from findna_bench import hookimpl

from .backbone import HFBackbone

__all__ = ["HFBackbone"]


@hookimpl
def register_backbones(register) -> None:
    register(
        "hf",
        HFBackbone,
        description="any Hugging Face model (hub id from the local cache, or a folder) with its "
        "own tokenizer; full, LoRA (adapter: lora) or linear-probe fine-tuning",
        version="1",
    )
