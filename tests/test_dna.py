"""Encoding, one-hot and reverse complement."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from findna_bench import dna


def test_encode_decode_round_trip_and_padding():
    tokens, lengths = dna.encode(["ACGTN", "GG"])
    assert tokens.tolist() == [[0, 1, 2, 4, 3], [2, 2, 5, 5, 5]] and lengths.tolist() == [5, 2]
    assert dna.decode(tokens[0]) == "ACGTN" and dna.decode(tokens[1]) == "GG"
    with pytest.raises(ValueError, match="outside ACGTN"):
        dna.encode(["ACGR"])


def test_one_hot_channel_order_and_zero_padding():
    x = dna.one_hot(torch.tensor([[0, 4, 5]]))
    assert x.tolist() == [[[1, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]]


def test_reverse_complement_numpy_and_torch_agree_and_invert():
    tokens, lengths = dna.encode(["AACGTN", "GAT"])
    rc = dna.reverse_complement_tokens(tokens, lengths)
    assert dna.decode(rc[0]) == "NACGTT" and dna.decode(rc[1]) == "ATC"
    rc_t = dna.reverse_complement_torch(torch.from_numpy(tokens), torch.from_numpy(lengths))
    assert np.array_equal(rc_t.numpy(), rc)
    twice = dna.reverse_complement_torch(rc_t, torch.from_numpy(lengths))
    assert np.array_equal(twice.numpy(), tokens)
