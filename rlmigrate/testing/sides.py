"""One protocol for both sides of an equivalence check.

A legacy ``ModelV2``, a shim ``Policy`` and an RLModule answer the same question in three
different ways. Each is wrapped here into a :class:`Side`: something that takes one step of
observations ``(B, ...)`` (raw, in the environment's space) and the previous recurrent
state, and returns the comparable quantities as numpy:

* ``action_dist_inputs`` ``(B, W)``: the model output / ``Columns.ACTION_DIST_INPUTS``;
* ``actions``: the deterministic action (``explore=False``) or a sample drawn right after
  ``torch.manual_seed(seed)`` (``explore=True``), struct-shaped like the action space;
* ``logp`` ``(B,)``: the log-likelihood of those actions under the (non-deterministic)
  action distribution, so that ``explore=False`` still compares the distributions;
* ``values`` ``(B,)``: ``value_function()`` after the call / ``compute_values(batch)``;
* ``state``: the state out, as a flat list of ``(B, ...)`` arrays (dict states flattened in
  insertion order, legacy list states in list order).

Legacy models are called the way the legacy Policy called them: observations go through the
catalog's preprocessor (one-hot, Dict/Tuple flattening), then
``model(input_dict, state, seq_lens)`` and ``model.value_function()``.

Layering (imports go downward only): this module (the protocol and array helpers) ←
``side_legacy`` / ``side_module`` (one kind of side each) ← ``side_build`` (:func:`as_side`,
which picks the kind and builds it with the config each side saw).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.nest import map_struct

__all__ = [
    "SideBuildError",
    "building",
    "Side",
    "StepOutput",
    "flatten_leaves",
    "unflatten_like",
    "seeded",
    "require_spaces",
]

StepOutput = dict[str, Any]
#: quantity names the sides produce
QUANTITIES = ("action_dist_inputs", "actions", "logp", "values", "state")


# --------------------------------------------------------------------------- structs
def flatten_leaves(value: Any) -> list[Any]:
    """Leaves in the order :func:`rlmigrate.core.nest.map_struct` walks them (as written).

    Not ``nest.flatten`` (sorted keys): a migrated module's state dict ``{"h", "c"}`` pairs
    with the legacy state list ``[h, c]`` in the order the module declares it.
    """
    leaves: list[Any] = []
    map_struct(leaves.append, value)
    return leaves


def unflatten_like(template: Any, leaves: list[Any]) -> Any:
    """Inverse of :func:`flatten_leaves` for ``template``'s structure."""
    it = iter(leaves)
    return map_struct(lambda _leaf: next(it), template)


def _leaf_as_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def as_numpy(value: Any) -> Any:
    """Struct of tensors/arrays -> same struct of numpy arrays (``None`` stays ``None``)."""
    return None if value is None else map_struct(_leaf_as_numpy, value)


def _leaf_as_tensor(value: Any) -> torch.Tensor:
    tensor = (
        value if isinstance(value, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(value))
    )
    return (
        tensor.float() if tensor.is_floating_point() and tensor.dtype != torch.float32 else tensor
    )


def logp_under(dist: Any, actions: Any) -> np.ndarray | None:
    """``dist.logp(actions)`` ``(B,)`` as numpy, actions (a struct of arrays) made tensors first.

    ``None`` when there is no distribution (nothing was sampled yet) or it cannot score.
    """
    if dist is None:
        return None
    tensors = map_struct(lambda a: torch.as_tensor(np.asarray(a)), actions)
    with torch.no_grad():
        return as_numpy(logp_or_none(lambda: dist.logp(tensors)))


def tiled_state(leaves: list[Any], batch_size: int) -> list[np.ndarray]:
    """Each initial-state leaf ``(...)`` repeated to ``(B, ...)``, as numpy (B = ``batch_size``)."""
    return [np.repeat(np.asarray(as_numpy(s))[None], batch_size, axis=0) for s in leaves]


def state_leaves(state_out: Any) -> list[np.ndarray]:
    """A step's state out as the flat list of ``(B, ...)`` arrays; ``[]`` when there is none."""
    return [] if state_out is None else [as_numpy(s) for s in flatten_leaves(state_out)]


def as_tensors(value: Any) -> Any:
    """Struct of arrays/tensors -> torch tensors, every float leaf float32 (tensors included)."""
    return map_struct(_leaf_as_tensor, value)


@contextlib.contextmanager
def seeded(seed: int):
    """Seed torch (CPU), numpy and ``random`` for the block; the callers' RNG state is restored.

    Uses the CPU generator directly: ``torch.manual_seed`` also queues a lazy CUDA seeding
    that records a stack trace on every call, which costs milliseconds.
    """
    generator = torch.default_generator
    torch_state = generator.get_state()
    np_state = np.random.get_state()
    py_state = random.getstate()
    generator.manual_seed(seed)
    np.random.seed(seed % (2**32))
    random.seed(seed)
    try:
        yield
    finally:
        generator.set_state(torch_state)
        np.random.set_state(np_state)
        random.setstate(py_state)


def _all_spaces(space: Any) -> list[gym.Space]:
    """``space`` and every space nested in it (Dict/Tuple children, Sequence features)."""
    out: list[gym.Space] = []
    stack = [space]
    while stack:
        current = stack.pop()
        if not isinstance(current, gym.Space):
            continue
        out.append(current)
        children = getattr(current, "spaces", None)
        if isinstance(children, Mapping):
            stack.extend(children.values())
        elif isinstance(children, (tuple, list)):
            stack.extend(children)
        feature = getattr(current, "feature_space", None)
        if feature is not None:
            stack.append(feature)
    return out


@contextlib.contextmanager
def seeded_spaces(spaces: Iterable[Any], seed: int):
    """Seed each gymnasium space's own RNG (``space.sample()``) for the block, then restore it.

    Hand-written random policies and their modules draw from ``action_space.sample()``, whose
    generator is the space's, not numpy's global one: both sides of a comparison seed their
    spaces with the same ``seed`` so that, drawing in the same order, they draw the same.
    """
    saved = [(space, space._np_random) for root in spaces for space in _all_spaces(root)]
    try:
        for root in spaces:
            if isinstance(root, gym.Space):
                root.seed(seed % (2**32))
        yield
    finally:
        for space, generator in saved:
            space._np_random = generator


def held_spaces(owner: Any) -> list[gym.Space]:
    """The gymnasium spaces ``owner`` holds as attributes, and those its attributes hold in
    turn (a policy's ``self.model.state_space``): a random policy or module may sample a space
    of its own (an unbounded copy of its action space, a state space) besides the spaces it
    was built with; :func:`seeded_spaces` seeds them all, each side its own."""
    found: list[gym.Space] = []
    for value in _attributes(owner):
        if isinstance(value, gym.Space):
            found.append(value)
        else:
            found.extend(v for v in _attributes(value) if isinstance(v, gym.Space))
    return found


def _attributes(obj: Any) -> list[Any]:
    try:
        return list(vars(obj).values())
    except TypeError:  # no __dict__ (numbers, arrays, slotted objects)
        return []


def logp_or_none(fn: Callable[[], Any]) -> Any:
    """Some distributions (deterministic ones) have no meaningful logp: that is 'missing'."""
    try:
        return fn()
    except (NotImplementedError, ValueError, TypeError, AttributeError, AssertionError):
        return None


class SideBuildError(ValueError):
    """A class given to the kit could not be built with the spaces and config given."""


@contextlib.contextmanager
def building(label: str, name: str, observation_space: Any, action_space: Any):
    """Turn any error raised while constructing the user's class into :class:`SideBuildError`
    naming the side, the class and the spaces: a ``TypeError`` from inside a model's
    constructor is the class failing to build, not a misuse of the kit."""
    try:
        yield
    except SideBuildError:
        raise
    except Exception as err:
        raise SideBuildError(
            f"{label}: building {name} with observation_space={observation_space}, "
            f"action_space={action_space} failed: {type(err).__name__}: {err}"
        ) from err


# --------------------------------------------------------------------------- protocol
class Side:
    """A model under test, normalised. Subclasses implement :meth:`step` and friends.

    Attributes:
        label: "legacy" or "migrated" (for messages).
        description: what was wrapped, e.g. ``"ModelV2 MyModel"``.
        observation_space: the raw (environment) observation space.
        action_space: the action space.
    """

    label: str
    description: str
    observation_space: gym.Space
    action_space: gym.Space

    def initial_state(self, batch_size: int) -> list[np.ndarray]:
        """The initial state tiled to ``(B, ...)``, flattened; ``[]`` when stateless."""
        raise NotImplementedError

    def state_template(self) -> Any:
        """The structure :meth:`step` expects its state in (list for legacy, dict for modules)."""
        raise NotImplementedError

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        """One acting step: ``obs`` ``(B, ...)`` raw numpy, ``state`` flat list of ``(B, ...)``."""
        raise NotImplementedError

    def sequence(
        self, obs: Any, state: list[np.ndarray], columns: Mapping[str, np.ndarray] | None = None
    ) -> StepOutput | None:
        """A whole sequence in one pass: ``obs`` ``(B, T, ...)`` → ``action_dist_inputs``
        ``(B, T, W)``, ``values`` ``(B, T)``, ``state`` after T steps. None if unsupported."""
        return None

    def logp_of(self, actions: Any) -> np.ndarray | None:
        """logp of ``actions`` under the distribution of the most recent :meth:`step` (ties)."""
        return None

    def weights_owner(self) -> Any:
        """The object whose weights :func:`transfer_weights` reads or writes."""
        raise NotImplementedError


def require_spaces(
    what: str, observation_space: gym.Space | None, action_space: gym.Space | None
) -> tuple[gym.Space, gym.Space]:
    """``(observation_space, action_space)``, both given; ValueError naming ``what`` otherwise."""
    if observation_space is None or action_space is None:
        raise ValueError(
            f"building {what} needs observation_space= and action_space= "
            f"(got observation_space={observation_space!r}, action_space={action_space!r})"
        )
    return observation_space, action_space
    return observation_space, action_space
