"""Augmentations: reverse complement, BERT masking rates, fixed-length edits, determinism."""

from __future__ import annotations

import torch

from findna_bench import dna
from findna_bench.pretrain.view import View


def random_view(b: int, length: int, seed: int = 0, lengths: list[int] | None = None) -> View:
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, 5, (b, length), generator=g)
    if lengths is not None:
        pos = torch.arange(length)[None, :]
        tokens = torch.where(pos < torch.tensor(lengths)[:, None], tokens, dna.PAD)
    return View.from_tokens(tokens)


def gen(seed: int = 1) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_reverse_complement_is_true_complement_and_moves_targets(augment):
    rc = augment("reverse-complement")
    view = augment("mask")(random_view(3, 12, lengths=[12, 7, 1]), generator=gen(), rate=0.5)
    out = rc(view, generator=gen(), p=1.0)
    lengths = view.lengths
    expected = dna.reverse_complement_torch(view.target, lengths)
    assert torch.equal(out.target, expected)
    for i, n in enumerate(lengths.tolist()):
        assert torch.equal(out.masked[i, :n], view.masked[i, :n].flip(0))
        # input: reversed, channels A<->T and C<->G swapped, N kept; padding untouched
        assert torch.equal(out.x[i, :n], view.x[i, :n].flip(0)[:, [4, 2, 1, 3, 0]])
        assert not out.x[i, n:].any()
    # the MNM target still names the base shown at unmasked positions
    shown = out.x.argmax(-1)
    keep = out.mask & ~out.masked
    assert torch.equal(shown[keep], out.target[keep])


def test_reverse_complement_twice_is_identity(augment):
    rc = augment("reverse-complement")
    view = augment("noise")(
        augment("mask")(random_view(16, 40, lengths=[40, 33] * 8), generator=gen(2), rate=0.3),
        generator=gen(3),
        sigma=0.2,
    )
    once = rc(view, generator=gen(4), p=0.5)
    assert not torch.equal(once.x, view.x)
    twice = rc(once, generator=gen(4), p=0.5)  # same draws: the same rows flip back
    for field in ("x", "mask", "target", "masked"):
        assert torch.equal(getattr(twice, field), getattr(view, field)), field


def test_mask_rate_and_80_10_10_split(augment):
    view = random_view(256, 512, seed=5)
    out = augment("mask")(view, generator=gen(6), rate=0.3)
    n = out.masked.sum().item()
    assert abs(n / out.mask.sum().item() - 0.3) < 0.005
    sel_x, sel_orig = out.x[out.masked], view.x[out.masked]
    zero = (sel_x.sum(-1) == 0).float().mean().item()
    unchanged = (sel_x == sel_orig).all(-1).float().mean().item()
    # a random symbol equals the original one time in five
    assert abs(zero - 0.8) < 0.01
    assert abs(unchanged - (0.1 + 0.1 / 5)) < 0.01
    assert torch.equal(out.x[~out.masked], view.x[~out.masked])
    assert torch.equal(out.target, view.target)


def test_noise_touches_real_positions_only(augment):
    view = random_view(4, 30, lengths=[30, 20, 10, 0])
    out = augment("noise")(view, generator=gen(), sigma=0.2)
    delta = out.x - view.x
    assert delta[view.mask].std().item() > 0.1
    assert not delta[~view.mask].any()


def test_sequence_edits_keep_length_and_bases(augment):
    view = random_view(64, 100, seed=9, lengths=[100, 80] * 32)
    for name in ("deletion", "insertion", "translocation"):
        out = augment(name)(view, generator=gen(10), max_len=20)
        assert out.x.shape == view.x.shape and torch.equal(out.mask, view.mask), name
        assert torch.equal(out.x.argmax(-1)[out.mask], out.target[out.mask]), name
        assert ((out.x.sum(-1) == 1) == out.mask).all(), name
        assert (out.target[~out.mask] == dna.PAD).all(), name
        assert not torch.equal(out.target, view.target), name
    rolled = augment("translocation")(view, generator=gen(10), max_len=20)
    for i, n in enumerate(view.lengths.tolist()):  # a roll permutes each row's own bases
        assert sorted(rolled.target[i, :n].tolist()) == sorted(view.target[i, :n].tolist())


def _positions(view: View) -> View:
    """Channel 0 holds 10 + position, so gathered positions can be read back."""
    x = view.x.clone()
    x[..., 0] = 10 + torch.arange(x.shape[1], dtype=x.dtype)
    return view.replace(x=x)


def test_deletion_removes_one_stretch_and_pads_both_ends(augment):
    view = _positions(random_view(200, 60, seed=3))
    out = augment("deletion")(view, generator=gen(12), max_len=20)
    sizes = set()
    for row in out.x[..., 0]:
        kept = row[row >= 10] - 10
        d = 60 - len(kept)
        left = int((row[: (d // 2)] < 10).sum())
        assert left == d // 2 and int((row[len(row) - (d - d // 2) :] < 10).sum()) == d - d // 2
        gaps = (kept[1:] - kept[:-1]).tolist()
        assert set(gaps) <= {1, d + 1} and (d == 0 or gaps.count(d + 1) <= 1)
        sizes.add(d)
    assert min(sizes) == 0 and max(sizes) == 20


def test_insertion_inserts_one_stretch_and_crops(augment):
    view = _positions(random_view(200, 60, seed=4))
    out = augment("insertion")(view, generator=gen(13), max_len=20)
    sizes = set()
    for row in out.x[..., 0]:
        kept = row[row >= 10] - 10
        k = 60 - len(kept)  # inserted bases left visible after cropping
        sizes.add(k)
        assert (kept[1:] - kept[:-1] == 1).all()  # original order, cropped at the ends
        assert int(kept[0]) <= 10  # at most half of 20 inserted bases cropped on the left
        inserted = (row < 10).nonzero().flatten()
        if k:
            assert (inserted[1:] - inserted[:-1] == 1).all()  # one contiguous insert
    assert min(sizes) == 0 and max(sizes) >= 19


def test_same_generator_same_views_and_content_independent_draws(augment):
    a, b = random_view(8, 64, seed=1), random_view(8, 64, seed=2)
    for name in ("mask", "deletion", "insertion", "translocation", "reverse-complement"):
        fn = augment(name)
        assert torch.equal(fn(a, generator=gen(7)).x, fn(a, generator=gen(7)).x), name
        # rows 0-3 of a global batch give the same result whatever rows 4-7 hold
        mixed = View.from_tokens(torch.cat([a.target[:4], b.target[4:]]))
        assert torch.equal(
            fn(mixed, generator=gen(7)).rows(slice(0, 4)).x,
            fn(a, generator=gen(7)).rows(slice(0, 4)).x,
        ), name


def test_channel_flip_reproduces_released_bug(augment):
    view = random_view(2, 10)
    out = augment("channel-flip")(view, generator=gen(), p=1.0)
    assert torch.equal(out.x, view.x.flip(1).flip(2))
    assert torch.equal(out.target, view.target)  # target not reverse-complemented (§6.5)
    # channel flip maps C (1) to N (3): not a complement
    c = View.from_tokens(torch.tensor([[1]]))
    assert augment("channel-flip")(c, generator=gen(), p=1.0).x.argmax(-1).item() == 3
