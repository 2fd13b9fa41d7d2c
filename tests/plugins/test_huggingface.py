"""The hf backbone without downloads, on a model with no remote code: a tiny character-level
BERT (about 4.8k weights, transformers' own classes) and its tokenizer, saved to a temporary
folder, held to the backbone contract, fine-tuned through the real CLI in full, LoRA and
linear-probe modes, and used to test the length policy; the offline and missing-dependency
errors stop an invocation before any run. The upstream model families: test_hf_upstream.py."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("peft")

TASK = "gue/prom_core_tata"
SMOKE = ("-t", TASK, "--profile", "smoke", "--seeds", "2", "finetune.max_train=256")


def save_tiny_bert(folder: Path) -> Path:
    """A character-level BERT masked LM (hidden 16, 1 layer, 2 heads) and its tokenizer."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {t: i for i, t in enumerate([*specials, "A", "C", "G", "T", "N"])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    ).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
    )
    BertForMaskedLM(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return save_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def build(catalog, tiny: Path, **kwargs) -> torch.nn.Module:
    return catalog.build_backbone({"use": "hf", "model": str(tiny), **kwargs}, max_len=64)


def onehot(seqs: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    from findna_bench import dna

    tokens, lengths = dna.encode(seqs)
    mask = torch.arange(tokens.shape[1])[None, :] < torch.from_numpy(lengths)[:, None]
    return dna.one_hot(torch.from_numpy(tokens)), mask


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


# --- the backbone contract (test_backbone_contract.py leaves hf out: no seed makes its weights)


def test_contract_token_features_mask_backward(catalog, tiny):
    net = build(catalog, tiny).train()
    x, mask = onehot(["ACGTNACGTA", "GGC"])
    assert net.decode(x, mask) == ["ACGTNACGTA", "GGC"]
    hidden, token_mask = net(x, mask)
    # character tokens plus [CLS] and [SEP]; the mask covers the nucleotide tokens only
    assert hidden.shape == (2, 12, net.dim) and net.dim == 16
    assert token_mask.sum(1).tolist() == [10, 3] and not token_mask[:, 0].any()
    (hidden * token_mask[..., None]).pow(2).mean().backward()
    missing = [n for n, p in net.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"no gradient for {missing}"
    torch.manual_seed(3)
    again = build(catalog, tiny).train()
    torch.manual_seed(3)
    first = again(x, mask)[0]
    torch.manual_seed(3)
    assert torch.equal(first, again(x, mask)[0])


def test_classifier_pools_over_the_token_mask(catalog, tiny):
    from findna_bench.model import SequenceClassifier

    model = SequenceClassifier(build(catalog, tiny), 2).eval()
    x, mask = onehot(["ACGTAC", "AC"])
    with torch.no_grad():
        hidden, _ = model.backbone(x, mask)
        pooled = model.features(x, mask)
    assert torch.allclose(pooled[1], hidden[1, 1:3].mean(0), atol=1e-6)
    assert model(x, mask).shape == (2, 2)


def test_lora_trains_adapters_and_leaves_base_weights(catalog, tiny):
    from findna_bench.model import SequenceClassifier

    torch.manual_seed(0)
    model = SequenceClassifier(build(catalog, tiny, adapter="lora", lora_rank=2), 2)
    facts = model.backbone.describe()
    assert facts["adapter"] == "lora" and facts["trainable_parameters"] < facts["parameters"] / 4
    base = {n: p.detach().clone() for n, p in model.backbone.named_parameters() if "lora" not in n}
    lora = {n: p.detach().clone() for n, p in model.backbone.named_parameters() if "lora" in n}
    assert lora and all(
        p.requires_grad == ("lora" in n) for n, p in model.backbone.named_parameters()
    )
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    x, mask = onehot(["ACGTACGTAA", "TTGCA"])
    for _ in range(3):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x, mask), torch.tensor([0, 1])).backward()
        opt.step()
    after = dict(model.backbone.named_parameters())
    assert all(torch.equal(after[n], p) for n, p in base.items())
    assert any(not torch.equal(after[n], p) for n, p in lora.items())


# --- length policy: error stops, fix truncates and counts, never a silent cut


def test_too_long_errors_or_truncates_with_a_count(catalog, tiny):
    from findna_bench.errors import DataError

    x, mask = onehot(["ACGTACGTAC", "ACG", "TTTTTTTTTT"])
    with pytest.raises(
        DataError, match=r"12 tokens .* over its max_tokens 8; set backbone.too_long=fix"
    ):
        build(catalog, tiny, max_tokens=8)(x, mask)
    net = build(catalog, tiny, max_tokens=8, too_long="fix")
    hidden, token_mask = net(x, mask)
    assert hidden.shape[1] == 8 and token_mask.sum(1).tolist() == [6, 3, 6]
    net(x, mask)  # the same sequences again: counted once
    assert net.describe()["truncated_sequences"] == 2
    with pytest.warns(UserWarning, match="2 sequence"):
        build(catalog, tiny, max_tokens=8, too_long="warn")(x, mask)


def test_max_tokens_beyond_the_model_is_a_config_error(catalog, tiny):
    from findna_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="takes at most 128 tokens"):
        build(catalog, tiny, max_tokens=500)


# --- the real CLI, end to end on a GUE task


@pytest.mark.parametrize(
    ("mode", "extra"),
    [
        ("full", ()),
        ("lora", ("backbone.adapter=lora", "backbone.lora_rank=2")),
        ("linear-probe", ("finetune.mode=linear-probe",)),
    ],
)
def test_cli_runs_the_tiny_model(cli, data_root, tiny, tmp_path, mode, extra):
    out = tmp_path / "r"
    args = ("run", "-m", f"hf:{tiny}", *SMOKE, *extra, "--data-root", data_root, "-q")
    result = cli(*args, "--results", out)
    assert result.exit_code == 0, result.output
    recs = records(out)
    assert [r["status"] for r in recs] == ["ok", "ok"] and {r["seed"] for r in recs} == {0, 1}
    rec = recs[0]
    backbone = rec["config"]["backbone"]
    assert backbone["use"] == "hf" and backbone["model"] == str(tiny)
    assert backbone.get("adapter") == ("lora" if mode == "lora" else None)
    head = 16 * 2 + 2
    if mode == "full":
        assert rec["trainable_parameters"] == rec["parameters"]
    elif mode == "lora":
        assert head < rec["trainable_parameters"] < rec["parameters"] / 4
    else:
        assert rec["trainable_parameters"] == head
    assert rec["finetune_mode"] == mode  # LoRA runs get their own leaderboard row
    facts = rec["backbone"]  # what the record holds about the hub model
    assert facts["model"] == str(tiny) and facts["tokenizer"] and facts["too_long"]
    assert facts["adapter"] == ("lora" if mode == "lora" else None)


# --- offline and missing dependencies: exit 2 before any run


def test_model_absent_from_the_cache_stops_before_any_run(cli, data_root, tmp_path):
    out = tmp_path / "r"
    result = cli(
        "run", "-m", "hf:acme/no-such-dna-model", *SMOKE, "--data-root", data_root, "--results", out
    )
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "not in the local Hugging Face cache" in lines[0]
    assert "hf download acme/no-such-dna-model" in lines[0] and "HF_HOME" in lines[0]
    assert not out.exists() or not records(out)


def test_presets_validate_and_are_noted_when_absent(cli):
    result = cli("validate")
    assert result.exit_code == 0, result.output
    assert (
        "model 'dnabert2': model 'zhihan1996/DNABERT-2-117M' is not in the local" in result.output
    )


def test_missing_transformers_names_the_extra(catalog, monkeypatch, tiny):
    package = catalog.get("backbone", "hf").factory.__module__.rsplit(".", 1)[0]
    monkeypatch.setattr(sys.modules[package + ".source"], "installed", lambda name: False)
    check = catalog.get("backbone", "hf").factory.check_available
    assert check(model=str(tiny)) == [
        "the hf backbone needs transformers and peft: pip install 'findna-bench[hf]'"
    ]


def test_help_and_validate_do_not_import_transformers():
    code = (
        "import sys; from findna_bench.cli import make_app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(make_app(), ['validate']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('transformers', 'peft')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_factory_signature_is_keyword_only_with_defaults(catalog):
    params = inspect.signature(catalog.get("backbone", "hf").factory).parameters.values()
    assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in params)
