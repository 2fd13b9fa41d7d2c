"""ChordMixer backbone plugin: registers ``chordmixer`` (the module lives in ``model.py``)."""

from __future__ import annotations

from findna_bench import hookimpl

from .model import ChordMixer, layers_per_encoder, track_shifts

__all__ = ["ChordMixer", "layers_per_encoder", "track_shifts"]


@hookimpl
def register_backbones(register) -> None:
    register(
        "chordmixer",
        ChordMixer,
        description="ChordMixer (rotate + MLP, O(L log L)); fixed (FinDNA) or variable length",
        version="1",
    )
