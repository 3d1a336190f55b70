"""Every ``python`` code block of every page under ``docs/`` runs, top to bottom.

One test per page; the blocks of a page share one namespace (later blocks use names from
earlier ones). A page runs in a fresh temporary working directory. A block is skipped when
the line before its fence is ``<!-- no-run -->`` (an info string such as
```` ```python no-run ```` is understood too, but the docs site's Markdown does not take it
for a fence, so pages use the marker; see ``test_fences_render_on_the_site``); a page containing ``<!-- docs-test: no-run -->``
is skipped whole (for illustrative before/after snippets). Blocks written as doctests (lines
starting with ``>>> ``) are checked with :mod:`doctest`, output included.

``console`` blocks are shell sessions: each ``$ rlmigrate ...`` command (``.venv/bin/``
prefix allowed, ``\\`` continuations joined) runs as ``python -m rlmigrate.cli ...`` in the
page's directory, in document order with the python blocks, and must exit 0, or the status a
trailing ``# exit N`` comment names; the lines after a command are its (abridged) output and
are not compared. Other ``$`` commands (``make``, ``pip``, ``cd``) and other languages
(``bash``, ``text``, ``json``, ...) never run. A page that names ``fixtures/`` gets a copy
of the repository's ``fixtures/legacy``, ``fixtures/expected`` and ``fixtures/ray_checkpoints``
in its directory, so the
commands a reader types in a clone run unchanged.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")
_RUNNABLE = {"python", "py", "python3", "pycon"}
_SKIP_WORDS = {"no-run", "norun", "skip", "no_run"}


_PAGE_SKIP = "<!-- docs-test: no-run -->"
_BLOCK_SKIP = "<!-- no-run -->"


def extract_blocks(text: str) -> list[tuple[int, str, str]]:
    """``(first line number, info string, code)`` for every fenced block of ``text``.

    A block preceded by the ``<!-- no-run -->`` line gets ``no-run`` added to its info.
    """
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent, info = match["fence"], match["indent"], match["info"].strip()
        if i > 0 and lines[i - 1].strip() == _BLOCK_SKIP:
            info = f"{info} no-run"
        body, start = [], i + 1
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence)) and lines[i].strip().strip(fence[0]) == ""
        ):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        blocks.append((start + 1, info, "\n".join(body) + "\n"))
        i += 1
    return blocks


def runnable(info: str) -> bool:
    words = info.replace("{", " ").replace("}", " ").replace(",", " ").split()
    return bool(words) and words[0].lower() in _RUNNABLE and not (_SKIP_WORDS & {w.lower() for w in words[1:]})


README = DOCS.parent / "README.md"
ROOT = DOCS.parent
_EXIT = re.compile(r"#\s*exit\s+(\d+)\b")


def console_commands(code: str) -> list[tuple[list[str], int]]:
    """``(argv after 'rlmigrate', expected exit status)`` for each ``$ rlmigrate`` line of a console block."""
    commands, lines = [], code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("$ "):
            continue
        command = line[2:]
        while command.rstrip().endswith("\\") and i < len(lines):
            command = command.rstrip()[:-1] + " " + lines[i].strip()
            i += 1
        expected = _EXIT.search(command)
        words = shlex.split(command, comments=True)
        if words and words[0] in ("rlmigrate", ".venv/bin/rlmigrate"):
            commands.append((words[1:], int(expected.group(1)) if expected else 0))
    return commands


def _has_work(info: str, code: str) -> bool:
    return runnable(info) or (info.split()[:1] == ["console"] and bool(console_commands(code)))


def _pages() -> list[Path]:
    return sorted(
        page
        for page in [*DOCS.rglob("*.md"), README]
        if _PAGE_SKIP not in (text := page.read_text())
        and any(_has_work(info, code) for _, info, code in extract_blocks(text))
    )


def _run_console(code: str, name: str, line: int) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "100"}
    for argv, expected in console_commands(code):
        done = subprocess.run([sys.executable, "-m", "rlmigrate.cli", *argv], capture_output=True,
                              text=True, env=env, timeout=300)
        if done.returncode != expected:
            pytest.fail(f"{name}:{line}: `rlmigrate {shlex.join(argv)}` exited {done.returncode}, "
                        f"the page expects {expected}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
                        pytrace=False)


def _run_doctest(code: str, namespace: dict, name: str, line: int) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, namespace, name, name, line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    if runner.failures:
        pytest.fail(f"{name}:{line}: doctest failed\n" + "".join(failures), pytrace=False)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(DOCS.parent)))
def test_page_code_blocks_run(page: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # The page runs as an importable module, like user code would (classes defined on the
    # page can then be named in checkpoints, dataclasses resolve their module, ...).
    page_module = types.ModuleType(f"docs_page_{page.stem}")
    monkeypatch.setitem(sys.modules, page_module.__name__, page_module)
    namespace = page_module.__dict__
    relative = str(page.relative_to(DOCS.parent))
    text = page.read_text()
    if "fixtures/" in text:
        for part in ("legacy", "expected", "ray_checkpoints"):
            shutil.copytree(ROOT / "fixtures" / part, tmp_path / "fixtures" / part)
    for line, info, code in extract_blocks(text):
        if info.split()[:1] == ["console"] and "no-run" not in info:
            _run_console(code, relative, line)
            continue
        if not runnable(info):
            continue
        if code.lstrip().startswith(">>>"):
            _run_doctest(code, namespace, relative, line)
            continue
        try:
            exec(compile(code, f"{relative}:{line}", "exec"), namespace)  # noqa: S102 - our own docs
        except Exception as err:  # report page and line of the failing block
            raise AssertionError(f"{relative}, block at line {line} failed: {type(err).__name__}: {err}") from err


def test_block_extraction_and_skip_markers():
    text = (
        "x\n```python\na = 1\n```\n```python no-run\nboom()\n```\n```bash\nls\n```\n  ```py\n  b = 2\n  ```\n"
        "<!-- no-run -->\n```python\nboom()\n```\n"
    )
    blocks = extract_blocks(text)
    assert [(info, code) for _, info, code in blocks] == [
        ("python", "a = 1\n"), ("python no-run", "boom()\n"), ("bash", "ls\n"), ("py", "b = 2\n"),
        ("python no-run", "boom()\n"),
    ]
    assert [runnable(info) for _, info, _ in blocks] == [True, False, False, True, False]
    assert blocks[0][0] == 3  # the first code line


def test_console_commands_are_read_with_continuations_and_exit_comments():
    code = (
        "$ .venv/bin/rlmigrate scan fixtures/legacy/\n"
        "output line\n"
        "$ rlmigrate verify a.py:A \\\n    b.py:B --obs-space 'Box(-1, 1, (8,))'   # exit 1\n"
        "$ make test\n"
        "$ rlmigrate rules  # list them\n"
    )
    assert console_commands(code) == [
        (["scan", "fixtures/legacy/"], 0),
        (["verify", "a.py:A", "b.py:B", "--obs-space", "Box(-1, 1, (8,))"], 1),
        (["rules"], 0),
    ]


def test_fences_render_on_the_site():
    """A fence whose info string has a second word is not a fence to the site's Markdown
    (pymdownx.superfences): the block would show as a paragraph. Use ``<!-- no-run -->``."""
    bad = [
        f"{page.relative_to(DOCS.parent)}:{number}: {line.strip()}"
        for page in [*DOCS.rglob("*.md"), README]
        for number, line in enumerate(page.read_text().splitlines(), start=1)
        if (match := _FENCE.match(line)) and len(match["info"].split()) > 1 and not match["info"].strip().startswith("{")
    ]
    assert not bad, "write <!-- no-run --> on the line before the fence instead:\n" + "\n".join(bad)
