"""A short text form of gymnasium spaces for the command line.

Grammar (Python call syntax, parsed with ``ast``: nothing is ever evaluated)::

    Box(low, high, shape[, dtype])      Box(-1, 1, (4,))   Box(0, inf, (2, 3), float64)
                                         Box([0, -1], [1, 1])     (per-element bounds)
    Discrete(n[, start=s])               Discrete(3)   Discrete(5, start=-2)
    MultiDiscrete([n1, n2, ...])         MultiDiscrete([3, 2])
    MultiBinary(n | [d1, d2])            MultiBinary(4)
    Dict(key=SPACE, ...)                 Dict(a=Box(0, 1, (2,)), b=Discrete(2))
    Dict({"key": SPACE, ...})            (for keys that are not identifiers)
    Tuple(SPACE, ...)                    Tuple(Discrete(2), Box(-1, 1, (3,)))
    Repeated(SPACE, max_len=N)           Repeated(Box(-1, 1, (2,)), max_len=5)   (RLlib's
                                         variable-length list space: ``shim.spaces.Repeated``)
    Simplex(shape)                       Simplex((13,))   (RLlib's probability-simplex space:
                                         ``shim.spaces.Simplex``, uniform concentration)

``inf`` / ``-inf`` are allowed as bounds; dtypes are numpy names (``float32`` default for
Box, ``int64`` for MultiDiscrete), bare or quoted. A text starting with ``{`` is read as the
JSON space form of :func:`rlmigrate.core.spaces.space_to_dict`.

Example:
    >>> parse_space("Dict(a=Box(0, 1, (2,)), b=Discrete(2))")
    Dict('a': Box(0.0, 1.0, (2,), float32), 'b': Discrete(2))
    >>> space_to_text(parse_space("Discrete(5, start=-2)"))
    'Discrete(5, start=-2)'
"""

from __future__ import annotations

import ast
import json
import keyword
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["SpaceSyntaxError", "parse_space", "space_to_text"]

_DTYPES = {
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "bool",
}
_KINDS = (
    "Box", "Discrete", "MultiDiscrete", "MultiBinary", "Dict", "Tuple", "Repeated", "Simplex"
)
#: RLlib's own space classes a text may name (``Repeated``, ``Simplex``); by default the shim's
RllibSpaces = Mapping[str, type]


class SpaceSyntaxError(ValueError):
    """The text is not a space in the short form (the message shows where and what is allowed)."""


def _fail(text: str, node: ast.AST | None, why: str) -> SpaceSyntaxError:
    where = (
        f" at column {node.col_offset + 1}"
        if node is not None and hasattr(node, "col_offset")
        else ""
    )
    return SpaceSyntaxError(
        f"cannot read space {text!r}{where}: {why}. Expected e.g. Box(-1, 1, (4,)), Discrete(3), "
        "MultiDiscrete([3, 2]), MultiBinary(4), Dict(a=..., b=...), Tuple(..., ...), "
        "Repeated(..., max_len=N), Simplex((n,)) or the JSON space form"
    )


def _keywords(text: str, node: ast.Call) -> list[tuple[str, ast.expr]]:
    """``(name, value)`` of each ``name=value`` argument; ``**mapping`` is refused by name."""
    pairs = []
    for keyword_node in node.keywords:
        if keyword_node.arg is None:
            raise _fail(
                text, keyword_node, "**mapping arguments are not supported; write name=value"
            )
        pairs.append((keyword_node.arg, keyword_node.value))
    return pairs


def _literal(text: str, node: ast.AST) -> Any:
    """Numbers, ``inf``, strings, tuples/lists of them; nothing else."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float, str))
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.Name) and node.id == "inf":
        return float("inf")
    if isinstance(node, ast.Name) and node.id in _DTYPES:
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(text, node.operand)
        if not isinstance(value, (int, float)):
            raise _fail(text, node, "a sign needs a number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(text, item) for item in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    raise _fail(text, node, f"unexpected {ast.unparse(node)!r}")


def _space(text: str, node: ast.AST, rllib: RllibSpaces | None) -> gym.Space:
    if not (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _KINDS
    ):
        raise _fail(
            text, node, f"expected one of {', '.join(_KINDS)}(...), got {ast.unparse(node)!r}"
        )
    kind = node.func.id
    if kind == "Dict":
        if node.args:
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Dict) or node.keywords:
                raise _fail(
                    text, node, "Dict takes key=SPACE arguments or one {'key': SPACE} mapping"
                )
            mapping = node.args[0]
            keys: list[str] = []
            for key_node in mapping.keys:  # None for a `**mapping` entry
                key = _literal(text, key_node) if key_node is not None else None
                if not isinstance(key, str):
                    raise _fail(text, mapping, "Dict keys must be strings")
                keys.append(key)
            return gym.spaces.Dict({k: _space(text, v, rllib) for k, v in zip(keys, mapping.values)})
        if not node.keywords:
            raise _fail(text, node, "Dict needs at least one entry")
        return gym.spaces.Dict({name: _space(text, value, rllib) for name, value in _keywords(text, node)})
    if kind == "Repeated":
        return _repeated(text, node, rllib)
    if kind == "Simplex":
        return _simplex(text, node, rllib)
    if kind == "Tuple":
        args = node.args
        if len(args) == 1 and isinstance(args[0], (ast.Tuple, ast.List)):
            args = args[0].elts
        if not args or node.keywords:
            raise _fail(text, node, "Tuple takes one or more spaces")
        return gym.spaces.Tuple([_space(text, a, rllib) for a in args])
    args = [_literal(text, a) for a in node.args]
    kwargs = {name: _literal(text, value) for name, value in _keywords(text, node)}
    try:
        return _leaf(kind, args, kwargs)
    except SpaceSyntaxError:
        raise
    except (TypeError, ValueError) as err:
        raise _fail(text, node, f"{kind}: {err}") from err


def _rllib_space(kind: str, rllib: RllibSpaces | None) -> type:
    """RLlib's space class ``kind``: from ``rllib`` when given (real Ray's, for a recorder),
    else the shim's."""
    if rllib is not None and kind in rllib:
        return rllib[kind]
    import shim.spaces

    return getattr(shim.spaces, kind)


def _repeated(text: str, node: ast.Call, rllib: RllibSpaces | None) -> gym.Space:
    """``Repeated(SPACE, max_len=N)`` (or ``Repeated(SPACE, N)``) as RLlib's ``Repeated``."""
    Repeated = _rllib_space("Repeated", rllib)
    keywords = dict(_keywords(text, node))
    if len(node.args) not in (1, 2) or set(keywords) - {"max_len"}:
        raise _fail(text, node, "Repeated takes (SPACE, max_len=N)")
    if (len(node.args) == 2) == ("max_len" in keywords):
        raise _fail(text, node, "Repeated needs max_len=N exactly once")
    max_len = _literal(text, node.args[1] if len(node.args) == 2 else keywords["max_len"])
    if not isinstance(max_len, int) or max_len < 1:
        raise _fail(text, node, f"Repeated max_len must be a positive integer, got {max_len!r}")
    return Repeated(_space(text, node.args[0], rllib), max_len=max_len)


def _simplex(text: str, node: ast.Call, rllib: RllibSpaces | None) -> gym.Space:
    """``Simplex(shape)`` (or ``Simplex(shape=(n,))``) as RLlib's ``Simplex`` with its default
    uniform concentration."""
    keywords = dict(_keywords(text, node))
    if len(node.args) + len(keywords) != 1 or set(keywords) - {"shape"}:
        raise _fail(text, node, "Simplex takes (shape) only, e.g. Simplex((3,))")
    shape = _literal(text, node.args[0] if node.args else keywords["shape"])
    shape = (shape,) if isinstance(shape, int) else shape
    if not isinstance(shape, (tuple, list)) or not shape or not all(
        isinstance(d, int) and d > 0 for d in shape
    ):
        raise _fail(text, node, f"Simplex shape must be positive integers, got {shape!r}")
    return _rllib_space("Simplex", rllib)(tuple(shape))


def _leaf(kind: str, args: list[Any], kwargs: dict[str, Any]) -> gym.Space:
    if kind == "Box":
        names = ("low", "high", "shape", "dtype")
        if len(args) == 3 and isinstance(args[2], str):  # Box(low, high, dtype): no shape
            args = [args[0], args[1], None, args[2]]
        values = dict(zip(names, args))
        if len(args) > 4 or set(values) & set(kwargs) or set(kwargs) - set(names):
            raise TypeError(f"Box takes (low, high[, shape][, dtype]), got {args} {kwargs}")
        values.update(kwargs)
        if "low" not in values or "high" not in values:
            raise TypeError("Box needs low and high")
        dtype = np.dtype(values.get("dtype", "float32"))
        shape = values.get("shape")
        if shape is not None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
        low, high = np.asarray(values["low"], dtype=dtype), np.asarray(values["high"], dtype=dtype)
        if low.ndim == 0 and high.ndim == 0:
            return gym.spaces.Box(low=low.item(), high=high.item(), shape=shape, dtype=dtype)
        return gym.spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
    if kind == "Discrete":
        if len(args) != 1 or set(kwargs) - {"start"}:
            raise TypeError(f"Discrete takes (n[, start=s]), got {args} {kwargs}")
        return gym.spaces.Discrete(int(args[0]), start=int(kwargs.get("start", 0)))
    if kind == "MultiDiscrete":
        if len(args) != 1 or set(kwargs) - {"dtype"}:
            raise TypeError(f"MultiDiscrete takes ([n1, n2, ...]), got {args} {kwargs}")
        return gym.spaces.MultiDiscrete(
            np.asarray(args[0]), dtype=np.dtype(kwargs.get("dtype", "int64"))
        )
    if len(args) != 1 or kwargs:
        raise TypeError(f"MultiBinary takes (n) or ([d1, d2, ...]), got {args} {kwargs}")
    return gym.spaces.MultiBinary(
        list(args[0]) if isinstance(args[0], (list, tuple)) else int(args[0])
    )


def parse_space(text: str, rllib_spaces: RllibSpaces | None = None) -> gym.Space:
    """The space written in ``text`` (short form or JSON). ``rllib_spaces`` (``{"Repeated":
    cls, "Simplex": cls}``) gives the classes RLlib's own spaces are built from (default: the
    shim's, ``shim.spaces``).

    Raises:
        SpaceSyntaxError: anything else, with the position and the accepted forms.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        from rlmigrate.core.spaces import space_from_dict

        try:
            return space_from_dict(json.loads(stripped))
        except (ValueError, KeyError, TypeError) as err:
            raise SpaceSyntaxError(f"cannot read JSON space {text!r}: {err}") from err
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as err:
        raise SpaceSyntaxError(
            f"cannot read space {text!r}: {err.msg} at column {err.offset}"
        ) from err
    return _space(stripped, tree.body, rllib_spaces)


def _number(value: Any) -> str:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float):
        if np.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(int(value)) if value.is_integer() else repr(value)
    return repr(int(value))


def _numbers(values: np.ndarray) -> str:
    return "[" + ", ".join(_number(x) for x in values.reshape(-1)) + "]"


def space_to_text(space: gym.Space) -> str:
    """The short text form of ``space`` (``parse_space(space_to_text(s)) == s``).

    Raises:
        TypeError: for a space the short form cannot express, naming it.
    """
    if isinstance(space, gym.spaces.Box):
        low, high = np.asarray(space.low), np.asarray(space.high)
        dtype = "" if space.dtype == np.float32 else f", {space.dtype.name}"
        if low.size and np.all(low == low.flat[0]) and np.all(high == high.flat[0]):
            shape = (
                "("
                + ", ".join(str(d) for d in space.shape)
                + ("," if len(space.shape) == 1 else "")
                + ")"
            )
            return f"Box({_number(low.flat[0])}, {_number(high.flat[0])}, {shape}{dtype})"
        if low.ndim != 1:
            raise TypeError(f"space_to_text: per-element bounds need a 1-D Box, got {space}")
        return f"Box({_numbers(low)}, {_numbers(high)}{dtype})"
    if isinstance(space, gym.spaces.Discrete):
        start = f", start={int(space.start)}" if int(space.start) else ""
        return f"Discrete({int(space.n)}{start})"
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec)
        dtype = "" if space.dtype == np.int64 else f", dtype={space.dtype.name}"
        return f"MultiDiscrete({nvec.tolist()}{dtype})"
    if isinstance(space, gym.spaces.MultiBinary):
        n = np.asarray(space.n)  # an int, or a shape for an n-d MultiBinary
        return f"MultiBinary({[int(x) for x in n] if n.ndim else int(n)})"
    if isinstance(space, gym.spaces.Dict):
        if all(k.isidentifier() and not keyword.iskeyword(k) for k in space.spaces):
            return (
                "Dict("
                + ", ".join(f"{k}={space_to_text(s)}" for k, s in space.spaces.items())
                + ")"
            )
        return (
            "Dict({"
            + ", ".join(f"{k!r}: {space_to_text(s)}" for k, s in space.spaces.items())
            + "})"
        )
    if isinstance(space, gym.spaces.Tuple):
        return "Tuple(" + ", ".join(space_to_text(s) for s in space.spaces) + ")"
    concentration = getattr(space, "concentration", None)
    if type(space).__name__ == "Simplex" and np.all(np.asarray(concentration) == 1):
        return f"Simplex({tuple(int(d) for d in space.shape or ())})"
    child, max_len = getattr(space, "child_space", None), getattr(space, "max_len", None)
    if isinstance(child, gym.Space) and isinstance(max_len, int):  # RLlib's Repeated
        return f"Repeated({space_to_text(child)}, max_len={max_len})"
    raise TypeError(f"space_to_text: no short form for {space!r} ({type(space).__name__})")
