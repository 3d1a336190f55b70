"""The short text form of spaces: documented examples parse, every space round-trips, and
anything that is not a space is refused without being evaluated."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.core.spaces import space_to_dict
from rlmigrate.testing.space_text import SpaceSyntaxError, parse_space, space_to_text
from rlmigrate.testing.strategies import spaces


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Box(-1, 1, (4,))", gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)),
        ("Box(0, inf, (2, 3), float64)", gym.spaces.Box(0.0, np.inf, (2, 3), dtype=np.float64)),
        (
            "Box(low=-inf, high=inf, shape=(3,), dtype='float16')",
            gym.spaces.Box(-np.inf, np.inf, (3,), dtype=np.float16),
        ),
        (
            "Box([0, -1], [1, 1])",
            gym.spaces.Box(np.array([0.0, -1.0], np.float32), np.array([1.0, 1.0], np.float32)),
        ),
        ("Box(0, 255, (2, 2), uint8)", gym.spaces.Box(0, 255, (2, 2), dtype=np.uint8)),
        ("Discrete(3)", gym.spaces.Discrete(3)),
        ("Discrete(5, start=-2)", gym.spaces.Discrete(5, start=-2)),
        ("MultiDiscrete([3, 2])", gym.spaces.MultiDiscrete([3, 2])),
        ("MultiBinary(4)", gym.spaces.MultiBinary(4)),
        ("MultiBinary([2, 3])", gym.spaces.MultiBinary([2, 3])),
        (
            "Dict(a=Box(0, 1, (2,)), b=Discrete(2))",
            gym.spaces.Dict({"a": gym.spaces.Box(0.0, 1.0, (2,)), "b": gym.spaces.Discrete(2)}),
        ),
        ("Dict({'my key': Discrete(2)})", gym.spaces.Dict({"my key": gym.spaces.Discrete(2)})),
        (
            "Tuple(Discrete(2), Box(-1, 1, (3,)))",
            gym.spaces.Tuple([gym.spaces.Discrete(2), gym.spaces.Box(-1.0, 1.0, (3,))]),
        ),
        ("Tuple([Discrete(2)])", gym.spaces.Tuple([gym.spaces.Discrete(2)])),
    ],
)
def test_documented_forms_parse(text, expected):
    assert parse_space(text) == expected


@settings(max_examples=80, deadline=None)
@given(spaces(max_depth=2))
def test_every_space_round_trips_through_text_and_json(space):
    import json

    assert parse_space(json.dumps(space_to_dict(space))) == space
    try:
        text = space_to_text(space)
    except TypeError as err:  # only per-element bounds on a >1-D Box have no short form
        assert "per-element bounds" in str(err)
        return
    assert parse_space(text) == space, text


@pytest.mark.parametrize(
    "text, match",
    [
        ("__import__('os').system('true')", "expected one of Box"),
        ("Box(-1, 1, (4,)) + 1", "expected one of Box"),
        ("Box(-1, open('x'), (4,))", "unexpected"),
        ("Discrete()", "Discrete takes"),
        ("Discrete(3, stop=2)", "Discrete takes"),
        ("Box(1)", "Box needs low and high"),
        ("Dict()", "at least one entry"),
        ("Tuple()", "one or more spaces"),
        ("Box(-1, 1, (4,)", "column"),
        ('{"space": "nope"}', "unknown space kind 'nope'"),
        ("Box(-1, 1, (4,), float31)", "unexpected 'float31'"),
        ("Dict(**{'a': Discrete(2)})", r"\*\*mapping arguments are not supported"),
        ("Box(**{'low': -1})", r"\*\*mapping arguments are not supported"),
        ("Dict({**{'a': Discrete(2)}})", "Dict keys must be strings"),
    ],
)
def test_anything_else_is_refused_with_the_accepted_forms(text, match):
    with pytest.raises(SpaceSyntaxError, match=match):
        parse_space(text)


def test_repeated_parses_round_trips_and_needs_a_max_len():
    from shim.spaces import Repeated

    space = parse_space("Repeated(Dict(pos=Box(-1, 1, (2,)), kind=Discrete(3)), max_len=5)")
    assert isinstance(space, Repeated) and space.max_len == 5
    assert space.child_space == gym.spaces.Dict(
        {"pos": gym.spaces.Box(-1.0, 1.0, (2,)), "kind": gym.spaces.Discrete(3)}
    )
    assert parse_space("Repeated(Discrete(2), 3)") == Repeated(gym.spaces.Discrete(2), 3)
    assert parse_space(space_to_text(space)) == space
    for bad, why in [
        ("Repeated(Discrete(2))", "max_len=N exactly once"),
        ("Repeated(Discrete(2), 2, max_len=3)", "max_len=N exactly once"),
        ("Repeated(Discrete(2), max_len=0)", "positive integer"),
        ("Repeated(Discrete(2), max_len=2, size=1)", r"takes \(SPACE, max_len=N\)"),
    ]:
        with pytest.raises(SpaceSyntaxError, match=why):
            parse_space(bad)


@given(st.lists(st.integers(1, 6), min_size=1, max_size=3))
def test_simplex_parses_nested_round_trips_and_takes_the_given_classes(shape):
    """RLlib's Simplex (a portfolio env's allocation space), alone or inside a Dict; a recorder
    passes real Ray's classes so the policy's ``isinstance`` checks see its own Simplex."""
    from shim.spaces import Simplex

    space = parse_space(f"Dict({{'0_allocation': Simplex({tuple(shape)}), 'x': Discrete(2)}})")
    inner = space["0_allocation"]
    assert isinstance(inner, Simplex) and inner.shape == tuple(shape)
    assert np.all(inner.concentration == 1)
    assert parse_space(space_to_text(space)) == space
    assert parse_space(f"Simplex(shape={shape})") == Simplex(tuple(shape))

    class OtherSimplex(Simplex):
        pass

    assert type(parse_space(f"Simplex({tuple(shape)})", {"Simplex": OtherSimplex})) is OtherSimplex


@pytest.mark.parametrize(
    "bad, why",
    [("Simplex()", "takes \\(shape\\) only"), ("Simplex((3,), 2)", "takes \\(shape\\) only"),
     ("Simplex((0,))", "positive integers"), ("Simplex(('a',))", "positive integers"),
     ("Simplex((3,), concentration=2)", "takes \\(shape\\) only")],
)
def test_simplex_is_refused_without_one_positive_shape(bad, why):
    with pytest.raises(SpaceSyntaxError, match=why):
        parse_space(bad)
