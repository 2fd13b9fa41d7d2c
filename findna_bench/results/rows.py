"""Leaderboard rows: which row a record belongs to (pure functions of records).

A row is a model with its fine-tuning mode, and its profile when several are present
(``row_label``). When one model has several resolved configs or code versions on a task, each
gets its own row labelled by what differs (``cnn [finetune.lr=1e-06]``, ``cnn [code 1a2b3c]``),
so a cell never pools different runs (``row_labels``). Aggregation lives in ``leaderboard``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from findna_bench.config_keys import identity_view


def row_label(record: dict, several_profiles: bool) -> str:
    label = record["model"]
    mode = record.get("finetune_mode") or (record.get("config") or {}).get("finetune", {}).get(
        "mode", "full"
    )
    if mode and mode != "full":
        label += f" [{mode}]"
    if several_profiles:
        label += f" @{record.get('profile')}"
    return label


def _flat(obj: object, prefix: str = "") -> dict[str, object]:
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for key, value in obj.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out or {prefix[:-1]: {}} if prefix else out
    return {prefix[:-1]: obj}


def _show(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _code_files(record: dict) -> dict[str, str] | None:
    """What identifies the record's computation: component versions, data and weights digests
    (``identity.py``); a record made before identities: its source files' digests."""
    code = record.get("code")
    if not isinstance(code, dict):
        return None
    if "versions" in code:
        return {
            **{f"code {k}": v for k, v in code["versions"].items()},
            **{f"data {k}": v for k, v in (code.get("data") or {}).items()},
            "weights": code.get("weights")
            or (record.get("pretrained") or {}).get("weights_sha256"),
        }
    return {**(code.get("files") or {}), "version": code.get("version")}


def _identity(config: object) -> object:
    """The config as run ids see it (keys added later, at their default, left out)."""
    return identity_view(config) if isinstance(config, dict) else config


def _config_id(record: dict) -> str:
    return json.dumps(_identity(record.get("config")), sort_keys=True, default=str)


def _differing(dicts: list[dict | None]) -> set[str]:
    present = [d for d in dicts if d is not None]
    keys = {k for d in present for k in d}
    return {
        k for k in keys if len({json.dumps(d.get(k, "<unset>"), default=str) for d in present}) > 1
    }


def _kind(key: str) -> str:
    """``code``, ``data`` or ``weights`` for a key of ``_code_files`` (legacy: file names)."""
    head = key.split(" ")[0]
    return head if head in ("code", "data") and " " in key else key if key == "weights" else "code"


def _code_label(files: dict | None, varying: set[str]) -> str:
    """``code 1a2b3c``, ``data 1a2b3c`` or ``weights 1a2b3c``: what differs, and a short hash
    of this record's values of it."""
    if files is None:
        return "code unrecorded"
    what = "+".join(sorted({_kind(k) for k in varying}) or ["code"])
    subset = json.dumps({k: files.get(k) for k in sorted(varying)}, default=str)
    return f"{what} {hashlib.sha256(subset.encode()).hexdigest()[:6]}"


def variants(records: list[dict], bases: list[str]) -> list[str]:
    """Per record, its base label plus ``[what differs]`` when its model has several groups."""
    by_cell: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (record, base) in enumerate(zip(records, bases)):
        by_cell[(base, record["task"])].append(i)
    keys: dict[str, set[str]] = defaultdict(set)
    files: dict[str, set[str]] = defaultdict(set)
    code_varies: dict[str, bool] = defaultdict(bool)
    for (base, _), idx in by_cell.items():
        configs = {_config_id(records[i]): _identity(records[i].get("config")) for i in idx}
        if len(configs) > 1:
            keys[base] |= _differing(
                [_flat(c) if isinstance(c, dict) else {"config": c} for c in configs.values()]
            )
        codes = {
            json.dumps(_code_files(records[i]), sort_keys=True): _code_files(records[i])
            for i in idx
        }
        if len(codes) > 1:
            code_varies[base] = True
            files[base] |= _differing(list(codes.values()))
    out = []
    for record, base in zip(records, bases):
        config = _identity(record.get("config"))
        flat = _flat(config) if isinstance(config, dict) else {}
        parts = [f"{k}={_show(flat.get(k, 'unset'))}" for k in sorted(keys[base])]
        if code_varies[base]:
            parts.append(_code_label(_code_files(record), files[base]))
        out.append(f"{base} [{', '.join(parts)}]" if parts else base)
    return out


def base_labels(records: list[dict]) -> list[str]:
    several = len({r.get("profile") for r in records}) > 1
    return [row_label(r, several) for r in records]


def row_labels(records: list[dict]) -> list[str]:
    """The leaderboard row of each record: model, mode, profile, and what differs if needed."""
    return variants(records, base_labels(records))
