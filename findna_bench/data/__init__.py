"""Data layer of the engine: table readers, the validation policy, splits and checksums.

Benchmark plugins build on these; nothing here knows a particular benchmark.
"""
