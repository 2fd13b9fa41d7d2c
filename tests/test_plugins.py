"""Plugin loading: order, contract errors, collisions, by-path plugins, entry points, env vars."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from findna_bench import hookimpl
from findna_bench.catalog import Catalog
from findna_bench.errors import PluginError, UnknownName
from findna_bench.plugins import make_plugin_manager

FIXTURES = Path(__file__).parent / "fixtures" / "plugins"
REPO = Path(__file__).resolve().parents[1]


def test_misspelt_hook_is_an_error_naming_the_plugin():
    with pytest.raises(PluginError, match=r"typo_hook.*register_backbone"):
        make_plugin_manager(plugin_paths=[FIXTURES / "typo_hook.py"], entrypoints=False)


def test_hook_with_unknown_argument_is_an_error_naming_the_plugin():
    with pytest.raises(PluginError, match=r"bad_args.*colour"):
        make_plugin_manager(plugin_paths=[FIXTURES / "bad_args.py"], entrypoints=False)


def test_duplicate_name_names_both_plugins():
    pm = make_plugin_manager(
        plugin_paths=[REPO / "plugins/baselines/cnn.py", FIXTURES / "duplicate_name.py"],
        entrypoints=False,
    )
    with pytest.raises(PluginError, match=r"'cnn'.*plugin 'cnn'.*plugin 'duplicate_name'"):
        Catalog.from_plugin_manager(pm)


def test_missing_plugin_path_is_a_clear_error(tmp_path):
    with pytest.raises(PluginError, match="does not exist"):
        make_plugin_manager(plugin_paths=[tmp_path / "nope.py"], entrypoints=False)


def test_builtins_register_first_and_unknown_names_suggest(catalog):
    assert catalog.get("metric", "mcc").plugin == "metrics"
    with pytest.raises(UnknownName, match="Did you mean 'cnn'"):
        catalog.get("backbone", "cnm")


def _fake_entry_point(monkeypatch, module: types.ModuleType, name: str = "outside") -> None:
    dist = types.SimpleNamespace(name="findna-bench-outside", version="9.9")
    fake = types.SimpleNamespace(name=name, value=module.__name__, load=lambda: module, dist=dist)
    monkeypatch.setattr("findna_bench.plugins._entry_points", lambda: [fake])


def _outside_module() -> types.ModuleType:
    module = types.ModuleType("findna_bench_outside")

    @hookimpl
    def register_metrics(register):
        register("always_half", lambda t, p, s: 0.5, higher_is_better=True)

    module.register_metrics = register_metrics
    return module


def test_outside_plugin_through_a_faked_entry_point(monkeypatch):
    _fake_entry_point(monkeypatch, _outside_module())
    pm = make_plugin_manager()
    catalog = Catalog.from_plugin_manager(pm)
    assert catalog.get("metric", "always_half").plugin == "outside"
    from findna_bench.plugins import origin_of

    assert origin_of(pm, "outside") == "entry point findna-bench-outside 9.9"


def test_blocklist_and_allowlist(monkeypatch):
    _fake_entry_point(monkeypatch, _outside_module())
    monkeypatch.setenv("FINDNA_BENCH_DISABLE_PLUGINS", "outside")
    assert "always_half" not in Catalog.from_plugin_manager(make_plugin_manager()).names("metric")
    monkeypatch.delenv("FINDNA_BENCH_DISABLE_PLUGINS")
    monkeypatch.setenv("FINDNA_BENCH_LOAD_PLUGINS", "")
    catalog = Catalog.from_plugin_manager(
        make_plugin_manager(plugin_paths=[REPO / "plugins/baselines/cnn.py"], root=REPO)
    )
    assert catalog.names("backbone") == [] and "mcc" in catalog.names("metric")  # builtins stay


def test_trace_env_writes_hook_calls_to_stderr(monkeypatch, capsys):
    monkeypatch.setenv("FINDNA_BENCH_TRACE_PLUGINS", "1")
    Catalog.from_plugin_manager(make_plugin_manager(entrypoints=False))
    make_plugin_manager(entrypoints=False).hook.on_suite_end(records=[])
    assert "on_suite_end" in capsys.readouterr().err


def test_a_metric_without_a_direction_is_an_error_not_higher_is_better():
    class NoDirection:
        @hookimpl
        def register_metrics(self, register):
            register("coin", lambda t, p, s: 0.5)

    pm = make_plugin_manager(entrypoints=False)
    pm.register(NoDirection(), name="no-direction")
    with pytest.raises(PluginError, match=r"'no-direction' registers metric 'coin' without"):
        Catalog.from_plugin_manager(pm)
    ok = make_plugin_manager(entrypoints=False)
    assert Catalog.from_plugin_manager(ok).metric("mcc").higher_is_better is True


def test_the_public_surface_serves_the_contract_types():
    import findna_bench
    from findna_bench import types as contract

    for name in ("Backbone", "Task", "View", "Objective", "MetricSpec", "Record"):
        assert getattr(findna_bench, name) is getattr(contract, name)
        assert name in findna_bench.__all__


def test_trace_env_covers_the_registration_hooks(monkeypatch, capsys):
    monkeypatch.setenv("FINDNA_BENCH_TRACE_PLUGINS", "1")
    Catalog.from_plugin_manager(make_plugin_manager(entrypoints=False))
    err = capsys.readouterr().err
    assert "register_metrics [hook]" in err and "finish register_metrics" in err
