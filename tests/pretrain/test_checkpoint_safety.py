"""Checkpoints are data, never code: a crafted ``.pt`` given as ``--checkpoint`` or planted in
the shared cache runs nothing, a cached file whose sha256 is not the recorded one is refused, a
torn ``last.pt`` is one line, and checkpoints written before the RNG state became tensors still
load (README "Defaults", issue 21)."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch
from test_cli_inputs import one_line_error

from findna_bench.errors import ConfigError
from findna_bench.pretrain import cache, checkpoint

SMOKE = ["-t", "gue/mouse_3", "-p", "smoke", "--seeds", "0,", "-q"]


class Payload:
    """Unpickling this calls ``open(marker, "w")``: the marker exists iff the file ran code."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def crafted(path, marker) -> None:
    """A checkpoint-shaped file whose transfer weights are the payload."""
    torch.save({"transfer": Payload(marker), "recipe_hash": "x", "steps": 1}, path)


def findna_cache_entry(tmp_path, *overrides: str):
    """The folder ``run -m findna -p smoke OVERRIDES`` looks in for its pretrained weights."""
    from findna_bench.engine import Engine

    cfg = Engine().recipe("findna", "smoke", list(overrides))
    return cache.recipe_dir(tmp_path / "findna-cache", cfg["pretrain"])


def test_a_crafted_checkpoint_option_runs_no_code(cli, tmp_path, data_root):
    marker, evil = tmp_path / "pwned", tmp_path / "final.pt"
    crafted(evil, marker)
    args = ["run", "-m", "findna", *SMOKE, "--data-root", data_root, "--results", tmp_path / "r"]
    line = one_line_error(cli(*args, "--checkpoint", evil))
    assert not marker.exists()
    assert f"--checkpoint {evil} cannot be read as a checkpoint" in line
    assert "(it names io.open, which only code could rebuild; nothing was run)" in line


def test_a_crafted_cached_checkpoint_runs_no_code(cli, tmp_path, data_root):
    marker, folder = tmp_path / "pwned", findna_cache_entry(tmp_path)
    folder.mkdir(parents=True)
    crafted(folder / checkpoint.FINAL, marker)
    args = ["run", "-m", "findna", *SMOKE, "--data-root", data_root, "--results", tmp_path / "r"]
    result = cli(*args)
    assert not marker.exists()
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{folder / checkpoint.FINAL} cannot be read as a checkpoint" in result.output


def test_a_cached_checkpoint_changed_after_it_was_written_is_refused(cli, tmp_path, data_root):
    pre = ["pretrain", "-m", "findna", "-p", "smoke", "--data-root", data_root, "-q"]
    assert cli(*pre, "pretrain.steps=2").exit_code == 0
    final = findna_cache_entry(tmp_path, "pretrain.steps=2") / checkpoint.FINAL
    assert final.with_name("final.pt.sha256").read_text().endswith("  final.pt\n")
    state = torch.load(final, weights_only=True)
    state["transfer"] = {k: v + 1 for k, v in state["transfer"].items()}
    torch.save(state, final)  # swapped weights, the recorded sha256 left as it was
    args = ["run", "-m", "findna", *SMOKE, "--data-root", data_root, "--results", tmp_path / "r"]
    args += ["pretrain.steps=2"]
    result = cli(*args)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"{final}: sha256" in result.output and "delete both files" in result.output
    assert not list((tmp_path / "r").glob("*.json"))


def test_pretrain_resume_from_a_torn_last_pt_is_one_line(cli, tmp_path, data_root):
    folder = tmp_path / "ck"
    pre = ["pretrain", "-m", "findna", "-p", "smoke", "--data-root", data_root, "-q"]
    assert cli(*pre, "--checkpoint-dir", folder, "pretrain.steps=2").exit_code == 0
    last = folder / checkpoint.LAST
    last.write_bytes(last.read_bytes()[:1000])  # torn by a copy (last.pt records no sha256)
    result = cli(*pre, "--checkpoint-dir", folder, "--resume", "pretrain.steps=4")
    line = one_line_error(result)
    assert f"{last} cannot be read as a checkpoint" in line and "delete it" in line


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04torn", b"\x80\x02}q\x00"])
def test_an_empty_torn_or_foreign_file_is_one_line(tmp_path, content):
    path = tmp_path / "final.pt"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"final\.pt cannot be read as a checkpoint \(\w+"):
        checkpoint.load(path)


def test_a_checkpoint_with_a_numpy_rng_state_still_loads(tmp_path):
    """``last.pt`` files written before this version hold NumPy's state as an array."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    torch.save({"rng": state, "step": 3}, tmp_path / "last.pt")
    loaded = checkpoint.load(tmp_path / "last.pt")
    checkpoint.set_rng_state(loaded["rng"])
    expected = np.random.rand()
    checkpoint.set_rng_state(state)
    assert np.random.rand() == expected and loaded["step"] == 3


def test_rng_state_round_trips_as_tensors_and_files_take_the_umask(tmp_path):
    before = os.umask(0o022)
    try:
        path = checkpoint.save(tmp_path / "final.pt", {"rng": checkpoint.rng_state()})
    finally:
        os.umask(before)
    draws = (random.random(), np.random.rand(), torch.rand(1).item())
    checkpoint.set_rng_state(checkpoint.load(path)["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == draws
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert oct(checkpoint.digest_path(path).stat().st_mode & 0o777) == "0o644"


def test_a_damaged_checkpoint_or_digest_is_refused_by_its_sha256(tmp_path):
    path = checkpoint.save(tmp_path / "final.pt", {"transfer": {"w": torch.ones(3)}})
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ConfigError, match=r"recorded in final\.pt\.sha256"):
        checkpoint.load(path)
    checkpoint.digest_path(path).write_bytes(b"\xe9\xe9  final.pt\n")  # not even text
    with pytest.raises(ConfigError, match=r"recorded in final\.pt\.sha256"):
        checkpoint.load(path)
