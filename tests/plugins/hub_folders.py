"""Tiny random Hugging Face hub folders built from the models' real upstream code.

Each builder lays out a folder exactly as its hub repository is laid out (``config.json`` with
the hub's ``auto_map`` and keys, the upstream ``.py`` files read from
``../shared/hf-upstream``, the tokenizer files) at a few layers and hidden size 16-32, with
random weights saved the way the hub checkpoint was saved (the masked-LM or causal-LM class).
Nothing here re-implements a model, with one declared exception: the Nucleotide Transformer
v2's modelling code exists only on the hub, so ``nt_v2`` writes a stand-in module with the
facts the shared README lists (transformers' ESM with a bias-free SwiGLU feed-forward, an
``auto_map`` without ``AutoModel``, no ``model_type``).

``cpu_mamba`` lets Caduceus run on a CPU inside a test: ``mamba_ssm`` ships CUDA kernels only,
so its own pure-PyTorch reference functions stand in for them (never in the product).
"""

from __future__ import annotations

import json
import shutil
import sys
import types
from itertools import product
from pathlib import Path

import torch

UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "hf-upstream"
NT_VOCAB = [
    "<unk>",
    "<pad>",
    "<mask>",
    "<cls>",
    "<eos>",
    "<bos>",
    *("".join(k) for k in product("ATCG", repeat=6)),
    *"ATCGN",
]


def _copy(family: str, names: list[str], folder: Path) -> None:
    for name in names:
        shutil.copy(UPSTREAM / family / name, folder / name)


def _write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2))


def _save(folder: Path, auto_class: str, *, safetensors: bool = True) -> None:
    """Instantiate the folder's ``auto_class`` from its config with random weights and write
    them beside it as the hub did: ``model.safetensors`` (a tensor shared by several names is
    stored once) or ``pytorch_model.bin``. The upstream files and config.json stay as laid out."""
    import transformers
    from safetensors.torch import save_model

    config = transformers.AutoConfig.from_pretrained(folder, trust_remote_code=True)
    torch.manual_seed(0)
    model = getattr(transformers, auto_class).from_config(config, trust_remote_code=True)
    if safetensors:
        save_model(model, str(folder / "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(model.state_dict(), folder / "pytorch_model.bin")


def dnabert2(folder: Path) -> Path:
    """DNABERT-2-117M's layout: bert_layers.py & co, its BPE tokenizer, a BertForMaskedLM."""
    folder.mkdir(parents=True, exist_ok=True)
    _copy(
        "dnabert2",
        [
            "bert_layers.py",
            "bert_padding.py",
            "configuration_bert.py",
            "flash_attn_triton.py",
            "tokenizer.json",
            "tokenizer_config.json",
        ],
        folder,
    )
    config = json.loads((UPSTREAM / "dnabert2" / "config.json").read_text())
    config.update(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        _name_or_path=str(folder),
    )
    _write_json(folder / "config.json", config)
    _save(folder, "AutoModelForMaskedLM", safetensors=False)  # the hub has pytorch_model.bin
    return folder


def _char_tokenizer(folder: Path, model_max_length: int) -> None:
    """The character tokenizer HyenaDNA and Caduceus ship (tokenization_caduceus.py, adapted
    from HyenaDNA's): input_ids only, left padding, [SEP] appended."""
    _copy("caduceus", ["tokenization_caduceus.py"], folder)
    _write_json(
        folder / "tokenizer_config.json",
        {
            "auto_map": {"AutoTokenizer": ["tokenization_caduceus.CaduceusTokenizer", None]},
            "tokenizer_class": "CaduceusTokenizer",
            "model_max_length": model_max_length,
            "padding_side": "left",
        },
    )


def hyenadna(folder: Path) -> Path:
    """hyenadna-*-seqlen-hf's layout: configuration/modeling_hyena.py, a HyenaDNAForCausalLM."""
    folder.mkdir(parents=True, exist_ok=True)
    _copy("hyenadna", ["configuration_hyena.py", "modeling_hyena.py"], folder)
    config = json.loads((UPSTREAM / "hyenadna" / "config.json").read_text())
    for key in ("id2label", "label2id", "problem_type"):
        config.pop(key)
    config.update(
        architectures=["HyenaDNAForCausalLM"],
        d_model=32,
        d_inner=64,
        n_layer=2,
        filter_order=16,
        max_seq_len=1026,
        embed_dropout=0.0,
    )
    _write_json(folder / "config.json", config)
    _char_tokenizer(folder, 1026)
    _save(folder, "AutoModelForCausalLM", safetensors=False)  # the hub has pytorch_model.bin
    return folder


def caduceus(folder: Path) -> Path:
    """caduceus-ph_*'s layout: the four upstream files, a CaduceusForMaskedLM (weights tied
    between the forward and reverse Mamba, as the Ph config declares)."""
    folder.mkdir(parents=True, exist_ok=True)
    _copy(
        "caduceus",
        ["configuration_caduceus.py", "modeling_caduceus.py", "modeling_rcps.py"],
        folder,
    )
    prefix = "modeling_caduceus."
    config = {
        "architectures": ["CaduceusForMaskedLM"],
        "auto_map": {
            "AutoConfig": "configuration_caduceus.CaduceusConfig",
            "AutoModel": prefix + "Caduceus",
            "AutoModelForMaskedLM": prefix + "CaduceusForMaskedLM",
            "AutoModelForSequenceClassification": prefix + "CaduceusForSequenceClassification",
        },
        "model_type": "caduceus",
        "bidirectional": True,
        "bidirectional_strategy": "add",
        "bidirectional_weight_tie": True,
        "complement_map": {str(k): v for k, v in enumerate([0, 1, 2, 3, 4, 5, 6, 10, 9, 8, 7, 11])},
        "d_model": 16,
        "n_layer": 2,
        "fused_add_norm": True,
        "rms_norm": True,
        "residual_in_fp32": False,
        "rcps": False,
        "norm_epsilon": 1e-5,
        "pad_vocab_size_multiple": 8,
        "vocab_size": 12,
        "initializer_cfg": {"initializer_range": 0.02, "rescale_prenorm_residual": True},
        "ssm_cfg": {"d_state": 4, "d_conv": 4, "expand": 2, "dt_rank": "auto", "bias": False},
    }
    _write_json(folder / "config.json", config)
    _char_tokenizer(folder, 131_074)
    _save(folder, "AutoModelForMaskedLM")
    return folder


NT_CONFIG = '''"""Stand-in for the hub's esm_config.py (not public): transformers' EsmConfig with the
NT v2 key add_bias_fnn."""

from transformers import EsmConfig as _Esm


class EsmConfig(_Esm):
    def __init__(self, add_bias_fnn=True, **kwargs):
        super().__init__(**kwargs)
        self.add_bias_fnn = add_bias_fnn
'''

NT_MODELING = '''"""Stand-in for the hub's modeling_esm.py (not public): transformers' ESM whose feed-forward
is a SwiGLU projecting to twice the intermediate width, biases as config.add_bias_fnn."""

import torch
from torch import nn
from transformers.models.esm import modeling_esm as esm

from .esm_config import EsmConfig


class EsmIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=config.add_bias_fnn)

    def forward(self, hidden_states):
        x1, x2 = self.dense(hidden_states).chunk(2, dim=-1)
        return nn.functional.silu(x1) * x2


class EsmOutput(esm.EsmOutput):
    def __init__(self, config):
        super().__init__(config)
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size, bias=config.add_bias_fnn)


def _swiglu(model):
    for layer in model.esm.encoder.layer:
        layer.intermediate = EsmIntermediate(model.config)
        layer.output = EsmOutput(model.config)


class EsmForMaskedLM(esm.EsmForMaskedLM):
    config_class = EsmConfig

    def __init__(self, config):
        super().__init__(config)
        _swiglu(self)
        self.post_init()


class EsmForSequenceClassification(esm.EsmForSequenceClassification):
    config_class = EsmConfig

    def __init__(self, config):
        super().__init__(config)
        _swiglu(self)
        self.post_init()


class EsmForTokenClassification(esm.EsmForTokenClassification):
    config_class = EsmConfig

    def __init__(self, config):
        super().__init__(config)
        _swiglu(self)
        self.post_init()
'''


def _nt_tokenizer(folder: Path) -> None:
    (folder / "vocab.txt").write_text("\n".join(NT_VOCAB) + "\n")
    _write_json(
        folder / "tokenizer_config.json",
        {"tokenizer_class": "EsmTokenizer", "model_max_length": 1000},
    )
    _write_json(
        folder / "special_tokens_map.json",
        {"unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<cls>"},
    )


def _nt_config(**extra) -> dict:
    return {
        "vocab_size": len(NT_VOCAB),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "mask_token_id": 2,
        "pad_token_id": 1,
        "token_dropout": False,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "layer_norm_eps": 1e-12,
        **extra,
    }


def nt_v2(folder: Path) -> Path:
    """nucleotide-transformer-v2-*'s layout: esm_config.py + modeling_esm.py (stand-ins), an
    auto_map with no AutoModel entry, rotary positions, 6-mer EsmTokenizer."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "esm_config.py").write_text(NT_CONFIG)
    (folder / "modeling_esm.py").write_text(NT_MODELING)
    config = _nt_config(
        architectures=["EsmForMaskedLM"],
        auto_map={
            "AutoConfig": "esm_config.EsmConfig",
            "AutoModelForMaskedLM": "modeling_esm.EsmForMaskedLM",
            "AutoModelForSequenceClassification": "modeling_esm.EsmForSequenceClassification",
            "AutoModelForTokenClassification": "modeling_esm.EsmForTokenClassification",
        },
        add_bias_fnn=False,
        position_embedding_type="rotary",
        emb_layer_norm_before=False,
        max_position_embeddings=2050,
    )
    _write_json(folder / "config.json", config)
    _nt_tokenizer(folder)
    _save(folder, "AutoModelForMaskedLM")
    return folder


def nt_v1(folder: Path) -> Path:
    """nucleotide-transformer-500m-human-ref's layout: transformers' own EsmForMaskedLM
    (learned absolute positions, GELU feed-forward), no remote code."""
    from transformers import EsmConfig, EsmForMaskedLM

    folder.mkdir(parents=True, exist_ok=True)
    config = EsmConfig(
        **_nt_config(
            position_embedding_type="absolute",
            emb_layer_norm_before=False,
            max_position_embeddings=1002,
        )
    )
    torch.manual_seed(0)
    EsmForMaskedLM(config).save_pretrained(folder)
    _nt_tokenizer(folder)
    return folder


def gpt2_char(folder: Path) -> Path:
    """A decoder-only model with transformers' own classes (GPT-2) and a character tokenizer."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {t: i for i, t in enumerate(["<pad>", "<unk>", "<eos>", *"ACGTN"])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>"
    ).save_pretrained(folder)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(vocab), n_embd=16, n_layer=2, n_head=2, n_positions=512)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def cpu_mamba(monkeypatch) -> None:
    """Let mamba_ssm (installed without its CUDA extension) run on a CPU inside a test: its
    reference functions stand in for the CUDA selective scan and the Triton norms."""
    if "selective_scan_cuda" not in sys.modules:
        monkeypatch.setitem(
            sys.modules, "selective_scan_cuda", types.ModuleType("selective_scan_cuda")
        )
    from mamba_ssm.modules import mamba_simple
    from mamba_ssm.ops import selective_scan_interface as scan
    from mamba_ssm.ops.triton import layer_norm

    def rms_norm(
        x, weight, bias, residual=None, prenorm=False, residual_in_fp32=False, eps=1e-6, **_
    ):
        out = layer_norm.rms_norm_ref(
            x, weight, bias, residual=residual, eps=eps, prenorm=prenorm, upcast=True
        )
        return out

    def norm(x, weight, bias, residual=None, prenorm=False, residual_in_fp32=False, eps=1e-6, **_):
        return layer_norm.layer_norm_ref(
            x, weight, bias, residual=residual, eps=eps, prenorm=prenorm, upcast=True
        )

    from mamba_ssm.modules import block

    monkeypatch.setattr(block, "layer_norm_fn", norm)
    for module in (scan, mamba_simple):
        monkeypatch.setattr(module, "selective_scan_fn", scan.selective_scan_ref)
        monkeypatch.setattr(module, "mamba_inner_fn", scan.mamba_inner_ref)
    monkeypatch.setattr(layer_norm, "rms_norm_fn", rms_norm)
    monkeypatch.setattr(layer_norm, "layer_norm_fn", norm)
    for name, module in list(sys.modules.items()):  # an already imported modeling_caduceus
        if name.endswith("modeling_caduceus"):
            monkeypatch.setattr(module, "rms_norm_fn", rms_norm)
            monkeypatch.setattr(module, "layer_norm_fn", norm)
