"""The hf backbone on the models' real upstream code (../shared/hf-upstream), laid out as their
hub folders: every preset family runs the real CLI to an ``ok`` record in full, LoRA and
linear-probe modes; features never depend on batch-mates; LoRA adapters get gradients; ties
stay tied; and what cannot run here stops before any run with one line, exit 2.

The README's compatibility matrix is checked cell by cell against what these runs observe.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("peft")

README = Path(__file__).resolve().parents[2] / "README.md"
TASK = "gue/mouse_2"
SMOKE = ("-t", TASK, "--profile", "smoke", "--seeds", "0,", "finetune.max_train=48", "-q")
PRESETS = {  # family -> how a user names it (a preset pointed at the folder, or hf:<folder>)
    "dnabert2": "dnabert2",
    "nt-v2": "nt-v2-100m",
    "nt-v1": "nt-500m-human-ref",
    "hyenadna": "hyenadna-tiny",
    "caduceus": "caduceus-ph",
    "gpt2": None,  # decoder-only, transformers' own classes, no remote code: -m hf:<folder>
}
MODES = {
    "full": ("backbone.adapter=null",),
    "lora": ("backbone.adapter=lora", "backbone.lora_rank=2"),
    "linear-probe": ("backbone.adapter=null", "finetune.mode=linear-probe"),
}


def model_args(family: str, folder: Path) -> tuple[str, ...]:
    preset = PRESETS[family]
    return ("-m", f"hf:{folder}") if preset is None else ("-m", preset, f"backbone.model={folder}")


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def readme_matrix() -> dict[str, dict[str, str]]:
    """family -> column -> cell, from the README's compatibility matrix."""
    text = README.read_text()
    block = text.split("<!-- hf-matrix -->")[1]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[re.sub(r"`", "", cells[0]).split()[0]] = dict(zip(header, cells))
    return out


def onehot(seqs: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    from findna_bench import dna

    tokens, lengths = dna.encode(seqs)
    mask = torch.arange(tokens.shape[1])[None, :] < torch.from_numpy(lengths)[:, None]
    return dna.one_hot(torch.from_numpy(tokens)), mask


def build(catalog, folder: Path, **kwargs) -> torch.nn.Module:
    spec = {"use": "hf", "model": str(folder), "trust_remote_code": True, **kwargs}
    return catalog.build_backbone(spec, max_len=128)


@pytest.fixture()
def caduceus_on_cpu_if(request):
    """The CPU stand-ins for a test parametrized with the caduceus family."""
    if "caduceus" in request.node.name:
        request.getfixturevalue("caduceus_on_cpu")


# --- every family, every mode, through the real CLI


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("family", list(PRESETS))
def test_cli_runs_every_family_in_every_mode(
    cli, data_root, hub, caduceus_on_cpu_if, tmp_path, family, mode
):
    out = tmp_path / "r"
    args = ("run", *model_args(family, hub[family]), *SMOKE, *MODES[mode])
    result = cli(*args, "--data-root", data_root, "--results", out, "--device", "cpu")
    assert result.exit_code == 0, result.output
    (rec,) = records(out)
    assert rec["status"] == "ok" and rec["finetune_mode"] == mode
    facts = rec["backbone"]
    assert facts["family"] == ("generic" if family == "gpt2" else family)
    assert facts["weights_not_matching"] == [] and facts["padding"] == "right"
    if mode == "lora":
        assert facts["adapter"] == "lora" and facts["trainable_by_group"]
        assert all(k.startswith("lora ") for k in facts["trainable_by_group"])
    if family == "dnabert2":
        assert facts["attention"].startswith("pytorch") and facts["pooling"] == "cls"
    if family == "caduceus":
        assert facts["ties_restored"] > 0 and facts["batching"] == "by token length"
        assert ("mamba_path" in facts) == (mode == "lora")
    if family == "hyenadna":
        assert facts["pooling"] == "last" and facts["batching"] == "padded"
    row = readme_matrix()[family]  # the README says what was observed
    for column in ("loads", mode, *(("CPU",) if family != "caduceus" else ())):
        assert row[column].startswith("✓"), f"README matrix: {family} {column} is {row[column]!r}"


# --- a sequence's features do not depend on its batch-mates


@pytest.mark.parametrize("family", list(PRESETS))
def test_features_alone_equal_features_in_a_mixed_batch(catalog, hub, caduceus_on_cpu_if, family):
    from findna_bench.model import SequenceClassifier

    model = SequenceClassifier(build(catalog, hub[family]), 2).eval()
    batch = ["ACGTTGCAAC", "ACGTACGTACGTAACCGGTTAAGGCC", "TTGA", "ACGTACGTACGTAACCGGTTAAGGCC"]
    with torch.no_grad():
        mixed = model.features(*onehot(batch))
        for i, seq in enumerate(batch):
            alone = model.features(*onehot([seq]))[0]
            assert (alone - mixed[i]).abs().max().item() <= 1e-5, (family, seq)


# --- LoRA trains what the model runs


@pytest.mark.parametrize("family", list(PRESETS))
def test_every_lora_adapter_gets_a_gradient(catalog, hub, caduceus_on_cpu_if, family):
    from findna_bench.model import SequenceClassifier

    model = SequenceClassifier(build(catalog, hub[family], adapter="lora", lora_rank=2), 2)
    x, mask = onehot(["ACGTACGTAACC", "TTGCA"])
    torch.nn.functional.cross_entropy(model(x, mask), torch.tensor([0, 1])).backward()
    adapters = {
        n.split(".lora_B")[0]: p for n, p in model.backbone.named_parameters() if ".lora_B" in n
    }
    assert adapters
    dead = [n for n, p in adapters.items() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not dead


def test_lora_on_projections_mamba_never_calls_is_refused(
    cli, data_root, hub, caduceus_on_cpu, tmp_path
):
    args = (
        *model_args("caduceus", hub["caduceus"]), "backbone.adapter=lora",
        "backbone.lora_targets=[in_proj]", "--device", "cpu",
    )  # fmt: skip
    refused(cli, data_root, tmp_path, args, "never calls in_proj as modules")


# --- loading that cannot silently go wrong


def test_caduceus_forward_and_reverse_weights_stay_tied(catalog, hub, caduceus_on_cpu):
    net = build(catalog, hub["caduceus"])
    mixer = net.net.backbone.layers[0].mixer
    assert mixer.mamba_rev.in_proj.weight is mixer.mamba_fwd.in_proj.weight
    assert mixer.mamba_rev.out_proj.weight is mixer.mamba_fwd.out_proj.weight
    assert sum(p.numel() for p in net.parameters()) == 6064  # tied: 9,136 when untied
    assert net.describe()["ties_restored"] == 4


def test_nt_v2_loads_its_own_swiglu_code_not_transformers_esm(catalog, hub):
    net = build(catalog, hub["nt-v2"])
    dense = net.net.encoder.layer[0].intermediate.dense
    assert dense.out_features == 2 * net.net.config.intermediate_size and dense.bias is None
    assert net.describe()["loaded_as"] == "AutoModelForMaskedLM -> EsmModel"


def test_dnabert2_never_takes_its_triton_path(catalog, hub):
    pytest.importorskip("triton")  # CUDA builds of torch bring it; it sends the code to Triton
    net = build(catalog, hub["dnabert2"])
    hidden, _ = net(*onehot(["ACGTACGTAACCGGTT"]))
    assert hidden.shape[-1] == 32 and net.describe()["attention"].startswith("pytorch")


def test_missing_weights_stop_the_run_with_their_names(catalog, hub, tmp_path):
    from safetensors.torch import load_file, save_file

    from findna_bench.errors import ConfigError

    folder = tmp_path / "gpt2"
    shutil.copytree(hub["gpt2"], folder)
    weights = load_file(folder / "model.safetensors")
    del weights["transformer.h.1.mlp.c_fc.weight"]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(
        ConfigError, match=r"1 missing: transformer\.h\.1\.mlp\.c_fc\.weight.*strict_weights"
    ):
        build(catalog, folder)
    facts = build(catalog, folder, strict_weights=False).describe()
    assert facts["weights_not_matching"] == ["1 missing: transformer.h.1.mlp.c_fc.weight"]


# --- what cannot run here: one line, exit 2, before any run


def refused(cli, data_root: Path, tmp_path: Path, args: tuple, *needles: str) -> str:
    """``run`` with ``args`` stops before any run: exit 2, one line holding ``needles``."""
    out = tmp_path / "r"
    result = cli("run", *args, *SMOKE, "--data-root", data_root, "--results", out)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert all(n in lines[0] for n in needles), lines[0]
    assert not out.exists() or not records(out)
    return lines[0]


def test_caduceus_on_a_cpu_machine_is_refused_before_any_run(cli, data_root, hub, tmp_path):
    args = model_args("caduceus", hub["caduceus"])
    refused(cli, data_root, tmp_path, args, "caduceus", "needs a CUDA GPU")
    assert readme_matrix()["caduceus"]["CPU"].startswith("✗ needs CUDA")


def test_an_unsupported_transformers_is_refused_before_any_run(
    cli, catalog, data_root, hub, tmp_path, monkeypatch
):
    import importlib.metadata
    import sys

    package = catalog.get("backbone", "hf").factory.__module__.rsplit(".", 1)[0]
    real = importlib.metadata.version
    fake = lambda dist: "5.25.0" if dist == "transformers" else real(dist)  # noqa: E731
    monkeypatch.setattr(sys.modules[package + ".families"].importlib.metadata, "version", fake)
    args = model_args("dnabert2", hub["dnabert2"])
    refused(cli, data_root, tmp_path, args, "dnabert2", "needs transformers>=4.40,<5, found 5.25.0")


def test_ad_hoc_remote_code_without_trust_names_where_to_declare_it(cli, data_root, hub, tmp_path):
    args = ("-m", f"hf:{hub['hyenadna']}")
    refused(cli, data_root, tmp_path, args, "runs its own Python code", "registry.yaml")


def test_trust_is_never_taken_from_the_command_line(cli, data_root, hub, tmp_path):
    args = ("-m", f"hf:{hub['hyenadna']}", "backbone.trust_remote_code=true")
    refused(
        cli, data_root, tmp_path, args, "backbone.trust_remote_code", "never on the command line"
    )


def test_absent_weights_are_refused_before_any_run(cli, data_root, hub, tmp_path):
    folder = tmp_path / "nt"
    shutil.copytree(hub["nt-v1"], folder)
    (folder / "model.safetensors").unlink()
    refused(
        cli, data_root, tmp_path, model_args("nt-v1", folder), "no weights in", "model.safetensors"
    )


# --- recipes: a preset's optimizer recipe survives every profile


def test_a_presets_recipe_survives_the_smoke_profile_and_says_so(cli, data_root, hub):
    def plan(*model: str) -> dict:
        result = cli(
            "run", *model, "-t", TASK, "--profile", "smoke", "--data-root", data_root,
            "--dry-run", "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["runs"][0]

    bert, cnn = plan(*model_args("dnabert2", hub["dnabert2"])), plan("-m", "cnn")
    assert (bert["config"]["finetune"]["lr"], bert["config"]["finetune"]["batch_size"]) == (3e-5, 8)
    assert bert["config_sources"]["finetune.lr"] == "model dnabert2"
    assert bert["config_sources"]["finetune.epochs"] == "profile smoke"
    assert cnn["config"]["finetune"]["lr"] == 3e-3
    assert cnn["config_sources"]["finetune.lr"] == "profile smoke models.cnn"


def test_readme_matrix_names_the_tested_versions():
    import peft
    import transformers

    def major_minor(version: str) -> str:
        return ".".join(version.split("+")[0].split(".")[:2])

    versions = (transformers.__version__, peft.__version__, torch.__version__)
    line = "Tested with transformers {}, peft {}, torch {} (CPU)".format(
        *map(major_minor, versions)
    )
    assert line in " ".join(README.read_text().split())
