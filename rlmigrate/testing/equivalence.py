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

from collections.abc import Callable, Iterable
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from rlmigrate.core.legacy_config import migrated_model_config as spec_model_config
from rlmigrate.core.legacy_config import policy_module_model_config
from rlmigrate.testing.checker import BothRaised, Checker, screen
from rlmigrate.testing.compare import LEGACY_FAILURE_MODES, EquivalenceError, Inconclusive
from rlmigrate.testing.default_weights import default_weight_mapping, transfer_default_weights
from rlmigrate.testing.recorded_obs import RecordedObservations, check_observations, check_recorded
from rlmigrate.testing.report import EquivalenceReport, InputCounts, inconclusive_error
from rlmigrate.testing.side_build import as_side
from rlmigrate.testing.side_module import PolicySide
from rlmigrate.testing.strategies import _struct_observations
from rlmigrate.testing.transfer import WeightTransferError, transfer_weights
from rlmigrate.testing.warmup import warm_up_lazy

__all__ = [
    "EquivalenceError",
    "EquivalenceReport",
    "Inconclusive",
    "assert_equivalent",
    "DEFAULT_COMPARE",
    "ENGINES",
]

DEFAULT_COMPARE: tuple[str, ...] = ("action_dist_inputs", "actions", "logp", "values", "state")
ENGINES: tuple[str, ...] = ("screen", "hypothesis")


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
    legacy_failures: str = "match",
    observations: Any = None,
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
        legacy_failures: ``"match"`` (default): on an input where the legacy side raises,
            the migrated side must raise the same exception type (a faithful port keeps the
            legacy code's own failures); such examples do not count, hypothesis keeps
            generating until ``examples`` examples acted on both sides, and when it cannot
            find that many the check is :class:`Inconclusive`. A batched screen that meets a
            legacy failure hands over to the hypothesis engine (example by example).
            ``"strict"``: any legacy failure ends the check with
            :class:`~rlmigrate.testing.compare.LegacyFailure`.
        observations: observations the environment really produced, in the raw observation
            space: a struct of ``(N, ...)`` arrays (or a
            :class:`~rlmigrate.testing.recorded_obs.RecordedObservations`), checked against
            the space first, then each row alone on both sides, in addition to the generated
            examples and under the same rule; rows on which both sides act count towards the
            ``examples`` a proof needs.

    Returns:
        An :class:`EquivalenceReport`.

    Raises:
        EquivalenceError: a quantity differs (message: the shrunk input, quantity, max
            abs/rel difference, tolerances), is missing on one side, one side raised where
            the other acted (or raised another exception type), or the weights do not line up.
        Inconclusive: no difference, but the legacy side acted on fewer than ``examples``
            examples (message: how many acted, how many raised, which exception).
        LegacyFailure: ``legacy_failures="strict"`` and the legacy side raised (the
            migrated side too).
        ValueError / TypeError: unusable arguments (unknown quantity, missing spaces,
            observations outside the observation space, ...).
    """
    compare = tuple(compare)
    unknown = [q for q in compare if q not in DEFAULT_COMPARE]
    if unknown or not compare:
        raise ValueError(
            f"compare={compare!r}: unknown quantities {unknown}; expected a subset of {DEFAULT_COMPARE}"
        )
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r}: expected one of {ENGINES}")
    if legacy_failures not in LEGACY_FAILURE_MODES:
        raise ValueError(
            f"legacy_failures={legacy_failures!r}: expected one of {LEGACY_FAILURE_MODES}"
        )
    if examples < 1:
        raise ValueError(f"examples must be >= 1, got {examples}")
    observation_space, action_space = _resolve_spaces(
        legacy, migrated, observation_space, action_space
    )
    recorded = observations
    if recorded is not None and not isinstance(recorded, RecordedObservations):
        if observation_space is None:
            raise ValueError("observations given, but no observation space to check them against")
        recorded = check_observations(observation_space, recorded)
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
    elif migrated_model_config is None and isinstance(left, PolicySide):
        # a policy's module resolves the custom_model / custom_action_dist its config named
        migrated_model_config = policy_module_model_config(model_config)
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
            left,
            right,
            compare=compare,
            explore=explore,
            atol=atol,
            rtol=rtol,
            seed=seed,
            legacy_failures=legacy_failures,
        )

    # recorded observations first: a difference on a state the env produced says the most
    recorded_checker = make_checker()
    if recorded is not None:
        check_recorded(recorded_checker, recorded, stateful)
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
        except BothRaised:  # the legacy side raised on a row: check example by example
            checker, engine = search(), "hypothesis"
        except EquivalenceError as found:
            search()  # raises the shrunk counterexample when hypothesis finds one
            raise EquivalenceError(
                f"{found}\n  (found by the batched screen of {examples} examples; hypothesis did not "
                "reproduce it, so the input above is not shrunk: the difference depends on the batch)",
                difference=found.difference,
                example=found.example,
            ) from None
    counts = InputCounts(checker, recorded_checker, recorded)
    checker.absorb(recorded_checker)
    if checker.raised and counts.acted < examples:
        raise inconclusive_error(checker, counts, left.description, examples, explore)
    return EquivalenceReport(
        legacy=left.description,
        migrated=right.description,
        explore=explore,
        examples=counts.examples,
        steps=checker.steps,
        max_abs={q: v for q, v in checker.max_abs.items() if checker.present.get(q)},
        max_rel={q: v for q, v in checker.max_rel.items() if checker.present.get(q)},
        compared=tuple(q for q in compare if checker.present.get(q)),
        skipped=tuple(q for q in compare if not checker.present.get(q)),
        ties=checker.ties,
        atol=atol,
        rtol=rtol,
        engine=engine,
        rows=counts.rows,
        lazily_built=dict(warm.built) if warm.ran else {},
        raised=counts.raised,
        raised_messages=dict(checker.raised_messages),
        legacy_failures=legacy_failures,
        recorded=counts.recorded,
        recorded_acted=counts.recorded_acted,
        recorded_raised=counts.recorded_raised,
        recorded_source=recorded.source if recorded is not None else "",
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
    """A callable that runs ``@given`` over :func:`_example_strategy` and returns the checker.

    ``max_examples`` counts the examples on which both sides acted: one on which both raised
    the same exception is rejected, so hypothesis keeps generating (until it is 99% sure that
    fewer than 1% of its inputs act, its own rule for ``assume``)."""
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
            try:
                checker.run_example(b, steps, example_seed, obs, random_state, stateful)
            except BothRaised:
                reject()  # counted by the checker; hypothesis keeps looking for acting examples

        if not derandomize:
            check = hypothesis_seed(seed)(check)
        try:
            check()
        except Unsatisfiable:  # not one example acted on both sides: the caller says so
            pass
        return checker

    return run
