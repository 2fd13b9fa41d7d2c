"""The leakage audit of a task's splits: what a reviewer checks before trusting a test number.

Splits are ordered train -> valid -> test; a pair is (earlier, later) and its counts are rows of
the later split. Four kinds, each with its own rule in ``data.policy`` (see ``policy.py``):

=============  ==============================================================================
rule           rows counted
=============  ==============================================================================
duplicates     rows repeating an earlier row of the same split (per split)
leakage        rows of the later split whose sequence is in the earlier one
               (train-valid, train-test, valid-test)
rc_leakage     rows of the later split whose reverse complement, but not the sequence itself,
               is in the earlier one (a palindrome is an exact duplicate, counted once)
single_class   splits whose largest class holds >= ``NEAR_SINGLE_CLASS`` of the rows
=============  ==============================================================================

``fix`` never changes train: ``duplicates`` keeps the first copy of each sequence in valid and
test (train's repeats are a weighting, not a leak); ``leakage`` and ``rc_leakage`` drop the flagged
rows from the later split; ``single_class`` has no fix. Sets of sequences make every count one
pass over the rows; reverse complements use ``str.translate``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ORDER = ("train", "valid", "test")
RULES = ("duplicates", "leakage", "rc_leakage", "single_class")
FIXABLE = RULES[:3]
NEAR_SINGLE_CLASS = 0.95  # largest class share at or above which a split is flagged
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def reverse_complement(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def pair_name(earlier: str, later: str) -> str:
    return f"{earlier}-{later}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Marks:
    """Per row of each split, whether each kind flags it (``pairs`` keyed ``earlier-later``)."""

    repeats: dict[str, list[bool]]
    exact: dict[str, list[bool]]
    rc: dict[str, list[bool]]

    def flagged(self, rule: str, split: str) -> list[bool] | None:
        """Rows of ``split`` the rule flags (None where it flags none of them)."""
        if rule == "duplicates":
            masks = [self.repeats[split]] if split in self.repeats else []
        else:
            pairs = self.exact if rule == "leakage" else self.rc
            masks = [mask for pair, mask in pairs.items() if pair.endswith(f"-{split}")]
        if not masks:
            return None
        return [any(row) for row in zip(*masks)]


def mark(splits: Mapping[str, Sequence[str]]) -> Marks:
    """Flag every row of the splits (any of train, valid, test) for each kind of leakage."""
    names = [s for s in ORDER if s in splits]
    sets = {s: set(splits[s]) for s in names}
    repeats: dict[str, list[bool]] = {}
    for split in names:
        seen: set[str] = set()
        flags = repeats[split] = []
        for seq in splits[split]:
            flags.append(seq in seen)
            seen.add(seq)
    exact, rc = {}, {}
    for i, earlier in enumerate(names):
        pool = sets[earlier]
        for later in names[i + 1 :]:
            seqs = splits[later]
            exact[pair_name(earlier, later)] = [seq in pool for seq in seqs]
            rc[pair_name(earlier, later)] = [
                seq not in pool and reverse_complement(seq) in pool for seq in seqs
            ]
    return Marks(repeats=repeats, exact=exact, rc=rc)


@dataclass(frozen=True, kw_only=True, slots=True)
class Audit:
    """Counts of every kind, per split or per pair; ``as_dict`` is the record's form."""

    rows: dict[str, int]
    duplicates: dict[str, int]  # split -> rows repeating an earlier row of the split
    exact: dict[str, int]  # pair -> rows of the later split found in the earlier one
    shared: dict[str, int]  # pair -> distinct sequences in both splits
    reverse_complement: dict[str, int]  # pair -> rows whose reverse complement only is there
    majority: dict[str, float]  # split -> share of its largest class

    def near_single_class(self) -> list[str]:
        return [s for s, share in self.majority.items() if share >= NEAR_SINGLE_CLASS]

    def breaches(self) -> list[tuple[str, str]]:
        """``(rule, what)`` for every kind found, in rule order, as one-line descriptions."""
        found = []
        for split, n in self.duplicates.items():
            if n:
                found.append(("duplicates", f"{n} of {self.rows[split]} {split} rows are repeats"))
        for kind, counts, how in (
            ("leakage", self.exact, ""),
            ("rc_leakage", self.reverse_complement, "reverse complements of "),
        ):
            for pair, n in counts.items():
                earlier, later = pair.split("-")
                if n:
                    what = f"{n} of {self.rows[later]} {later} rows are {how}{earlier} sequences"
                    found.append((kind, what))
        for split in self.near_single_class():
            share = self.majority[split]
            found.append(
                (
                    "single_class",
                    f"the {split} split's largest class holds {share:.1%} of its rows "
                    f"(threshold {NEAR_SINGLE_CLASS:.0%})",
                )
            )
        return found

    def split_view(self, split: str) -> dict:
        """This split's counts: its repeats, rows found in each earlier split, class share
        (empty for a split outside train, valid and test, as a ``train_subsample`` file)."""
        if split not in self.rows:
            return {}
        mine = {p.split("-")[0]: n for p, n in self.exact.items() if p.endswith(f"-{split}")}
        rc = {
            p.split("-")[0]: n
            for p, n in self.reverse_complement.items()
            if p.endswith(f"-{split}")
        }
        return {
            "duplicates": self.duplicates.get(split),
            "in": mine,
            "rc_in": rc,
            "majority": self.majority.get(split),
        }

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "duplicates": self.duplicates,
            "exact": self.exact,
            "shared_sequences": self.shared,
            "reverse_complement": self.reverse_complement,
            "majority_share": self.majority,
            "near_single_class": self.near_single_class(),
            "near_single_class_threshold": NEAR_SINGLE_CLASS,
        }


def audit(
    splits: Mapping[str, Sequence[str]],
    labels: Mapping[str, Iterable[int]],
    marks: Marks | None = None,
) -> Audit:
    """Count every kind of leakage over the splits (``marks`` when already computed)."""
    marks = marks or mark(splits)
    names = [s for s in ORDER if s in splits]
    majority = {}
    for split in names:
        counts = Counter(int(x) for x in labels[split])
        total = sum(counts.values())
        majority[split] = round(max(counts.values()) / total, 4) if total else 0.0
    shared = {
        pair_name(a, b): len(set(splits[a]) & set(splits[b]))
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    }
    return Audit(
        rows={s: len(splits[s]) for s in names},
        duplicates={s: sum(m) for s, m in marks.repeats.items()},
        exact={p: sum(m) for p, m in marks.exact.items()},
        shared=shared,
        reverse_complement={p: sum(m) for p, m in marks.rc.items()},
        majority=majority,
    )
