"""Running: run configs resolved from the registry, budgets, the fine-tuning loop, one run, a suite.

``config`` resolves a run's settings and ``config_schema`` checks them; ``recipe`` and ``protocol``
say where they came from and what evaluation rule the record declares; ``runner`` prepares and
fine-tunes one (model, task, seed) with ``train``, ``budget`` and ``accumulate``; ``suite`` plans
and runs many under one ``settings`` (data, results, cache, resume), and ``launch`` sends them
to a cluster.
"""
