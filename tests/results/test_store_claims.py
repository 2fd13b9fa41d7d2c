"""Concurrent writers on one results folder: atomic claims, stale locks, no double writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from findna_bench.results.locks import Claim
from findna_bench.results.store import ResultsStore


def _ok(run_id: str = "m__t__seed0__abc") -> dict:
    return {
        "run_id": run_id,
        "status": "ok",
        "model": "m",
        "task": "t",
        "seed": 0,
        "code": {"fingerprint": "f00d"},
    }


def test_a_record_written_twice_is_kept_once_without_raising(tmp_path):
    store = ResultsStore(tmp_path)
    first = store.write(_ok())
    second = store.write({**_ok(), "note": "the loser"})
    assert first.written and not second.written and second.path == first.path
    assert "note" not in json.loads(first.path.read_text())
    rerun = store.write({**_ok(), "note": "asked for"}, rerun=True)
    assert rerun.written and ".rerun-" in rerun.path.name
    assert len(store.success_files("m__t__seed0__abc", "f00d")) == 2


def test_ctrl_c_mid_write_leaves_no_file_and_a_lost_race_no_temp_file(tmp_path, monkeypatch):
    import findna_bench.results.store as store_module

    store = ResultsStore(tmp_path)
    store.write(_ok())  # the race's winner
    store.write({**_ok(), "note": "the loser"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m__t__seed0__abc__code-f00d.json"]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module.json, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):  # the interrupt goes on up; only the temp file goes
        store.write(_ok("m__t__seed1__abc"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m__t__seed0__abc__code-f00d.json"]


def test_a_claim_is_exclusive_until_released(tmp_path):
    store = ResultsStore(tmp_path)
    claim = store.claim("k")
    assert isinstance(claim, Claim)
    holder = store.claim("k")
    assert holder["pid"] == os.getpid() and holder["host"]
    claim.release()
    assert isinstance(store.claim("k"), Claim)


def test_a_stale_lock_is_taken_over_with_a_message(tmp_path):
    store = ResultsStore(tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    import socket

    (tmp_path / "k.lock").write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "time": time.time()})
    )
    said: list[str] = []
    assert isinstance(store.claim("k", notify=said.append), Claim)
    assert "took over the stale lock k.lock" in said[0] and "is gone" in said[0]
    old = tmp_path / "old.lock"  # held elsewhere, its last heartbeat 90 s ago
    old.write_text(json.dumps({"pid": 1, "host": "elsewhere", "time": time.time() - 3600}))
    os.utime(old, (time.time() - 90,) * 2)
    assert isinstance(store.claim("old", max_age=60, notify=said.append), Claim)
    assert "no heartbeat for 90s, more than FINDNA_BENCH_LOCK_MAX_AGE=60s" in said[1]


def test_two_processes_on_one_folder_run_each_cell_once(toy):
    args = toy.args("-q")
    args[args.index("0,")] = "0,1,2,3"
    cmd = [sys.executable, "-m", "findna_bench", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    names = sorted(p.name for p in toy.results.iterdir())
    assert len([n for n in names if n.endswith(".json")]) == 4, names  # one record per cell
    assert not [n for n in names if ".failed-" in n or n.endswith(".lock") or ".rerun-" in n], names
    assert "Traceback" not in outs[0][1] + outs[1][1]


def test_a_claim_killed_while_writing_its_lock_leaves_no_empty_lock(tmp_path, monkeypatch):
    import json as json_module

    from findna_bench.results.store import ResultsStore

    store = ResultsStore(tmp_path)

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt  # the process dies between creating and filling its claim

    monkeypatch.setattr(json_module, "dump", killed)
    with pytest.raises(KeyboardInterrupt):
        store.claim("m__t__seed0__abc")
    assert not list(tmp_path.iterdir())  # no lock, empty or not, and no temp file
