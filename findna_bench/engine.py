"""The engine: registry -> plugin manager -> catalog -> run context -> store, built once.

An ``Engine`` is what every command (``run``, ``pretrain``, ``profile``, ``launch`` jobs,
``leaderboard``) works through: it loads the registry and plugins lazily (so ``--help`` stays
fast), turns options into specs, and runs them in this process (``run_local``) or as
submitit jobs (``submit``), returning what happened for the caller to render. Never prints:
messages go to the ``notify`` callback the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy
    import torch

    from findna_bench.catalog import Catalog
    from findna_bench.registry import Registry
    from findna_bench.results.leaderboard import Board
    from findna_bench.results.store import ResultsStore
    from findna_bench.run.cost import Cost
    from findna_bench.run.launch import JobSpec
    from findna_bench.run.runner import RunContext
    from findna_bench.run.settings import SuiteSettings
    from findna_bench.run.suite import Notify, Plan, SuiteOutcome
    from findna_bench.runspec import RunSpec


def _quiet(message: str) -> None:
    """The default ``notify``: the engine never prints."""


def _not_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return True
    except OSError:
        return False
    return False


@dataclass(kw_only=True)
class LocalRun:
    """A suite run in this process: its plan, what happened, and the store it wrote to."""

    plan: Plan
    outcome: SuiteOutcome
    store: ResultsStore


@dataclass(kw_only=True)
class Submission:
    """Jobs submitted through submitit, one per spec to run (``todo``)."""

    plan: Plan
    store: ResultsStore
    folder: Path
    todo: list[RunSpec] = field(default_factory=list)
    jobs: list[Any] = field(default_factory=list)


class Engine:
    """One invocation's registry, plugins and catalog, and the runs made with them."""

    def __init__(self, registry_path: Path | None = None, *, entrypoints: bool = True) -> None:
        self.registry_path = registry_path
        self.entrypoints = entrypoints

    # --- setup, once --------------------------------------------------------------------------

    @cached_property
    def registry(self) -> Registry:
        from findna_bench.errors import ConfigError
        from findna_bench.registry import (
            bundled_registry_path,
            default_registry_path,
            load_registry,
        )

        try:
            return load_registry(self.registry_path)
        except UnicodeDecodeError as exc:  # registry.py reads the user's and the bundled file
            user = Path(self.registry_path or default_registry_path())
            path = next((p for p in (user, bundled_registry_path()) if _not_utf8(p)), user)
            raise ConfigError(
                f"{path.resolve()}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                f"offset {exc.start}); save it as UTF-8"
            ) from None

    @cached_property
    def pm(self) -> pluggy.PluginManager:
        from findna_bench.plugins import make_plugin_manager

        return make_plugin_manager(
            plugin_paths=self.registry.plugins,
            root=self.registry.root,
            entrypoints=self.entrypoints,
        )

    @cached_property
    def catalog(self) -> Catalog:
        from findna_bench.catalog import Catalog

        return Catalog.from_plugin_manager(self.pm)

    @property
    def hook(self) -> Any:
        """``pm.hook`` whose plugin errors name the plugin (``plugins.GuardedHooks``)."""
        from findna_bench.plugins import GuardedHooks

        return GuardedHooks(self.pm.hook)

    def plugin(self, name: str) -> Any:
        """A registered plugin object by name (None when blocked or absent)."""
        return self.pm.get_plugin(name)

    def plugin_commands(self) -> dict[str, Any]:
        """Click commands that plugins add through ``register_commands``."""
        import typer

        app = typer.Typer()
        self.pm.hook.register_commands(app=app)
        if not app.registered_commands and not app.registered_groups:
            return {}
        return dict(typer.main.get_group(app).commands)

    def context(
        self,
        *,
        data_root: Path,
        device: torch.device,
        cache_dir: Path | None = None,
        sealed_test: bool = False,
    ) -> RunContext:
        """What every run shares; ``cache_dir`` defaults to the user-level cache (``paths``)."""
        from findna_bench.paths import default_cache_dir
        from findna_bench.run.runner import RunContext

        return RunContext(
            catalog=self.catalog,
            hook=self.hook,
            data_root=data_root,
            device=device,
            cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
            sealed_test=sealed_test,
        )

    # --- options -> specs ---------------------------------------------------------------------

    def specs(
        self,
        *,
        models: list[str],
        suites: list[str],
        tasks: list[str],
        seeds: list[int],
        profile: str,
        overrides: list[str],
    ) -> list[RunSpec]:
        """Every (model, task, seed) spec, each config checked before any data is read."""
        from findna_bench.run import config, config_schema
        from findna_bench.run.overrides import parse as parse_overrides

        for m in models:
            self.registry.model(m)
        self.registry.profile(profile)
        names = config.expand_tasks(self.registry, suites, tasks, self.catalog.names("task"))
        specs = config.expand(
            self.registry,
            models=list(dict.fromkeys(models)),
            tasks=names,
            seeds=seeds,
            profile=profile,
            catalog=self.catalog,
            overrides=parse_overrides(overrides),
        )
        config_schema.check_available(specs, self.catalog)  # weights absent: stop before any run
        return specs

    def recipe(
        self, model: str, profile: str, overrides: list[str], *, task: str = "pretrain"
    ) -> dict[str, Any]:
        """A model's resolved config outside a real task (``task`` names the purpose)."""
        from findna_bench.run import config
        from findna_bench.run.overrides import parse as parse_overrides

        return config.resolve(
            self.registry,
            model,
            task,
            profile,
            parse_overrides(overrides),
            catalog=self.catalog,
        )

    # --- specs -> runs ------------------------------------------------------------------------

    def plan(
        self,
        specs: list[RunSpec],
        settings: SuiteSettings,
        *,
        notify: Notify = _quiet,
        read_only: bool = False,
    ) -> Plan:
        """What ``run_local`` or ``submit`` would do with ``specs`` (``run --dry-run``): which
        runs are to run, already recorded or without data; never trains, and with ``read_only``
        leaves every file as it is (an unreadable record is reported, not moved aside)."""
        import torch

        from findna_bench.results.store import ResultsStore
        from findna_bench.run.suite import plan_suite

        ctx = self.context(data_root=settings.data_root, device=torch.device("cpu"))
        store = ResultsStore(settings.results, read_only=read_only)
        return plan_suite(
            specs, ctx, store, rerun=settings.rerun, reuse=settings.reuse, notify=notify
        )

    def cost(self, plan: Plan, settings: SuiteSettings) -> Cost:
        """What ``plan``'s runs to do will cost (``run/cost.py``): each pretraining's cache hit
        or run, and the wall time estimated from this host's records in ``--results``; reads
        records and the cache, writes nothing."""
        import torch

        from findna_bench.results.store import ResultsStore
        from findna_bench.run.cost import estimate

        ctx = self.context(
            data_root=settings.data_root, device=torch.device("cpu"), cache_dir=settings.cache_dir
        )
        records, _unreadable = ResultsStore(settings.results, read_only=True).read_all()
        return estimate(plan, ctx, records)  # unreadable records: the plan already said so

    def run_local(
        self,
        specs: list[RunSpec],
        settings: SuiteSettings,
        *,
        device: torch.device,
        notify: Notify = _quiet,
        on_plan: Callable[[Plan], None] = lambda plan: None,
    ) -> LocalRun:
        """Plan (resume, availability, fingerprints), hand the plan to ``on_plan``, then run the
        specs still to run in this process."""
        from findna_bench.results.store import ResultsStore
        from findna_bench.run.suite import plan_suite, run_suite

        store = ResultsStore(settings.results)
        ctx = self.context(
            data_root=settings.data_root,
            device=device,
            cache_dir=settings.cache_dir,
            sealed_test=settings.sealed_test,
        )
        plan = plan_suite(
            specs, ctx, store, rerun=settings.rerun, reuse=settings.reuse, notify=notify
        )
        on_plan(plan)
        outcome = run_suite(specs, ctx, store, plan=plan, notify=notify)
        return LocalRun(plan=plan, outcome=outcome, store=store)

    def submit(
        self,
        specs: list[RunSpec],
        settings: SuiteSettings,
        *,
        launcher: str,
        options: list[str],
        device: str,
        notify: Notify = _quiet,
    ) -> Submission:
        """Plan as a local run would, then submit one job per spec still to run."""
        from findna_bench.results.store import ResultsStore
        from findna_bench.run import launch

        params = launch.parse_options(options)
        results = settings.results
        folder = Path(params.pop("folder", results.parent / f"{results.name}-jobs"))
        store = ResultsStore(results)
        plan = self.plan(specs, settings, notify=notify)
        jobs = [
            launch.JobSpec(
                spec=s,
                registry=str(Path(self.registry.path).resolve()),
                settings=settings.absolute(),
                device=device,
            )
            for s in plan.todo
        ]
        handles = launch.submit(jobs, run=run_job, launcher=launcher, folder=folder, options=params)
        return Submission(plan=plan, store=store, folder=folder, todo=plan.todo, jobs=handles)

    # --- records -> board ---------------------------------------------------------------------

    @staticmethod
    def board(
        store: ResultsStore,
        plan: Plan,
        *,
        expected_seeds: int,
        unavailable: dict[str, str],
        notify: Notify = _quiet,
    ) -> Board:
        """The leaderboard of the plan's records in the store (unreadable files reported)."""
        from findna_bench.results.leaderboard import build

        records, problems = store.read_all()
        for problem in problems:
            notify(f"warning: {problem}")
        mine = [r for r in records if plan.selects(r)]
        return build(mine, expected_seeds=expected_seeds, unavailable=unavailable)


def run_job(job: JobSpec) -> dict:
    """What one cluster job executes (``run.launch.RunJob``): rebuild the engine from the
    registry path, then run the single spec through ``run_suite`` (resume, claims, failure
    isolation as a local suite). Returns the job's status line as a dict."""
    import torch

    from findna_bench.results.store import ResultsStore
    from findna_bench.run.suite import run_suite

    name = job.device
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    engine = Engine(Path(job.registry))
    settings = job.settings
    ctx = engine.context(
        data_root=settings.data_root,
        device=torch.device(name),
        cache_dir=settings.cache_dir,
        sealed_test=settings.sealed_test,
    )
    spec = job.spec
    store = ResultsStore(settings.results)
    outcome = run_suite([spec], ctx, store, rerun=settings.rerun, reuse=settings.reuse)
    if outcome.skipped:
        return {"run_id": spec.run_id, "status": "resumed"}
    if outcome.busy:
        return {"run_id": spec.run_id, "status": "busy", "error": "claimed by another process"}
    if spec.task in outcome.unavailable:
        return {
            "run_id": spec.run_id,
            "status": "unavailable",
            "error": outcome.unavailable[spec.task],
        }
    record = outcome.records[0]
    return {"run_id": spec.run_id, "status": record["status"], "error": record.get("error")}
