"""The component index behind ``findna-bench list``: torch-free once written, rebuilt on any code
change to a plugin, never trusted when unreadable."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LIST_AND_MODULES = (
    "import sys; from findna_bench.cli import make_app; from typer.testing import CliRunner; "
    "r = CliRunner().invoke(make_app(), sys.argv[1:]); assert r.exit_code == 0, r.output; "
    "print(r.output); "
    "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'pandas'}))"
)


def list_in_new_process(*args: str) -> tuple[str, str]:
    """(output, heavy modules imported) of ``findna-bench <args>`` in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", LIST_AND_MODULES, *args], capture_output=True, text=True, check=True
    )
    body, _, modules = out.stdout.rstrip().rpartition("\n")
    return body, modules


def toy_registry(folder: Path, description: str) -> Path:
    """A registry used alone, with one torch-free plugin registering backbone 'toy'."""
    (folder / "toy_plugin.py").write_text(
        textwrap.dedent(f"""
        from findna_bench import hookimpl

        def toy(**options):
            return None

        @hookimpl
        def register_backbones(register):
            register("toy", toy, description={description!r})
        """)
    )
    registry = folder / "registry.yaml"
    registry.write_text("version: 1\nextends: false\nplugins: [toy_plugin.py]\n")
    return registry


def test_second_list_reads_the_index_without_torch():
    first, first_modules = list_in_new_process("list")
    assert first_modules == "['torch']"  # the plugins were imported to build the index
    second, second_modules = list_in_new_process("list")
    assert second_modules == "[]"
    assert second == first
    for expected in ("convnova", "gue/tf_0", "self-distill", "mcc", "findna", "cpu"):
        assert expected in second


def test_an_edited_plugin_rebuilds_the_index(tmp_path):
    registry = toy_registry(tmp_path, "first version")
    assert "first version" in list_in_new_process("--registry", str(registry), "list")[0]
    toy_registry(tmp_path, "second version")
    listing = list_in_new_process("--registry", str(registry), "list", "backbones")[0]
    assert "second version" in listing and "first version" not in listing


@pytest.mark.parametrize("content", ["", "{not json", '{"other": 1}'])
def test_an_unreadable_index_is_rebuilt(tmp_path, content):
    registry = toy_registry(tmp_path, "toy backbone")
    list_in_new_process("--registry", str(registry), "list", "backbones")
    (index,) = (Path(p) for p in Path(tmp_path / "findna-cache" / "catalog").glob("*.json"))
    index.write_text(content)
    assert "toy backbone" in list_in_new_process("--registry", str(registry), "list")[0]
    assert "components" in index.read_text()


def test_the_key_follows_installed_packages_and_plugin_switches(monkeypatch):
    from types import SimpleNamespace

    from findna_bench import catalog_index

    before = catalog_index.index_key([], entrypoints=False)
    real = catalog_index.importlib.metadata.distributions
    extra = SimpleNamespace(name="some-plugin-dependency", version="1.0")
    monkeypatch.setattr(catalog_index.importlib.metadata, "distributions", lambda: [*real(), extra])
    with_package = catalog_index.index_key([], entrypoints=False)
    monkeypatch.setenv("FINDNA_BENCH_DISABLE_PLUGINS", "gue")
    assert len({before, with_package, catalog_index.index_key([], entrypoints=False)}) == 3
