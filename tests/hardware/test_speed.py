"""``findna-bench speed`` and findna_bench.hardware.speed: analytic MAC counts, memory probe, GEMM
rate, ratios, out-of-memory rows, and the isolated worker."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from findna_bench.hardware import speed
from findna_bench.model import SequenceClassifier


def test_macs_match_the_analytic_count_for_chordmixer_and_attention(catalog):
    cm = catalog.get("backbone", "chordmixer").factory(track_size=2, hidden=8, blocks=2, max_len=64)
    got = speed.measure(
        SequenceClassifier(cm, 2),
        length=64,
        batch_size=2,
        device=torch.device("cpu"),
        steps=1,
        warmup=0,
    )
    d = 7 * 2  # ceil(log2 64) + 1 = 7 tracks of 2
    assert got["macs_per_seq"] == 64 * (5 * d + 2 * 6 * 2 * d * 8) + d * 2  # embed, 12 layers, head

    tf = catalog.get("backbone", "transformer").factory(
        dim=16, heads=2, layers=1, ff=32, max_len=64
    )
    got = speed.measure(
        SequenceClassifier(tf, 2),
        length=64,
        batch_size=1,
        device=torch.device("cpu"),
        steps=1,
        warmup=0,
    )
    per_token = 5 * 16 + 16 * 48 + 16 * 16 + 16 * 32 + 32 * 16  # embed, qkv, out, ff
    attention = 2 * 64 * 64 * 16  # QK^T and AV over all heads
    assert got["macs_per_seq"] == 64 * per_token + attention + 16 * 2
    assert (
        got["train_gflops"] > 0
        and got["train_tokens_per_s"] > 0
        and got["params"] == sum(p.numel() for p in tf.parameters())
    )


def test_cpu_memory_probe_sees_a_fresh_allocation():
    # in a fresh process, as `speed` measures by default: a long-lived one may serve the block
    # from memory freed earlier that is still resident, so its peak would not move
    code = (
        "import torch; from findna_bench.hardware import speed\n"
        "probe = speed.MemoryProbe(torch.device('cpu')); probe.start()\n"
        "block = torch.ones(64 * 1024**2 // 4)  # 64 MiB, touched\n"
        "print(probe.peak_bytes())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(done.stdout.strip()) >= 56 * 1024**2


def test_gemm_rate_is_positive_and_finite():
    rate = speed.gemm_rate(torch.device("cpu"), n=128, repeats=2)
    assert 0 < rate < 1e6


def quick_speed(cli, out, *args):
    """``findna-bench speed`` on the smoke profile: one timed step, no warm-up, in this process, on CPU."""
    fast = ("-p", "smoke", "--steps", "1", "--warmup", "0", "--no-isolate", "--device", "cpu")
    return cli("speed", *args, *fast, "--json", out)


def test_profile_command_table_json_and_ratios(cli, tmp_path):
    out = tmp_path / "p.json"
    result = quick_speed(cli, out, "--model", "chordmixer,cnn", "--length", "64,128")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    rows = report["results"]
    assert [(r["model"], r["length"], r["status"]) for r in rows] == [
        ("chordmixer", 64, "ok"),
        ("chordmixer", 128, "ok"),
        ("cnn", 64, "ok"),
        ("cnn", 128, "ok"),
    ]
    assert rows[0]["vs_first"]["train_tokens_per_s"] == 1.0
    assert rows[1]["macs_per_seq"] > 2 * rows[0]["macs_per_seq"]  # one more layer per encoder
    assert rows[3]["macs_per_seq"] == 2 * rows[2]["macs_per_seq"] - 4 * 2  # CNN: linear (head once)
    assert report["gemm"]["gflops"] > 0 and rows[0]["train_fraction_of_gemm"] > 0
    assert "GEMM" in result.output and "chordmixer" in result.output


def test_paths_side_by_side_compare_each_path_with_the_first(cli, tmp_path):
    out = tmp_path / "p.json"
    result = quick_speed(cli, out, "-m", "convnova", "-L", "64", "--paths", "fp32,bf16")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    fp32, bf16 = report["results"]
    assert (fp32["path"], bf16["path"]) == ("fp32", "bf16")
    assert fp32["vs_first"]["train_tokens_per_s"] == 1.0
    ratio = bf16["train_tokens_per_s"] / fp32["train_tokens_per_s"]
    assert bf16["vs_first"]["train_tokens_per_s"] == pytest.approx(ratio)
    rates = {g["dtype"]: g["gflops"] for g in report["gemm_by_dtype"]}
    assert set(rates) == {"float32", "bfloat16"}
    # each row's share of the GEMM rate is of its own dtype's rate
    assert bf16["train_fraction_of_gemm"] == pytest.approx(bf16["train_gflops"] / rates["bfloat16"])
    assert fp32["macs_per_seq"] == bf16["macs_per_seq"]
    assert "ratios vs path fp32" in result.output


def test_unknown_or_repeated_path_exits_2(cli):
    for paths in ("fp16", "fp32,fp32"):
        result = cli("speed", "-m", "cnn", "-L", "64", "--paths", paths)
        assert result.exit_code == 2 and "--paths" in result.output, result.output


def test_out_of_memory_is_a_table_row_not_a_crash(cli, monkeypatch, tmp_path):
    real = speed.measure

    def measure(net, *, length, **kw):
        if length > 64:
            raise RuntimeError(
                "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 TB"
            )
        return real(net, length=length, **kw)

    monkeypatch.setattr(speed, "measure", measure)
    out = tmp_path / "p.json"
    result = quick_speed(cli, out, "-m", "cnn", "-L", "64,4096")
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in json.loads(out.read_text())["results"]] == ["ok", "oom"]
    assert "oom" in result.output, result.output


def test_bad_options_exit_2(cli):
    assert cli("speed", "--model", "chordmixr", "--length", "64").exit_code == 2
    assert cli("speed", "--model", "cnn", "--length", "sixty").exit_code == 2


@pytest.mark.slow
def test_isolated_worker_runs_in_a_fresh_process(registry):
    request = {
        "registry": str(registry.path),
        "model": "chordmixer",
        "profile": "smoke",
        "length": 256,
        "batch_size": 2,
        "device": "cpu",
        "steps": 1,
        "warmup": 0,
        "amp": False,
    }
    row = speed.measure_isolated(request, timeout=300)
    assert row["status"] == "ok" and row["train_peak_bytes"] > 0 and row["length"] == 256


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_measurement_uses_the_allocator_peak_and_bf16(catalog):
    cm = catalog.get("backbone", "chordmixer").factory(
        track_size=8, hidden=64, blocks=2, max_len=4096
    )
    got = speed.measure(
        SequenceClassifier(cm, 2),
        length=4096,
        batch_size=4,
        device=torch.device("cuda"),
        steps=2,
        warmup=1,
        amp=True,
    )
    assert got["train_peak_bytes"] > got["infer_peak_bytes"] > 0
    assert got["train_tokens_per_s"] > 0 and got["macs_per_seq"] > 0
    assert speed.gemm_rate(torch.device("cuda"), dtype=torch.bfloat16, n=4096) > 1000
