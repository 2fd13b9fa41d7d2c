"""Golden numerics: each registered component, and the engine's training and pretraining paths,
computes pinned numbers on fixed inputs under its declared version (``identity.py``).

A change that moves the numbers without bumping the version fails here (a cell would silently
mix two computations); a refactor that keeps them passes and keeps every cell. After a
deliberate change: bump the component's ``version=`` and record its numbers with
``FINDNA_BENCH_UPDATE_GOLDEN=1 pytest tests/golden`` (only keys that are missing are written;
a changed number under an existing version is never overwritten).

Fixed inputs, seeds and one thread; numbers compared with a relative tolerance of 1e-4, which
holds across x86 machines of the project's kind (float summation order differs in the last
bits between kernel paths).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

GOLDEN = Path(__file__).with_name("golden.json")
UPDATE = os.environ.get("FINDNA_BENCH_UPDATE_GOLDEN") == "1"
RTOL = 1e-4
SMALL_BACKBONES = {  # tiny sizes of each first-party backbone (the smoke profile's, or smaller)
    "cnn": {"embed_dim": 16},
    "dilated-cnn": {"dim": 16},
    "transformer": {"dim": 16, "heads": 2, "layers": 1, "ff": 32},
    "convnova": {"dim": 8, "kernel_size": 5},
    "chordmixer": {"dim": 8, "track_size": 2, "hidden": 8, "blocks": 1},
}
FROM_FILES = {"hf"}  # its numbers are the loaded model's: tests/plugins/test_hf_upstream.py
VIEWS = {
    "student": [
        {"use": "mask", "rate": 0.3},
        {"use": "noise", "sigma": 0.2},
        {"use": "reverse-complement"},
    ],
    "teacher": [{"use": "deletion"}, {"use": "insertion"}, {"use": "translocation"}],
}


def golden() -> dict:
    return json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}


def check(key: str, numbers: dict[str, float]) -> None:
    """``numbers`` equal the pinned ones of ``key`` (``kind:name@version``)."""
    pinned = golden()
    if key not in pinned:
        if UPDATE:
            pinned[key] = numbers
            GOLDEN.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")
            return
        pytest.fail(
            f"no golden numbers for {key}: a new component or version? record them with "
            "FINDNA_BENCH_UPDATE_GOLDEN=1 pytest tests/golden"
        )
    for name, value in pinned[key].items():
        got = numbers[name]
        assert math.isclose(got, value, rel_tol=RTOL, abs_tol=1e-6), (
            f"{key}: {name} is {got!r}, pinned {value!r}; its numbers changed: bump its version"
        )


def key(catalog, kind: str, name: str) -> str:
    from findna_bench.identity import ENGINE_VERSIONS

    if kind == "engine":
        return f"engine:{name}@{ENGINE_VERSIONS[name]}"
    version = catalog.get(kind, name).version
    assert version, f"first-party {kind} {name} declares no version"
    return f"{kind}:{name}@{version}"


def onehot_batch(seed: int = 0, b: int = 2, length: int = 24) -> tuple[torch.Tensor, ...]:
    from findna_bench import dna

    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, 5, (b, length), generator=g)
    tokens[1, length - 6 :] = dna.PAD  # a shorter second row: padding is part of the contract
    mask = tokens != dna.PAD
    return dna.one_hot(tokens), mask


def stats(t: torch.Tensor) -> dict[str, float]:
    t = t.detach().double()
    return {
        "sum": float(t.sum()),
        "abs_mean": float(t.abs().mean()),
        "first": float(t.flatten()[0]),
    }


def names(catalog, kind: str) -> list[str]:
    return [n for n in catalog.names(kind) if n not in FROM_FILES]


def pytest_generate_tests(metafunc):
    if "component" in metafunc.fixturenames:
        from findna_bench.catalog import Catalog
        from findna_bench.plugins import make_plugin_manager
        from findna_bench.registry import load_registry

        reg = load_registry(Path(__file__).resolve().parents[2] / "registry.yaml")
        pm = make_plugin_manager(plugin_paths=reg.plugins, root=reg.root, entrypoints=False)
        cat = Catalog.from_plugin_manager(pm)
        kinds = ("backbone", "augmentation", "metric", "objective")
        params = [(k, n) for k in kinds for n in names(cat, k)]
        metafunc.parametrize("component", params, ids=[f"{k}:{n}" for k, n in params])


def test_component_numerics_match_their_version(catalog, component):
    kind, name = component
    check(key(catalog, kind, name), PROBES[kind](catalog, name))


def probe_backbone(catalog, name: str) -> dict[str, float]:
    torch.manual_seed(0)
    net = catalog.build_backbone({"use": name, **SMALL_BACKBONES[name]}, max_len=24)
    x, mask = onehot_batch()
    out = net(x, mask)
    out = out[0] if isinstance(out, tuple) else out
    before = stats(out)
    torch.optim.SGD(net.parameters(), lr=0.1).zero_grad()
    out.pow(2).mean().backward()
    with torch.no_grad():
        for p in net.parameters():
            if p.grad is not None:
                p -= 0.1 * p.grad
    after = net(x, mask)
    after = after[0] if isinstance(after, tuple) else after
    return {**before, "after_step_sum": float(after.detach().double().sum())}


def probe_augmentation(catalog, name: str) -> dict[str, float]:
    from findna_bench.pretrain.view import View

    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 5, (3, 40), generator=g)
    view = catalog.get("augmentation", name).factory(
        View.from_tokens(tokens), generator=torch.Generator().manual_seed(1)
    )
    where = torch.arange(40, dtype=torch.float64).view(1, 40, 1) * torch.arange(1.0, 6.0).double()
    return {
        "x": float(view.x.double().sum()),
        "x_by_position_and_base": float((view.x.double() * where).sum()),
        "mask": float(view.mask.sum()),
        "target_by_position": float((view.target.double() * where[..., 0]).sum()),
        "masked": float(view.masked.sum()),
    }


def probe_metric(catalog, name: str) -> dict[str, float]:
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 200)
    y_score = rng.dirichlet(np.ones(3), 200)
    y_score[np.arange(200), y_true] += 0.3
    y_score /= y_score.sum(1, keepdims=True)
    return {"value": float(catalog.metric(name).fn(y_true, y_score.argmax(1), y_score))}


def probe_objective(catalog, name: str) -> dict[str, float]:
    from findna_bench.pretrain.view import build_views

    torch.manual_seed(0)
    backbone = catalog.get("backbone", "chordmixer").factory(
        track_size=2, hidden=8, blocks=1, dim=8, max_len=42
    )
    objective = catalog.get("objective", name).factory(backbone, views=build_views(catalog, VIEWS))

    def batch() -> dict:
        g = torch.Generator().manual_seed(0)
        return {
            "tokens": torch.randint(0, 5, (4, 32), generator=g),
            "ids": torch.arange(4),
            "rows": slice(0, 4),
            "seed": 0,
            "generator": torch.Generator().manual_seed(1),
        }

    first = objective(batch())["loss"]
    first.backward()
    with torch.no_grad():
        for p in objective.parameters():
            if p.grad is not None:
                p -= 0.1 * p.grad
    return {"loss": float(first.detach()), "after_step_loss": float(objective(batch())["loss"])}


PROBES = {
    "backbone": probe_backbone,
    "augmentation": probe_augmentation,
    "metric": probe_metric,
    "objective": probe_objective,
}


def test_every_first_party_backbone_has_a_probe_size(catalog):
    assert set(names(catalog, "backbone")) == set(SMALL_BACKBONES)


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "cpu_amp"])
def test_engine_training_path_matches_its_version(cli, catalog, data_root, tmp_path, precision):
    """The fine-tuning path in fp32 and under ``finetune.cpu_amp`` (bf16 autocast on a CPU):
    both are the engine's training version; the bf16 path is pinned under its own key."""
    out = tmp_path / "r"
    extra = ["finetune.cpu_amp=true"] if precision == "cpu_amp" else []
    result = cli(
        "run", "-m", "cnn", "-t", "gue/mouse_2", "--profile", "smoke", "--seeds", "0,",
        "finetune.max_train=1024", "--data-root", data_root, "--results", out, "-q",
        "--device", "cpu", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(p.read_text()) for p in out.glob("*.json")]
    numbers = {f"test_{k}": v for k, v in record["metrics"]["test"].items()}
    numbers["best_step"] = float(record["best_step"])
    numbers["dev_auroc_sum"] = float(sum(point["auroc"] for point in record["curve"]))
    suffix = "" if precision == "fp32" else "+cpu_amp"
    check(key(catalog, "engine", "training") + suffix, numbers)


@pytest.mark.slow
def test_engine_pretraining_path_matches_its_version(catalog, data_root, tmp_path, registry):
    from findna_bench.pretrain.loop import pretrain
    from findna_bench.run.config import resolve

    recipe = resolve(registry, "findna", "pretrain", "smoke")["pretrain"]
    result = pretrain(
        recipe,
        catalog=catalog,
        data_root=data_root,
        device=torch.device("cpu"),
        cache_dir=tmp_path / "cache",
        resume=False,
        stop_at=10,
    )
    last = result.curve[-1]
    numbers = {k: float(v) for k, v in last.items() if isinstance(v, (int, float)) and k != "lr"}
    check(key(catalog, "engine", "pretraining"), numbers)
