"""``assert_equivalent``: prove that a migrated module computes what the legacy model computed.

Both sides get the same weights (transferred by name), then generated observation batches in
the raw observation space are fed to both; every quantity asked for (``action_dist_inputs``,
``actions``, ``logp``, ``values``, ``state``) must agree within ``atol + rtol * |legacy|``.
Recurrent models are stepped over sequences of several steps with each side threading its
own state, starting from the initial state or from a random one fed to both, and the whole
sequence is also run in one pass. With ``explore=True`` the samples are drawn right after
the same torch seed on both sides, so they must agree as well. A model that builds
submodules in its first forward pass (``if self.net is None: self.net = ...``) is warmed up
first, one identical step on both sides, so that those weights exist and are transferred too
(:mod:`rlmigrate.testing.warmup`; the report names them).

Two engines generate the inputs:

* ``"screen"`` (default): all ``examples`` batches are drawn with numpy (same spaces, same
  bias towards bounds and zero as the hypothesis strategies) and checked in one batched
  pass, plus the first row alone. Only when that finds a difference does hypothesis search
  and shrink (``@given``, ``max_examples=examples``), so a failure still shows the smallest
  input. This keeps a passing check within a few forward passes' time; hypothesis alone
  costs milliseconds per example (see ``benchmarks/verify_overhead.py``).
* ``"hypothesis"``: every example goes through ``@given`` (slower, one forward per example).

Example:
    >>> report = assert_equivalent(LegacyModel, MigratedModule,  # doctest: +SKIP
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Discrete(2))
    >>> report.max_abs["action_dist_inputs"] <= 1e-6  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from rlmigrate.core.legacy_config import migrated_model_config as spec_model_config
from rlmigrate.testing.checker import Checker, screen
from rlmigrate.testing.compare import EquivalenceError
from rlmigrate.testing.default_weights import default_weight_mapping, transfer_default_weights
from rlmigrate.testing.side_build import as_side
from rlmigrate.testing.side_module import PolicySide
from rlmigrate.testing.strategies import _struct_observations
from rlmigrate.testing.transfer import WeightTransferError, transfer_weights
from rlmigrate.testing.warmup import WarmUp, warm_up_lazy

__all__ = [
    "EquivalenceError",
    "EquivalenceReport",
    "assert_equivalent",
    "DEFAULT_COMPARE",
    "ENGINES",
]

DEFAULT_COMPARE: tuple[str, ...] = ("action_dist_inputs", "actions", "logp", "values", "state")
ENGINES: tuple[str, ...] = ("screen", "hypothesis")


@dataclasses.dataclass
class EquivalenceReport:
    """What a successful :func:`assert_equivalent` checked.

    Attributes:
        legacy / migrated: descriptions of the two sides.
        explore: whether exploration (sampling) was compared.
        examples: examples checked (each a batch; with the hypothesis engine fewer than
            asked when the input space is exhausted, e.g. a small Discrete space).
        steps: acting passes compared (several per example for recurrent models).
        max_abs / max_rel: largest absolute / relative difference seen, per quantity.
        compared: quantities present on both sides; skipped: absent on both.
        engine: ``"screen"`` or ``"hypothesis"``; rows: observations checked in total.
        ties: deterministic actions that differed only because two choices were equally
            likely (argmax ties within tolerance); these are not failures.
        atol / rtol: the tolerances.
        lazily_built: per side label, the submodules its first forward pass built (see
            :mod:`rlmigrate.testing.warmup`); when any, both sides took one identical warm-up
            step before the weights were transferred and that first call is not compared.
    """

    legacy: str
    migrated: str
    explore: bool
    examples: int
    steps: int
    max_abs: dict[str, float]
    max_rel: dict[str, float]
    compared: tuple[str, ...]
    skipped: tuple[str, ...]
    ties: int
    atol: float
    rtol: float
    engine: str = "screen"
    rows: int = 0
    lazily_built: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        lines = [
            f"{self.migrated} is equivalent to {self.legacy} (explore={self.explore}): "
            f"{self.examples} examples ({self.rows} observations, engine {self.engine}), "
            f"atol={self.atol:g}, rtol={self.rtol:g}"
        ]
        for name in self.compared:
            lines.append(
                f"  {name:<20} max abs {self.max_abs[name]:.3g}  max rel {self.max_rel[name]:.3g}"
            )
        if self.skipped:
            lines.append(f"  skipped (absent on both sides): {', '.join(self.skipped)}")
        if any(self.lazily_built.values()):
            lines.append("  " + WarmUp(self.lazily_built).describe())
        return "\n".join(lines)


def _resolve_spaces(
    legacy: Any, migrated: Any, observation_space: Any, action_space: Any
) -> tuple[Any, Any]:
    """Spaces from the arguments, else from whichever side is an instance."""
    for obj in (legacy, migrated):
        if isinstance(obj, type):
            continue
        own_obs = getattr(obj, "observation_space", None)
        if own_obs is None and hasattr(obj, "obs_space"):
            own_obs = getattr(obj.obs_space, "original_space", obj.obs_space)
        observation_space = observation_space if observation_space is not None else own_obs
        action_space = (
            action_space if action_space is not None else getattr(obj, "action_space", None)
        )
    return observation_space, action_space


def _with_state_noise(template_leaves: list[np.ndarray]) -> Callable[[int], st.SearchStrategy]:
    def for_batch(b: int) -> st.SearchStrategy[list[np.ndarray]]:
        from hypothesis.extra import numpy as hnp

        return st.tuples(
            *[
                hnp.arrays(
                    np.float32, (b,) + leaf.shape[1:], elements=st.floats(-1.0, 1.0, width=32)
                )
                for leaf in template_leaves
            ]
        ).map(list)

    return for_batch


def _example_strategy(
    space: gym.Space,
    stateful: bool,
    template: list[np.ndarray],
    batch_sizes: tuple[int, int],
    max_steps: int,
) -> st.SearchStrategy:
    noise = _with_state_noise(template)

    def for_shape(params: tuple[int, int, int, bool]) -> st.SearchStrategy:
        b, steps, seed, random_start = params
        obs = _struct_observations(space, (b, steps))
        state = noise(b) if (stateful and random_start and template) else st.none()
        return st.tuples(st.just(params), obs, state)

    return st.tuples(
        st.integers(*batch_sizes),
        st.integers(1, max_steps) if stateful else st.just(1),
        st.integers(0, 2**20),
        st.booleans() if stateful else st.just(False),
    ).flatmap(for_shape)


def assert_equivalent(
    legacy: Any,
    migrated: Any,
    *,
    observation_space: gym.Space | None = None,
    action_space: gym.Space | None = None,
    model_config: dict | None = None,
    migrated_model_config: dict | None = None,
    explore: bool = False,
    examples: int = 100,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    compare: Iterable[str] = DEFAULT_COMPARE,
    seed: int = 0,
    transfer: bool = True,
    mapping: Any = None,
    batch_size: int | tuple[int, int] = (1, 8),
    max_steps: int = 4,
    derandomize: bool = True,
    engine: str = "screen",
) -> EquivalenceReport:
    """Assert that ``migrated`` computes what ``legacy`` computes, on generated inputs.

    Args:
        legacy / migrated: each a legacy ``ModelV2`` class or instance, a shim ``Policy``, or
            an RLModule class or instance. Classes are built with the spaces and config.
        observation_space / action_space: the raw (environment) spaces; taken from an
            instance when omitted.
        model_config: the legacy model config (``MODEL_DEFAULTS`` are merged in for the
            legacy side; the migrated side gets it with ``custom_model_config`` merged in).
        migrated_model_config: the migrated module's ``model_config``, when it differs.
            A hand-written (heuristic) legacy policy's module gets, unless this is given, the
            policy's config keys (other than ``"model"``) in its ``model_config`` as well:
            RLM038 reads ``self.config[...]`` from there.
        explore: compare exploration (sampled actions under the same torch seed) instead of
            greedy acting.
        examples: examples to check (each a batch of ``batch_size`` observations).
        atol / rtol: tolerance ``|migrated - legacy| <= atol + rtol * |legacy|``.
        compare: the quantities to compare (subset of :data:`DEFAULT_COMPARE`).
        seed: base torch seed for sampling (and the hypothesis seed if not derandomized).
        transfer: copy the legacy weights into the migrated side first (by name).
        mapping: ``{legacy_key: migrated_key}`` or a callable, for renamed layers.
        batch_size: ``B`` or a ``(min, max)`` range.
        max_steps: longest sequence for recurrent models.
        derandomize: same hypothesis examples on every run (reproducible CI); the screen
            is always reproducible (numpy, seeded with ``seed``).
        engine: ``"screen"`` (batched numpy screen, hypothesis search and shrink on a
            difference) or ``"hypothesis"`` (every example through ``@given``).

    Returns:
        An :class:`EquivalenceReport`.

    Raises:
        EquivalenceError: a quantity differs (message: the shrunk input, quantity, max
            abs/rel difference, tolerances), is missing on one side, a side crashed, or
            the weights do not line up.
        ValueError / TypeError: unusable arguments (unknown quantity, missing spaces, ...).
    """
    compare = tuple(compare)
    unknown = [q for q in compare if q not in DEFAULT_COMPARE]
    if unknown or not compare:
        raise ValueError(
            f"compare={compare!r}: unknown quantities {unknown}; expected a subset of {DEFAULT_COMPARE}"
        )
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r}: expected one of {ENGINES}")
    if examples < 1:
        raise ValueError(f"examples must be >= 1, got {examples}")
    observation_space, action_space = _resolve_spaces(
        legacy, migrated, observation_space, action_space
    )
    left = as_side(
        legacy,
        label="legacy",
        observation_space=observation_space,
        action_space=action_space,
        model_config=model_config,
    )
    if migrated_model_config is None and isinstance(left, PolicySide) and left.hand_written:
        # RLM038 reads the policy's config keys (self.config[...]) from the module's model_config
        policy_config = left.policy.config
        migrated_model_config = {
            **{k: v for k, v in policy_config.items() if k != "model"},
            **spec_model_config(model_config),
        }
    right = as_side(
        migrated,
        label="migrated",
        observation_space=observation_space,
        action_space=action_space,
        model_config=model_config,
        migrated_model_config=migrated_model_config,
    )
    if left.observation_space != right.observation_space:
        raise ValueError(
            f"the two sides see different observation spaces: legacy {left.observation_space} vs "
            f"migrated {right.observation_space}"
        )
    # a model that builds submodules in its first forward pass has their weights only then
    warm = warm_up_lazy(left, right, seed=seed)
    if transfer:
        source, target = left.weights_owner(), right.weights_owner()
        default_map = default_weight_mapping(source, target) if mapping is None else None
        try:
            if default_map is not None:  # a policy on RLlib's default model → the PPO module
                transfer_default_weights(source, target, default_map)
            else:
                transfer_weights(source, target, mapping=mapping)
        except WeightTransferError as err:
            raise EquivalenceError(
                f"the weights of {left.description} and {right.description} do not line up, so the "
                f"migration cannot compute the same function:\n{err}"
            ) from err
    template = [np.asarray(x) for x in (left.initial_state(1) or right.initial_state(1))]
    stateful = bool(template)
    sizes = (
        (batch_size, batch_size)
        if isinstance(batch_size, int)
        else (int(batch_size[0]), int(batch_size[1]))
    )

    def make_checker() -> Checker:
        return Checker(
            left, right, compare=compare, explore=explore, atol=atol, rtol=rtol, seed=seed
        )

    search = _hypothesis_search(
        make_checker,
        left.observation_space,
        stateful,
        template,
        sizes,
        max_steps,
        examples,
        derandomize,
        seed,
    )
    if engine == "hypothesis":
        checker = search()
    else:
        checker = make_checker()
        try:
            screen(
                checker,
                left.observation_space,
                examples=examples,
                sizes=sizes,
                max_steps=max_steps,
                template=template,
                stateful=stateful,
                seed=seed,
            )
        except EquivalenceError as found:
            search()  # raises the shrunk counterexample when hypothesis finds one
            raise EquivalenceError(
                f"{found}\n  (found by the batched screen of {examples} examples; hypothesis did not "
                "reproduce it, so the input above is not shrunk: the difference depends on the batch)",
                difference=found.difference,
                example=found.example,
            ) from None
    return EquivalenceReport(
        legacy=left.description,
        migrated=right.description,
        explore=explore,
        examples=checker.examples,
        steps=checker.steps,
        max_abs={q: v for q, v in checker.max_abs.items() if checker.present.get(q)},
        max_rel={q: v for q, v in checker.max_rel.items() if checker.present.get(q)},
        compared=tuple(q for q in compare if checker.present.get(q)),
        skipped=tuple(q for q in compare if not checker.present.get(q)),
        ties=checker.ties,
        atol=atol,
        rtol=rtol,
        engine=engine,
        rows=checker.rows,
        lazily_built=dict(warm.built) if warm.ran else {},
    )


def _hypothesis_search(
    make_checker: Callable[[], Checker],
    space: gym.Space,
    stateful: bool,
    template: list[np.ndarray],
    sizes: tuple[int, int],
    max_steps: int,
    examples: int,
    derandomize: bool,
    seed: int,
) -> Callable[[], Checker]:
    """A callable that runs ``@given`` over :func:`_example_strategy` and returns the checker."""
    strategy = _example_strategy(space, stateful, template, sizes, max_steps)

    def run() -> Checker:
        checker = make_checker()

        @settings(
            max_examples=examples,
            derandomize=derandomize,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @given(example=strategy)
        def check(example: Any) -> None:
            (b, steps, example_seed, _), obs, random_state = example
            checker.run_example(b, steps, example_seed, obs, random_state, stateful)

        if not derandomize:
            check = hypothesis_seed(seed)(check)
        check()
        return checker

    return run
