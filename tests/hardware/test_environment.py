"""The environment block names the machine: CPU model (not just the architecture), threads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from findna_bench.hardware.environment import cpu_model, device_description

CPUINFO = Path("/proc/cpuinfo")


@pytest.mark.skipif(not CPUINFO.exists(), reason="no /proc/cpuinfo (not Linux)")
def test_cpu_device_names_the_cpu_model_from_cpuinfo():
    names = [
        line.split(":", 1)[1].strip()
        for line in CPUINFO.read_text().splitlines()
        if line.startswith("model name")
    ]
    described = device_description(torch.device("cpu"))
    assert cpu_model() == names[0] and described.startswith(f"cpu: {names[0]}, ")
    assert described.endswith(f"{torch.get_num_threads()} threads")
