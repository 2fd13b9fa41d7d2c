"""DNA alphabet and encodings shared by tasks, backbones and augmentations.

Tokens are uint8 indices in FinDNA's one-hot channel order A, C, G, N, T (0-4); PAD (5) is the
all-zero vector, which FinDNA also uses for mask and CLS slots. ``encode`` expects sequences that
the validation policy has already checked (upper-case ACGTN only).
"""

from __future__ import annotations

import numpy as np

ALPHABET = "ACGNT"
PAD = 5
NUM_SYMBOLS = 5
#: complement in token space: A<->T, C<->G, N->N, PAD->PAD
COMPLEMENT = np.array([4, 2, 1, 3, 0, 5], dtype=np.int64)

_LOOKUP = np.full(256, 255, dtype=np.uint8)
for _i, _base in enumerate(ALPHABET):
    _LOOKUP[ord(_base)] = _i


def encode(sequences: list[str], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Encode sequences to a PAD-filled ``[N, length]`` uint8 array and their lengths.

    Raises:
        ValueError: a character outside ACGTN (the policy should have caught it).
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    width = int(length if length is not None else (lengths.max() if len(lengths) else 0))
    out = np.full((len(sequences), width), PAD, dtype=np.uint8)
    if not sequences:
        return out, lengths
    flat = _LOOKUP[np.frombuffer("".join(sequences).encode("ascii"), dtype=np.uint8)]
    if (flat == 255).any():
        raise ValueError("sequence contains characters outside ACGTN")
    if lengths.max() > width:
        raise ValueError(f"sequence of length {lengths.max()} exceeds width {width}")
    rows = np.repeat(np.arange(len(sequences)), lengths)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[rows, cols] = flat
    return out, lengths


def decode(tokens: np.ndarray, length: int | None = None) -> str:
    """Inverse of ``encode`` for one row (PAD dropped)."""
    row = np.asarray(tokens)[: length if length is not None else None]
    return "".join(ALPHABET[t] for t in row if t != PAD)


def one_hot(tokens):  # torch types kept out of module import
    """``[B, L]`` integer tokens to a float ``[B, L, 5]`` one-hot; PAD becomes all zero."""
    import torch

    return torch.nn.functional.one_hot(tokens.long(), NUM_SYMBOLS + 1)[..., :NUM_SYMBOLS].float()


def reverse_complement_tokens(tokens: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Reverse complement of each row over its own length; padding stays on the right."""
    out = np.full_like(tokens, PAD)
    for i, n in enumerate(lengths):
        out[i, :n] = COMPLEMENT[tokens[i, :n][::-1]]
    return out


def reverse_complement_torch(tokens, lengths):
    """Batched reverse complement of right-padded ``[B, L]`` tokens, each over its own length."""
    import torch

    width = tokens.shape[1]
    pos = torch.arange(width, device=tokens.device)[None, :]
    src = (lengths[:, None] - 1 - pos).clamp_min(0)
    flipped = tokens.gather(1, src)
    table = torch.as_tensor(COMPLEMENT, device=tokens.device)
    out = table[flipped.long()].to(tokens.dtype)
    return torch.where(pos < lengths[:, None], out, torch.full_like(out, PAD))
