"""The code fingerprint covers every engine module the fine-tuning loop and model are made of.

A module that ``train.py`` or ``model.py`` imports from the package changes the numbers a run
produces (budgets, accumulation, encoding), so it must be hashed into the fingerprint; only the
error types are exempt. A new engine module left out of ``ENGINE`` fails here.
"""

from __future__ import annotations

import ast

from findna_bench.fingerprint import ENGINE, PACKAGE_DIR

EXEMPT = {"errors.py", "types.py"}  # exceptions and Protocols: they shape no number


def package_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE_DIR / module).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("findna_bench"):
            parts = node.module.split(".")[1:]
            names = [parts] if parts else [[alias.name] for alias in node.names]
            for path in names:
                if (PACKAGE_DIR.joinpath(*path).with_suffix(".py")).exists():
                    found.add("/".join(path) + ".py")
    return found


def test_every_module_of_the_training_path_is_fingerprinted():
    for module in ("run/train.py", "model.py"):
        missing = package_imports(module) - set(ENGINE) - EXEMPT
        assert not missing, f"{module} imports {sorted(missing)}, absent from fingerprint.ENGINE"


def test_the_training_loop_modules_are_listed():
    assert {"run/train.py", "run/budget.py", "run/accumulate.py", "dna.py"} <= set(ENGINE)
