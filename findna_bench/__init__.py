"""findna-bench: a plugin-based benchmarking harness for DNA sequence models.

Public surface for plugin authors: ``hookimpl`` (the marker for hook implementations) and
``__version__``. Nothing here imports torch, so ``findna-bench --help`` stays fast.
"""

from findna_bench.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
