"""``python -m findna_bench`` runs the CLI."""

from findna_bench.cli import main

main()
