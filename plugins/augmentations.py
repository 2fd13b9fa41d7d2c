"""Augmentations for pretraining views, as pure tensor functions on a ``View``.

Every function is ``fn(view, *, generator, **kw) -> View``: vectorised over the batch, sampled
per call (so per batch), with all randomness drawn from ``generator``. Each call draws the
same number of random values whatever the content, so a data-parallel rank that holds only its
rows of a global batch (other rows empty) gets exactly the draws a single process would.
Sequence edits keep the length of every row fixed (re-pad or crop) and move the MNM targets and
masked flags with the bases. Random filler symbols are uniform over A, C, G, N, T (EvoAug).
"""

from __future__ import annotations

import torch

from findna_bench import View, dna, hookimpl

#: one-hot channel permutation of the complement: A<->T, C<->G, N->N (channels A, C, G, N, T)
COMPLEMENT_CHANNELS = [4, 2, 1, 3, 0]


def _rand(generator: torch.Generator, *shape: int, like: torch.Tensor) -> torch.Tensor:
    return torch.rand(*shape, generator=generator, device=generator.device).to(like.device)


def _randint(
    generator: torch.Generator, high: torch.Tensor | int, *shape: int, like: torch.Tensor
) -> torch.Tensor:
    """Uniform integers in ``[0, high)`` (``high`` may vary per row; at least 1)."""
    high = torch.as_tensor(high, device=like.device).clamp_min(1)
    return (_rand(generator, *shape, like=like) * high).long().clamp_max(high - 1)


def _rebuild(view: View, src: torch.Tensor, fill: torch.Tensor, filler: torch.Tensor) -> View:
    """Gather positions ``src`` per row; put random ``filler`` tokens where ``fill``."""
    src = src.clamp(0, view.mask.shape[1] - 1)
    real = view.mask
    x = view.x.gather(1, src.unsqueeze(-1).expand(-1, -1, view.x.shape[-1]))
    x = torch.where(fill.unsqueeze(-1), dna.one_hot(filler).to(x.dtype), x) * real.unsqueeze(-1)
    target = torch.where(fill, filler, view.target.gather(1, src))
    target = torch.where(real, target, torch.full_like(target, dna.PAD))
    masked = view.masked.gather(1, src) & ~fill & real
    return view.replace(x=x, target=target, masked=masked)


def mask(
    view: View,
    *,
    generator: torch.Generator,
    rate: float = 0.15,
    replace: float = 0.8,
    random: float = 0.1,
) -> View:
    """BERT masking: select real positions with probability ``rate``; of those, ``replace``
    become the all-zero mask vector, ``random`` a random symbol, the rest stay unchanged."""
    b, length = view.mask.shape
    selected = (_rand(generator, b, length, like=view.x) < rate) & view.mask
    kind = _rand(generator, b, length, like=view.x)
    filler = _randint(generator, dna.NUM_SYMBOLS, b, length, like=view.x)
    zero = selected & (kind < replace)
    rand = selected & (kind >= replace) & (kind < replace + random)
    x = torch.where(rand.unsqueeze(-1), dna.one_hot(filler).to(view.x.dtype), view.x)
    x = x.masked_fill(zero.unsqueeze(-1), 0.0)
    return view.replace(x=x, masked=view.masked | selected)


def noise(view: View, *, generator: torch.Generator, sigma: float = 0.1) -> View:
    """Add N(0, sigma) to every channel of every real position (masked ones included)."""
    eps = torch.randn(view.x.shape, generator=generator, device=generator.device).to(view.x.device)
    return view.replace(x=view.x + sigma * eps.to(view.x.dtype) * view.mask.unsqueeze(-1))


def reverse_complement(view: View, *, generator: torch.Generator, p: float = 0.5) -> View:
    """With probability ``p`` per row, the true reverse complement (A<->T, C<->G, N->N) over
    the row's own length; its MNM targets and masked flags are reversed and complemented too."""
    b, length = view.mask.shape
    flip = _rand(generator, b, like=view.x) < p
    n = view.lengths.unsqueeze(1)
    pos = torch.arange(length, device=view.x.device).unsqueeze(0)
    inside = flip.unsqueeze(1) & (pos < n)
    src = torch.where(inside, n - 1 - pos, pos)
    x = view.x.gather(1, src.unsqueeze(-1).expand(-1, -1, view.x.shape[-1]))
    x = torch.where(inside.unsqueeze(-1), x[..., COMPLEMENT_CHANNELS], x)
    table = torch.as_tensor(dna.COMPLEMENT, device=view.x.device)
    target = view.target.gather(1, src)
    target = torch.where(inside, table[target], target)
    return view.replace(x=x, target=target, masked=view.masked.gather(1, src))


def channel_flip(view: View, *, generator: torch.Generator, p: float = 0.5) -> View:
    """FinDNA's released "RC" (§6.5): flip the position and channel axes with probability ``p``
    per row. With channels A, C, G, N, T this swaps C<->N and keeps G; targets are not moved."""
    flip = (_rand(generator, view.mask.shape[0], like=view.x) < p).view(-1, 1, 1)
    return view.replace(x=torch.where(flip, view.x.flip(1).flip(2), view.x))


def deletion(view: View, *, generator: torch.Generator, max_len: int = 20) -> View:
    """Delete 0..max_len bases at a uniform start, re-pad to the row length with random symbols,
    half at each end (EvoAug RandomDeletion with fixed length)."""
    b, length = view.mask.shape
    n = view.lengths
    d = torch.minimum(_randint(generator, max_len + 1, b, like=view.x), n)
    start = _randint(generator, n - d + 1, b, like=view.x).unsqueeze(1)
    filler = _randint(generator, dna.NUM_SYMBOLS, b, length, like=view.x)
    j = torch.arange(length, device=view.x.device).unsqueeze(0) - (d // 2).unsqueeze(1)
    src = torch.where(j >= start, j + d.unsqueeze(1), j)
    fill = ((j < 0) | (j >= (n - d).unsqueeze(1))) & view.mask
    return _rebuild(view, src, fill, filler)


def insertion(view: View, *, generator: torch.Generator, max_len: int = 20) -> View:
    """Insert 0..max_len random symbols at a uniform position, then crop back to the row length,
    half of the excess from each end (EvoAug RandomInsertion with fixed length)."""
    b, length = view.mask.shape
    n = view.lengths
    k = _randint(generator, max_len + 1, b, like=view.x).unsqueeze(1)
    at = _randint(generator, n + 1, b, like=view.x).unsqueeze(1)
    filler = _randint(generator, dna.NUM_SYMBOLS, b, length, like=view.x)
    i = torch.arange(length, device=view.x.device).unsqueeze(0) + k // 2
    inserted = (i >= at) & (i < at + k) & view.mask
    src = torch.where(i < at, i, i - k)
    return _rebuild(view, src, inserted, filler)


def translocation(view: View, *, generator: torch.Generator, max_len: int = 20) -> View:
    """Circular roll of each row over its own length by s in -max_len..max_len (magnitude
    uniform in 0..max_len, sign +/- with probability 1/2; FinDNA's RandomTranslocation)."""
    b, length = view.mask.shape
    n = view.lengths.clamp_min(1).unsqueeze(1)
    shift = _randint(generator, max_len + 1, b, like=view.x)
    sign = torch.where(_rand(generator, b, like=view.x) < 0.5, -1, 1)
    pos = torch.arange(length, device=view.x.device).unsqueeze(0)
    src = torch.where(view.mask, (pos - (shift * sign).unsqueeze(1)) % n, pos)
    return _rebuild(view, src, torch.zeros_like(view.mask), view.target)


@hookimpl
def register_augmentations(register) -> None:
    register(
        "mask",
        mask,
        description="BERT-style masking (rate, 80/10/10 zero/random/keep)",
        version="1",
    )
    register(
        "noise", noise, description="Gaussian noise N(0, sigma) on the one-hot input", version="1"
    )
    register(
        "reverse-complement",
        reverse_complement,
        description="true reverse complement (A<->T, C<->G, N->N), MNM targets follow",
        version="1",
    )
    register(
        "channel-flip",
        channel_flip,
        description="FinDNA released-code 'RC': flip positions and channels (C<->N bug)",
        version="1",
    )
    register(
        "deletion",
        deletion,
        description="delete 0..max_len bp, re-pad with random symbols",
        version="1",
    )
    register(
        "insertion",
        insertion,
        description="insert 0..max_len random bp, crop to length",
        version="1",
    )
    register(
        "translocation",
        translocation,
        description="circular roll by -max_len..max_len",
        version="1",
    )
