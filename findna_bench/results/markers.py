"""Generated blocks of a Markdown file: found between markers, replaced, compared.

A block opens with ``<!-- summarize:NAME ARG ... -->`` and closes with
``<!-- /summarize:NAME -->``, each at the start of a line (a marker quoted inside a sentence is
prose). The opening comment may run over several lines: what follows its
first line is the block's declaration (``spec``, e.g. the targets to judge). An argument
``from=FOLDER`` names the results folder the block reads instead of the one being summarized,
relative to the file (the project README quotes several benchmarks). Everything between
the two markers belongs to the generator; everything outside them is the author's and is kept
byte for byte. Pure string work: no records, no printing.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from findna_bench.errors import ConfigError

OPEN = re.compile(
    r"^<!-- summarize:(?P<name>[\w-]+)(?P<args>[^\n]*?)(?:\n(?P<spec>.*?))?-->", re.S | re.M
)


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    args: tuple[str, ...]
    spec: str  # the opening comment's further lines (a declaration), or ""
    start: int  # offset just after the opening marker
    end: int  # offset of the closing marker
    source: str | None = None  # from=FOLDER: another results folder, relative to the file

    @property
    def title(self) -> str:
        """The block as its opening marker names it, e.g. ``compare findna chordmixer``."""
        where = () if self.source is None else (f"from={self.source}",)
        return " ".join((self.name, *self.args, *where))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def blocks(text: str, where: str = "the README") -> list[Block]:
    """Every block of ``text`` in order; one line naming the marker when one is not closed."""
    found, pos = [], 0
    while match := OPEN.search(text, pos):
        name = match["name"]
        close = f"<!-- /summarize:{name} -->"
        closing = re.compile(f"^{re.escape(close)}$", re.M).search(text, match.end())
        end = closing.start() if closing else -1
        nested = OPEN.search(text, match.end(), end if end >= 0 else len(text))
        if end < 0 or nested:
            raise ConfigError(
                f"{where}, line {_line(text, match.start())}: <!-- summarize:{name} --> has no "
                f"{close} before the next block"
            )
        try:
            args = tuple(shlex.split(match["args"]))
        except ValueError as exc:
            raise ConfigError(f"{where}, line {_line(text, match.start())}: {exc}") from None
        sources = [a.removeprefix("from=") for a in args if a.startswith("from=")]
        if len(sources) > 1 or "" in sources:
            raise ConfigError(
                f"{where}, line {_line(text, match.start())}: <!-- summarize:{name} --> takes "
                "one from=FOLDER at most, with a folder"
            )
        args = tuple(a for a in args if not a.startswith("from="))
        source = sources[0] if sources else None
        found.append(Block(name, args, match["spec"] or "", match.end(), end, source))
        pos = end + len(close)
    return found


def fill(text: str, found: list[Block], contents: list[str]) -> str:
    """``text`` with each block's body replaced by its content, on lines of its own."""
    out, pos = [], 0
    for block, content in zip(found, contents, strict=True):
        out += [text[pos : block.start], "\n", content.strip("\n"), "\n"]
        pos = block.end
    return "".join(out) + text[pos:]


def first_difference(old: str, new: str, found: list[Block]) -> str | None:
    """The title of the first block whose body differs between ``old`` and its regeneration
    ``new`` (both parsed with the same markers), or None when they are equal."""
    for before, after in zip(found, blocks(new), strict=True):
        if old[before.start : before.end] != new[after.start : after.end]:
            return before.title
    return None
