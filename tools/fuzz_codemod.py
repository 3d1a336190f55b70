"""Fuzz the codemod over generated sources and print the figures issue 11 asks for.

Two families of sources, both valid Python by construction (each is ``compile()``d):

* **legacy + tail**: a legacy fixture (``fixtures/legacy``) with blocks of comment-only and
  blank lines inserted at statement boundaries — after the last line (the tail), between
  top-level statements (between classes), and inside blocks — whose indentation mixes tabs,
  spaces and form feeds at random, optionally followed by an ordinary class; CRLF sometimes;
* **generated module**: an ordinary module (functions, classes, loops, dicts, strings that
  mention rllib/shim so the byte prefilter lets it through to the parser, a local class that
  is *named* ``TorchModelV2`` but imports nothing legacy), with the same comment blocks.

Every inserted comment carries a unique marker (``FUZZ_<n>``). The whole tree goes through
the real engine (worker processes, ``rewrite`` in place), then through ``--check`` again.
Counted: crashes (a run that raised, or an error finding on any of these valid files), lost
comments (a marker missing from the output), changed unrelated files (a generated module
that was changed), idempotence failures (a second run that would change something), and
outputs that do not compile.

Run: ``python tools/fuzz_codemod.py [--legacy 700] [--modules 500] [--seed 0] [-j 2]``.
The generators are also used by ``tests/security/test_codemod_fuzz.py`` (hypothesis).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import tempfile
import time
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEGACY_DIR = ROOT / "fixtures" / "legacy"
_CASES = json.loads((LEGACY_DIR / "CASES.json").read_text())
LEGACY_SOURCES = {
    name: (LEGACY_DIR / name).read_text()
    for name in sorted(_CASES) if not name.startswith("_") and _CASES[name]["status"] != "error"
}
_WORDS = ("alpha", "beta", "rllib", "shim", "TODO", "é", "ünï", "x = 1", "'quote'", '"dq"',
          "#", "\\", "pass", "class", "(", "]", "{")
_MARK = "FUZZ_"
_MARKER = re.compile(r"FUZZ_\d+(?!\d)")


@dataclass
class Generated:
    """One generated file: its text, the comment markers it holds, and its family."""

    text: str
    markers: list[str] = field(default_factory=list)
    legacy: bool = True
    eof_tail: str = ""


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def marker(self) -> str:
        self.n += 1
        return f"{_MARK}{self.n}"


def _indent(rng: random.Random) -> str:
    return "".join(rng.choice(" \t\t ") for _ in range(rng.randint(0, 10)))


def trivia_block(rng: random.Random, counter: _Counter, markers: list[str]) -> str:
    """1-5 comment-only / blank lines with random tab/space (and rarely form-feed) indentation."""
    lines = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.random()
        if kind < 0.55:
            mark = counter.marker()
            markers.append(mark)
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 3)))
            lines.append(f"{_indent(rng)}# {mark} {words}".rstrip() + "\n")
        elif kind < 0.95:
            lines.append(_indent(rng) + "\n")
        else:
            lines.append(rng.choice(["\f", " \f\t", "\f# " + "formfeed"]) + "\n")
    return "".join(lines)


def _statement_lines(text: str) -> list[tuple[int, int]]:
    """(0-based line, indentation depth) of every line where a statement starts."""
    starts, depth, at_start = [], 0, True
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        elif tok.type in (tokenize.NEWLINE,):
            at_start = True
        elif tok.type in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING):
            continue
        elif at_start and tok.type != tokenize.ENDMARKER:
            starts.append((tok.start[0] - 1, depth))
            at_start = False
    return starts


def _ordinary_class(rng: random.Random, counter: _Counter, name: str) -> str:
    unit = rng.choice(["    ", "  ", "\t"])
    body = [f"class {name}:\n", f'{unit}"""Mentions rllib and shim in prose only."""\n']
    body.append(f"{unit}value = {rng.randint(0, 99)}\n")
    body.append(f"\n{unit}def method(self, x):\n{unit}{unit}return x + self.value\n")
    return "".join(body)


def insert_trivia(text: str, rng: random.Random, counter: _Counter, markers: list[str],
                  *, blocks: int) -> tuple[str, str]:
    """Insert ``blocks`` trivia blocks before random statement lines; returns (text, tail)
    where ``tail`` was appended at the end (empty when none was)."""
    lines = text.splitlines(keepends=True)
    starts = _statement_lines(text)
    for _ in range(blocks):
        line, _depth = rng.choice(starts)
        lines.insert(line, trivia_block(rng, counter, markers))
        starts = [(n + 1 if n >= line else n, d) for n, d in starts]
    body = "".join(lines)
    if not body.endswith("\n"):
        body += "\n"
    tail = ""
    if rng.random() < 0.8:
        tail = trivia_block(rng, counter, markers)
        if rng.random() < 0.3:  # the tail sits between classes
            tail += "\n\n" + _ordinary_class(rng, counter, f"After{counter.n}") + trivia_block(rng, counter, markers)
        if rng.random() < 0.2:
            tail = tail.rstrip("\n")  # no newline at the end of the file
    return body + tail, tail


def legacy_with_tail(rng: random.Random, counter: _Counter | None = None) -> Generated:
    """A legacy fixture with comment/blank blocks in it and after it."""
    counter = counter or _Counter()
    name = rng.choice(sorted(LEGACY_SOURCES))
    markers: list[str] = []
    text, tail = insert_trivia(LEGACY_SOURCES[name], rng, counter, markers, blocks=rng.randint(0, 3))
    if rng.random() < 0.15:
        text, tail = text.replace("\n", "\r\n"), tail.replace("\n", "\r\n")
    return Generated(text=text, markers=markers, legacy=True, eof_tail=tail)


def _function(rng: random.Random, unit: str, level: int, name: str) -> str:
    pad = unit * level
    out = [f"{pad}def {name}(a, b=2, *args, **kwargs):\n"]
    inner = pad + unit
    choice = rng.random()
    if choice < 0.3:
        out.append(f"{inner}for i in range(a):\n{inner}{unit}b += i\n{inner}return b\n")
    elif choice < 0.6:
        out.append(f"{inner}if a > b:\n{inner}{unit}return {{'k': a, 'rllib': b}}\n"
                   f"{inner}else:\n{inner}{unit}return [a, (b, 'shim')]\n")
    else:
        out.append(f"{inner}total = sum(x * x for x in range(a) if x % 2)\n{inner}return total\n")
    return "".join(out)


def generated_module(rng: random.Random, counter: _Counter | None = None) -> Generated:
    """An ordinary module that mentions rllib/shim (so it is parsed) but uses no legacy API."""
    counter = counter or _Counter()
    unit = rng.choice(["    ", "  ", "\t"])
    parts = ['"""Generated module; talks about rllib and the shim, imports neither."""\n\n',
             "import math\nfrom dataclasses import dataclass\n\n\n"]
    for i in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.35:
            parts.append(_function(rng, unit, 0, f"func_{i}") + "\n\n")
        elif kind < 0.7:
            parts.append(_ordinary_class(rng, counter, f"Plain{i}") + "\n\n")
        elif kind < 0.85:
            # A local class that only shares the legacy name: qualified names say it is not RLlib's.
            parts.append(f"class TorchModelV2:\n{unit}pass\n\n\nclass Local{i}(TorchModelV2):\n"
                         f"{unit}def forward(self, input_dict, state, seq_lens):\n"
                         f"{unit}{unit}return input_dict['obs'], state\n\n\n")
        else:
            parts.append(f"CONFIG_{i} = {{\n{unit}'model': {{'fcnet_hiddens': [64, 64]}},\n"
                         f"{unit}'note': 'rllib shim',\n}}\n\n\n")
    parts.append(f"VALUE = math.pi  # {counter.marker()} trailing code comment\n")
    markers = [f"{_MARK}{counter.n}"]
    text, tail = insert_trivia("".join(parts), rng, counter, markers, blocks=rng.randint(1, 4))
    return Generated(text=text, markers=markers, legacy=False, eof_tail=tail)


@dataclass
class Figures:
    files: int = 0
    legacy: int = 0
    modules: int = 0
    comments: int = 0
    crashes: int = 0
    lost_comments: int = 0
    lost_tails: int = 0
    changed_unrelated: int = 0
    not_idempotent: int = 0
    not_compiling: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def lost_markers(source: Generated, output: str) -> list[str]:
    """Markers of ``source`` that ``output`` holds fewer times than the source did."""
    before = Counter(_MARKER.findall(source.text))
    after = Counter(_MARKER.findall(output))
    return sorted(m for m in source.markers if after[m] < before[m])


def fuzz(legacy: int, modules: int, seed: int, jobs: int) -> Figures:
    """Generate the sources, run the engine twice over them, count the problems."""
    from rlmigrate.codemod.engine import RunOptions, run

    rng = random.Random(seed)
    counter = _Counter()
    sources = [legacy_with_tail(rng, counter) for _ in range(legacy)]
    sources += [generated_module(rng, counter) for _ in range(modules)]
    figures = Figures(files=len(sources), legacy=legacy, modules=modules,
                      comments=sum(len(s.markers) for s in sources))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = []
        for i, source in enumerate(sources):
            compile(source.text, f"gen{i}", "exec")  # the generators only make valid Python
            path = root / f"pkg{i // 100}" / f"gen{i:05d}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.text.encode())
            paths.append(path)
        start = time.perf_counter()
        try:
            first = run([root], RunOptions(), jobs=jobs)
            second = run([root], RunOptions(mode="check"), jobs=jobs)
        except Exception as err:  # the run itself must never fail
            figures.crashes = len(sources)
            figures.problems.append(f"run raised {type(err).__name__}: {err}")
            return figures
        figures.seconds = time.perf_counter() - start
        for result in first.files:
            errors = [f for f in result.findings if f.status == "error"]
            if errors:
                figures.crashes += 1
                figures.problems.append(f"{errors[0].code} {errors[0].message[:160]}")
        figures.not_idempotent = sum(r.changed for r in second.files)
        for path, source in zip(paths, sources):
            output = path.read_bytes().decode()
            lost = lost_markers(source, output)
            figures.lost_comments += len(lost)
            if lost:
                figures.problems.append(f"{path.name}: lost {lost}")
            if source.eof_tail and not output.endswith(source.eof_tail):
                figures.lost_tails += 1
                figures.problems.append(f"{path.name}: tail not kept verbatim")
            if not source.legacy and output != source.text:
                figures.changed_unrelated += 1
                figures.problems.append(f"{path.name}: generated module changed")
            try:
                compile(output, path.name, "exec")
            except SyntaxError as err:
                figures.not_compiling += 1
                figures.problems.append(f"{path.name}: output does not compile: {err}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legacy", type=int, default=700, help="legacy fixture + tail sources")
    parser.add_argument("--modules", type=int, default=500, help="generated modules alone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    figures = fuzz(args.legacy, args.modules, args.seed, args.jobs)
    print(f"codemod fuzz (seed {args.seed}, -j {args.jobs}): {figures.files} files "
          f"({figures.legacy} legacy + tail, {figures.modules} generated modules) in "
          f"{figures.seconds:.1f} s (rewrite + check); {figures.comments} generated comments checked")
    rows = [("crashes (error findings or a failed run)", figures.crashes),
            ("lost comments", figures.lost_comments),
            ("end-of-file tails not kept verbatim", figures.lost_tails),
            ("changed unrelated files", figures.changed_unrelated),
            ("not idempotent (second run would change)", figures.not_idempotent),
            ("outputs that do not compile", figures.not_compiling)]
    for name, value in rows:
        print(f"  {name:<44} {value}")
    for problem in figures.problems[:20]:
        print("  -", problem)
    return 1 if any(value for _, value in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
