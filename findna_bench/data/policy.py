"""The sequence validation policy: one explicit action per rule, and a summary per split.

Rules and what each action does (nothing is ever coerced without being counted):

=================  ======================  ===============================  ======================
rule               error                   warn                             fix
=================  ======================  ===============================  ======================
invalid_chars      stop at file:line       drop the row, count it           replace each with N
lowercase          stop at file:line       upper-case, count, warn          upper-case, count
empty              stop at file:line       drop the row, count it           drop the row
too_long           stop at file:line       drop the row, count it           keep the first max_len
unknown_label      stop at file:line       drop the row, count it           drop the row
=================  ======================  ===============================  ======================

``invalid_chars`` covers everything outside ACGTN (IUPAC codes, digits, whitespace, '-').

The leakage audit's rules (``duplicates``, ``leakage``, ``rc_leakage``, ``single_class``; what
each counts and fixes is in ``leakage.py``) act on whole splits after these: ``error`` stops the
run naming the first breach, ``warn`` keeps every row and records the counts, ``fix`` drops the
flagged rows from the evaluated split (valid or test, never train) and records how many.
``single_class`` has no fix. All default to ``warn``; before the audit, ``leakage`` counted
train-test duplicates only (its default was ``warn`` too, so default numbers are unchanged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from findna_bench.data import leakage
from findna_bench.errors import ConfigError, DataError

ACTIONS = ("error", "warn", "fix")
DEFAULTS = {
    "invalid_chars": "error",
    "lowercase": "warn",
    "empty": "error",
    "too_long": "error",
    "unknown_label": "error",
    "duplicates": "warn",
    "leakage": "warn",
    "rc_leakage": "warn",
    "single_class": "warn",
}
NO_FIX = tuple(rule for rule in leakage.RULES if rule not in leakage.FIXABLE)
_INVALID = re.compile(r"[^ACGTNacgtn]")
_LOWER = re.compile(r"[acgtn]")


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """Action per rule; build with ``Policy.from_config``."""

    actions: dict = field(default_factory=lambda: dict(DEFAULTS))

    @classmethod
    def from_config(cls, overrides: dict | None) -> Policy:
        actions = dict(DEFAULTS)
        for rule, action in (overrides or {}).items():
            if rule not in DEFAULTS:
                raise ConfigError(f"data.policy.{rule}: unknown rule; rules are {sorted(DEFAULTS)}")
            if action not in ACTIONS:
                raise ConfigError(f"data.policy.{rule}={action}: action must be one of {ACTIONS}")
            if action == "fix" and rule in NO_FIX:
                raise ConfigError(
                    f"data.policy.{rule}=fix: this rule has no fix; use error or warn"
                )
            actions[rule] = action
        return cls(actions=actions)

    def __getitem__(self, rule: str) -> str:
        return self.actions[rule]


class RuleBroken(Exception):
    """A row broke a rule whose action is ``error``: what is wrong, and the rule's name."""

    def __init__(self, what: str, rule: str) -> None:
        super().__init__(what)
        self.what, self.rule = what, rule


def _breach(policy: Policy, counts: dict, rule: str, what: str) -> str:
    """Count a breach of ``rule`` and return its action, raising when the action is error."""
    counts[rule] += 1
    if policy[rule] == "error":
        raise RuleBroken(what, rule)
    return policy[rule]


def clean_row(
    seq: str,
    label: int,
    *,
    max_len: int | None,
    classes: set[int] | None,
    policy: Policy,
    counts: dict,
) -> str | None:
    """The sequence as the policy keeps it, or None when the row is dropped; counts breaches."""
    if classes is not None and label not in classes:
        what = f"label {label} is not one of the classes {sorted(classes)}"
        _breach(policy, counts, "unknown_label", what)
        return None
    if not seq:
        _breach(policy, counts, "empty", "empty sequence")
        return None
    bad = _INVALID.search(seq)
    if bad:
        what = f"character {bad.group()!r} at position {bad.start() + 1} is not A/C/G/T/N"
        if _breach(policy, counts, "invalid_chars", what) == "warn":
            return None
        seq = _INVALID.sub("N", seq)
    if _LOWER.search(seq):
        _breach(policy, counts, "lowercase", "lower-case (soft-masked) bases")
        seq = seq.upper()
    if max_len is not None and len(seq) > max_len:
        what = f"sequence of length {len(seq)} exceeds the task length {max_len}"
        if _breach(policy, counts, "too_long", what) == "warn":
            return None
        seq = seq[:max_len]
    return seq


def check_rows(
    rows: list[tuple[int | str, str, int]],
    *,
    source: str,
    max_len: int | None,
    classes: set[int] | None,
    policy: Policy,
) -> tuple[list[str], list[int], dict]:
    """Apply the policy to ``(line, sequence, label)`` rows.

    ``line`` is a line number in ``source``, or a full location string (e.g. one file per
    sequence in a folder layout, or a FASTA record) used as it is in error messages.

    Returns:
        kept sequences, kept labels, and a summary ``{rule: count, "rows_in": n, "rows_out": m}``.
    Raises:
        DataError: on the first row breaking a rule whose action is ``error``.
    """
    counts = {rule: 0 for rule in DEFAULTS if rule not in leakage.RULES}
    seqs: list[str] = []
    labels: list[int] = []
    for line, seq, label in rows:
        try:
            kept = clean_row(
                seq, label, max_len=max_len, classes=classes, policy=policy, counts=counts
            )
        except RuleBroken as broken:
            where = f"{source}:{line}" if isinstance(line, int) else line
            raise DataError(
                f"{where}: {broken.what}; fix the file or set data.policy.{broken.rule}=warn|fix"
            ) from None
        if kept is not None:
            seqs.append(kept)
            labels.append(label)
    counts["rows_in"] = len(rows)
    counts["rows_out"] = len(seqs)
    return seqs, labels, counts
