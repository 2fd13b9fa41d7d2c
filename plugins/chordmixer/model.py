"""ChordMixer backbone (Khalitov et al., ICLR 2023) as FinDNA builds it (findna-method.md §1).

Holds the ``ChordMixer`` module, its MLP layer and the rotation helpers; registration lives in
``__init__.py``. Pooling and the classification head belong to the engine, not to this module.

Architecture. The one-hot input ``[B, L, 5]`` goes through ``embed = Linear(5, d)`` (with
bias); then ``blocks`` encoders run one after another, each with ``layers_per_encoder(max_len) =
ceil(log2 max_len)`` layers ``h <- h + Rotate(Dropout_layer(MLP(PreNorm(h))))`` where ``MLP =
Linear(d, hidden) -> GELU -> Dropout -> Linear(hidden, d) -> Dropout`` (FinDNA ``SwanDNA``
order: mix first, then rotate the branch). ``Rotate`` splits the ``d`` channels into tracks of
``track_size`` channels; track 0 stays, track ``i >= 1`` moves so that position ``j`` receives
position ``(j + 2**(i-1)) mod N`` (``torch.roll(shift=-2**(i-1))``). PyTorch default
initialisation, as FinDNA's pretraining network.

Precision. Under autocast the matmuls (embedding and MLP) run in bf16/fp16, but with
``residual_fp32`` (the default) the residual stream ``h`` stays fp32: the embedding output is
cast up once and every branch is added to the fp32 stream, so the rounding of 40-56 residual
additions does not accumulate (measured on CPU bf16 autocast in ``tests/hardware/test_bf16.py``). The
branch itself (MLP output, rotation) stays in the autocast dtype, so activation memory is
barely larger.

Memory. ``checkpointing=True`` recomputes each encoder's activations in the backward pass
(``torch.utils.checkpoint``, non-reentrant, RNG state preserved so dropout matches): activation
memory falls from ``blocks`` encoders to about one, for one extra forward.

Width. By default ``n_tracks = ceil(log2 max_len) + 1`` and ``d = n_tracks * track_size`` (the
ChordMixer rule; track 28 at max_len 1010 gives d 308). With ``dim`` set, ``d = dim`` and
``n_tracks = ceil(dim / track_size)`` with a partial last track: FinDNA's fine-tuning re-chooses
the track size per task while keeping d 308.

Position. The network has no positional signal of its own: every rotation commutes with a
cyclic shift of the sequence and every MLP is position-wise, so in ``fixed`` mode at ``max_len``
= the sequence length its output shifts with the input and any pooling over positions (mean,
max) gives the same features for a sequence and each of its cyclic rotations
(``tests/plugins/test_chordmixer_position.py``, on real gue/prom_core_tata rows): it cannot tell
where in the window a motif sits. ``position="learned"`` (not in ChordMixer nor FinDNA) adds a
learned vector per absolute position to the embedding, zero at initialisation.

Length modes.
* ``"fixed"`` (FinDNA's code): the batch is right-padded with all-zero vectors to ``max_len``
  (not to the batch length) and rolled jointly modulo ``max_len``; padding is computed on and
  mixes into real positions, exactly as when FinDNA pads every dataset to one length. Because
  the pad target is ``max_len``, a sequence's output does not depend on the batch it is in.
* ``"variable"`` (the ChordMixer paper): real tokens are packed into ``[T, d]``; each sequence
  is rotated modulo its own length (a row gather per track and one concat per layer, with the
  indices built once per forward; measured 1.55x faster training at L 16384 than a single
  element-wise gather, equal within noise at 4096)
  and the MLP never runs on padding. The depth stays ``ceil(log2 max_len)`` per encoder so one
  set of weights serves every length (the paper buckets lengths instead). Padding outputs are 0.

State-dict layout (pretrained-weight transfer copies by these names)::

    embed.weight                                   [d, 5]
    embed.bias                                     [d]
    encoders.{block}.layers.{layer}.mlp.fc1.weight [hidden, d]
    encoders.{block}.layers.{layer}.mlp.fc1.bias   [hidden]
    encoders.{block}.layers.{layer}.mlp.fc2.weight [d, hidden]
    encoders.{block}.layers.{layer}.mlp.fc2.bias   [d]
    encoders.{block}.layers.{layer}.norm.{weight,bias}   (prenorm="layernorm" only)

with ``block < blocks`` and ``layer < layers_per_encoder(max_len)``. No tensor depends on the
track size, so weights trained with one track size load into a model with another.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from findna_bench import ConfigError

LENGTH_MODES = ("fixed", "variable")
PRENORMS = ("none", "layernorm")
POSITIONS = ("none", "learned")


def layers_per_encoder(max_len: int) -> int:
    """ChordMixer depth per encoder, ``ceil(log2 max_len)`` (at least 1)."""
    return max(1, math.ceil(math.log2(max(max_len, 1))))


def track_shifts(n_tracks: int) -> list[int]:
    """Shift of each track: 0 for track 0, ``2**(i-1)`` for track ``i``."""
    return [0] + [2 ** (i - 1) for i in range(1, n_tracks)]


def _gather_tracks(
    y: torch.Tensor, track_size: int, rows: list[torch.Tensor | None]
) -> torch.Tensor:
    """Track i of packed ``y [T, d]`` takes rows ``rows[i]`` (None: unchanged); one concat."""
    parts = y.split(track_size, dim=-1)
    return torch.cat(
        [p if r is None else p.index_select(0, r) for p, r in zip(parts, rows)], dim=-1
    )


class _RotatePacked(torch.autograd.Function):
    """Per-track row gather whose backward gathers with the inverse rows (not a scatter-add:
    exact and deterministic on every device)."""

    @staticmethod
    def forward(ctx, y: torch.Tensor, track_size: int, rows: list, inverse: list) -> torch.Tensor:
        ctx.track_size, ctx.inverse = track_size, inverse
        return _gather_tracks(y, track_size, rows)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return _gather_tracks(grad, ctx.track_size, ctx.inverse), None, None, None


class MLP(nn.Module):
    """Position-wise ``Linear(d, h) -> GELU -> Dropout -> Linear(h, d) -> Dropout``."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(nn.functional.gelu(self.fc1(h)))))


class MixLayer(nn.Module):
    """One ChordMixer layer: ``h + rotate(Dropout(MLP(PreNorm(h))))``."""

    def __init__(
        self, dim: int, hidden: int, dropout: float, layer_dropout: float, prenorm: str
    ) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim) if prenorm == "layernorm" else nn.Identity()
        self.mlp = MLP(dim, hidden, dropout)
        self.drop = nn.Dropout(layer_dropout)

    def forward(self, h: torch.Tensor, rotate) -> torch.Tensor:
        return h + rotate(self.drop(self.mlp(self.norm(h))))


class Encoder(nn.Module):
    """``layers_per_encoder(max_len)`` MixLayers in sequence (FinDNA's ``SwanDNAEncoder``)."""

    def __init__(self, n_layers: int, **layer_kw) -> None:
        super().__init__()
        self.layers = nn.ModuleList(MixLayer(**layer_kw) for _ in range(n_layers))

    def forward(self, h: torch.Tensor, rotate) -> torch.Tensor:
        for layer in self.layers:
            h = layer(h, rotate)
        return h


class ChordMixer(nn.Module):
    """ChordMixer network: ``embed -> blocks x Encoder``; forward ``(x, mask) -> [B, L, dim]``."""

    # promise checked by the contract test: appending padding never changes real-position
    # outputs (fixed mode pads to max_len anyway; variable mode never reads padding)
    padding_invariant = True

    def __init__(
        self,
        *,
        track_size: int = 4,
        hidden: int = 32,
        blocks: int = 1,
        max_len: int = 64,
        dim: int | None = None,
        dropout: float = 0.0,
        layer_dropout: float = 0.0,
        length_mode: str = "fixed",
        prenorm: str = "none",
        residual_fp32: bool = True,
        checkpointing: bool = False,
        position: str = "none",
    ) -> None:
        super().__init__()
        if position not in POSITIONS:
            raise ConfigError(f"chordmixer: position {position!r} is not one of {POSITIONS}")
        if length_mode not in LENGTH_MODES:
            raise ConfigError(
                f"chordmixer: length_mode {length_mode!r} is not one of {LENGTH_MODES}"
            )
        if prenorm not in PRENORMS:
            raise ConfigError(f"chordmixer: prenorm {prenorm!r} is not one of {PRENORMS}")
        if track_size < 1 or hidden < 1 or blocks < 1 or max_len < 1:
            raise ConfigError("chordmixer: track_size, hidden, blocks and max_len must be >= 1")
        self.max_len = max_len
        self.length_mode = length_mode
        self.residual_fp32, self.checkpointing = residual_fp32, checkpointing
        self.track_size = track_size
        self.n_layers = layers_per_encoder(max_len)
        if dim is None:
            self.n_tracks = self.n_layers + 1
            self.dim = self.n_tracks * track_size
        else:
            self.n_tracks = math.ceil(dim / track_size)
            self.dim = dim
        self.shifts = track_shifts(self.n_tracks)
        # channel -> shift of its track (the last track may be partial); for inspection and tests
        self.channel_shift = [self.shifts[c // track_size] for c in range(self.dim)]
        self.embed = nn.Linear(5, self.dim)
        # zero at initialisation: the network starts as the position-free one (and as a
        # pretrained one, whose checkpoint has no such tensor)
        self.position = (
            nn.Parameter(torch.zeros(max_len, self.dim)) if position == "learned" else None
        )
        self.encoders = nn.ModuleList(
            Encoder(
                self.n_layers,
                dim=self.dim,
                hidden=hidden,
                dropout=dropout,
                layer_dropout=layer_dropout,
                prenorm=prenorm,
            )
            for _ in range(blocks)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if x.shape[1] > self.max_len:
            raise ConfigError(
                f"chordmixer: input length {x.shape[1]} exceeds max_len "
                f"{self.max_len}; raise backbone.max_len in the model preset"
            )
        if self.length_mode == "variable":
            return self._forward_variable(x, mask)
        return self._forward_fixed(x)

    def _run(self, h: torch.Tensor, rotate) -> torch.Tensor:
        if self.residual_fp32:  # fp32 (or wider) stream; branches are added to it
            h = h.to(torch.promote_types(h.dtype, torch.float32))
        recompute = self.checkpointing and torch.is_grad_enabled()
        for encoder in self.encoders:
            if recompute:
                h = checkpoint(encoder, h, rotate, use_reentrant=False)
            else:
                h = encoder(h, rotate)
        return h

    def _forward_fixed(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        padded = nn.functional.pad(x, (0, 0, 0, self.max_len - length))
        n, g = self.max_len, self.track_size
        shifts = [s % n for s in self.shifts]

        def rotate(y: torch.Tensor) -> torch.Tensor:
            # one roll per track, then a single concat (measured faster on CPU than one gather)
            parts = y.split(g, dim=-1)
            return torch.cat(
                [p.roll(-s, dims=1) if s else p for p, s in zip(parts, shifts)], dim=-1
            )

        h = self.embed(padded)
        if self.position is not None:
            h = h + self.position
        return self._run(h, rotate)[:, :length]

    def _forward_variable(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        lengths = mask.sum(dim=1)
        tokens = self.embed(x[mask])  # [T, d], real positions only (padding is on the right)
        if self.position is not None:  # each token's position in its own sequence
            tokens = tokens + self.position[(torch.cumsum(mask, dim=1) - 1)[mask]]
        rows, inverse = self._packed_rows(lengths)

        def rotate(y: torch.Tensor) -> torch.Tensor:
            return _RotatePacked.apply(y, self.track_size, rows, inverse)

        packed = self._run(tokens, rotate)
        out = packed.new_zeros(batch, length, self.dim)
        out[mask] = packed
        return out

    def _packed_rows(self, lengths: torch.Tensor) -> tuple[list, list]:
        """Per track, the packed row each token reads: token (b, j) reads (b, (j + shift) mod
        len_b); and the inverse rows for the backward pass. None for track 0 (no shift)."""
        device = lengths.device
        starts = torch.cumsum(lengths, 0) - lengths
        row = torch.repeat_interleave(torch.arange(len(lengths), device=device), lengths)
        start, size = starts[row], lengths[row]
        pos = torch.arange(int(row.numel()), device=device) - start
        rows, inverse = [], []
        for shift in self.shifts:
            if shift == 0:
                rows.append(None)
                inverse.append(None)
                continue
            src = start + (pos + shift) % size
            inv = torch.empty_like(src)
            inv[src] = torch.arange(src.numel(), device=device)
            rows.append(src)
            inverse.append(inv)
        return rows, inverse
