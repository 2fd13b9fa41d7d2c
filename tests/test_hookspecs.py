"""Every hook is documented in its docstring and in the README's hook reference."""

from __future__ import annotations

import inspect
from pathlib import Path

from findna_bench import hookspecs

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
HOOKS = [
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "findna_bench_spec")
]


def test_there_are_registration_and_lifecycle_hooks():
    assert {
        "register_backbones",
        "register_augmentations",
        "register_objectives",
        "register_tasks",
        "register_metrics",
        "register_commands",
        "on_run_start",
        "on_train_step",
        "on_evaluate",
        "on_run_end",
    } <= set(HOOKS)


def test_every_hook_has_a_docstring_and_a_readme_heading():
    for name in HOOKS:
        assert "Args:" in (getattr(hookspecs, name).__doc__ or ""), name
        assert f"### `{name}`" in README, f"README lacks a '### `{name}`' heading"


def signature(name: str) -> str:
    """``name(arg: Type, ...) -> None`` exactly as hookspecs.py declares it."""
    sig = inspect.signature(getattr(hookspecs, name))
    args = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({args}) -> {sig.return_annotation}"


def test_every_readme_hook_heading_shows_the_exact_signature():
    for name in HOOKS:
        section = README.split(f"### `{name}`", 1)[1].split("\n#", 1)[0]
        assert f"`{signature(name)}`" in section, (
            f"README's {name} section lacks `{signature(name)}`"
        )
