"""Builtin plugins, registered before any other plugin through the same hooks."""
