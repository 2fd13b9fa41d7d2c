"""Running: run configs resolved from the registry, budgets, the fine-tuning loop, one run, a suite.

``config`` resolves a run's settings into ``findna_bench.runspec.RunSpec``s and ``config_schema``
checks them; ``recipe`` says where they came from; ``runner`` prepares and fine-tunes one
(model, task, seed) with ``train``, ``budget`` and ``accumulate``; ``suite`` plans and runs many
under one ``settings`` (data, results, cache, resume), and ``launch`` sends them to a cluster.
"""
