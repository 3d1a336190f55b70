"""The per-example work of :func:`assert_equivalent`: run both sides, compare, explain.

:class:`Checker` steps both sides over one batch of observations ``(B, T, ...)`` (each side
threads its own recurrent state), compares every requested quantity with
:func:`~rlmigrate.testing.compare.compare_values`, keeps the worst differences for the
report, and turns the first out-of-tolerance difference into an :class:`EquivalenceError`
that shows the input. :func:`screen` runs all examples in one batched pass. A legacy policy
that answers fewer actions than rows (code written for one env per worker reads ``obs[0]``)
is compared row by row instead, each row a batch of one, as RLlib's worker ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np

from rlmigrate.testing.compare import (
    Difference,
    EquivalenceError,
    LegacyFailure,
    compare_values,
    exception_name,
)
from rlmigrate.testing.episode_columns import episode_columns
from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.sides import QUANTITIES, Side, flatten_leaves

__all__ = ["BothRaised", "Checker", "screen", "time_slice"]


class BothRaised(Exception):
    """Both sides raised the same exception type on one example (``legacy_failures="match"``):
    the module reproduces the legacy failure. Not a difference; the example is counted apart
    from those on which both sides acted.

    Attributes:
        name: the exception type (:func:`~rlmigrate.testing.compare.exception_name`).
        message: the legacy side's message.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def time_slice(obs: Any, t: int) -> Any:
    if isinstance(obs, Mapping):
        return {k: time_slice(v, t) for k, v in obs.items()}
    if isinstance(obs, (tuple, list)):
        return type(obs)(time_slice(v, t) for v in obs)
    return obs[:, t]


def _format_value(value: Any, indent: str = "    ") -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_format_value(v, indent)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_format_value(v, indent) for v in value) + ")"
    text = np.array2string(np.asarray(value), precision=8, threshold=64, separator=", ")
    return text.replace("\n", "\n" + indent)


class Checker:
    """Runs one example on both sides and tracks the worst differences."""

    def __init__(
        self,
        legacy: Side,
        migrated: Side,
        *,
        compare: tuple[str, ...],
        explore: bool,
        atol: float,
        rtol: float,
        seed: int,
        legacy_failures: str = "match",
    ) -> None:
        self.legacy, self.migrated = legacy, migrated
        self.legacy_failures = legacy_failures
        #: examples on which both sides raised, per exception type, and one legacy message each
        self.raised: dict[str, int] = {}
        self.raised_messages: dict[str, str] = {}
        self.compare, self.explore, self.atol, self.rtol, self.seed = (
            compare,
            explore,
            atol,
            rtol,
            seed,
        )
        self.max_abs = {q: 0.0 for q in compare}
        self.max_rel = {q: 0.0 for q in compare}
        self.present: dict[str, bool] = {}
        self.examples = self.steps = self.ties = self.rows = 0
        self.input_label = "smallest input found (shrunk by hypothesis)"

    # -------------------------------------------------------------- one quantity
    def absorb(self, other: Checker) -> None:
        """Add ``other``'s counts and worst differences to this checker's (the recorded
        observations' checker into the generated inputs' one)."""
        for quantity in self.compare:
            self.max_abs[quantity] = max(self.max_abs[quantity], other.max_abs[quantity])
            self.max_rel[quantity] = max(self.max_rel[quantity], other.max_rel[quantity])
        for quantity, present in other.present.items():
            self.present[quantity] = self.present.get(quantity, False) or present
        self.examples += other.examples
        self.steps += other.steps
        self.ties += other.ties
        self.rows += other.rows
        for name, count in other.raised.items():
            self.raised[name] = self.raised.get(name, 0) + count
            self.raised_messages.setdefault(name, other.raised_messages[name])

    def _check(self, quantity: str, left: dict, right: dict, context: dict, *, phase: str) -> None:
        if quantity not in self.compare:
            return
        a, b = left.get(quantity), right.get(quantity)
        a = None if (isinstance(a, list) and not a) else a
        b = None if (isinstance(b, list) and not b) else b
        if a is None and b is None:
            self.present.setdefault(quantity, False)
            return
        if a is None and quantity in getattr(self.legacy, "optional_quantities", ()):
            # a legacy policy without vf_preds (no ValueNetworkMixin): values are not part of
            # how it acts, so a module that also computes them still acts the same
            self.present.setdefault(quantity, False)
            return
        if a is None or b is None:
            side = self.legacy if a is None else self.migrated
            other = self.migrated if a is None else self.legacy
            raise self._error(
                Difference(
                    quantity,
                    f"missing on {side.label} ({side.description}) but produced by {other.label}",
                ),
                context,
                phase,
            )
        self.present[quantity] = True
        result = compare_values(quantity, a, b, atol=self.atol, rtol=self.rtol)
        if result.difference is not None and quantity == "actions" and not self.explore:
            rows = result.difference.bad_rows
            if rows is not None and self._is_tie(a, b, result.difference):
                self.ties += len(rows)
                return
        if result.difference is not None:
            raise self._error(result.difference, context, phase)
        self.max_abs[quantity] = max(self.max_abs[quantity], result.max_abs)
        self.max_rel[quantity] = max(self.max_rel[quantity], result.max_rel)

    def _is_tie(self, legacy_actions: Any, migrated_actions: Any, difference: Difference) -> bool:
        """Deterministic actions differ, but the legacy distribution rates both choices the
        same (an argmax tie within tolerance): not a migration error."""
        own = self.legacy.logp_of(legacy_actions)
        other = self.legacy.logp_of(migrated_actions)
        if own is None or other is None or difference.bad_rows is None:
            return False
        rows = difference.bad_rows
        own, other = (
            np.asarray(own, dtype=np.float64)[rows],
            np.asarray(other, dtype=np.float64)[rows],
        )
        return bool(np.all(np.abs(own - other) <= self.atol + self.rtol * np.abs(own)))

    def _error(self, difference: Difference, context: dict, phase: str) -> EquivalenceError:
        lines = [
            f"{self.migrated.label} ({self.migrated.description}) differs from {self.legacy.label} "
            f"({self.legacy.description}) in {difference.quantity!r} at {phase} (explore={self.explore}): "
            f"{difference.reason}"
        ]
        if difference.where is not None:
            leaf, index = difference.where
            lines.append(
                f"  max abs diff {difference.max_abs:.6g}, max rel diff {difference.max_rel:.6g}; worst at "
                f"{'array ' + str(leaf) + ' ' if leaf else ''}index {index}: legacy {difference.legacy_value!r} "
                f"vs migrated {difference.migrated_value!r}"
            )
        lines.append(f"  tolerance: atol={self.atol:g}, rtol={self.rtol:g}")
        lines.append(f"  {self.input_label}:")
        for key, value in context.items():
            lines.append(f"    {key} = {_format_value(value, '      ')}")
        return EquivalenceError("\n".join(lines), difference=difference, example=context)

    def _call(self, side: Side, fn: Callable[[], Any], context: dict, phase: str) -> Any:
        try:
            return fn()
        except EquivalenceError:
            raise
        except Exception as err:  # a crash on one side is a (shrinkable) difference too
            raise self._error(
                Difference("forward", f"{side.label} raised {type(err).__name__}: {err}"),
                context,
                phase,
            ) from err

    def _both(
        self,
        legacy_call: Callable[[], Any],
        migrated_call: Callable[[], Any],
        context: dict,
        phase: str,
    ) -> tuple[Any, Any]:
        """Both sides' outputs for one call, or the verdict on a legacy failure.

        When the legacy side raises, the migrated side runs on the same input: a migrated side
        that acts there is a difference; one that raises too ends the check with
        :class:`LegacyFailure` (``"strict"``), or (``"match"``) must raise the same exception
        type (:func:`~rlmigrate.testing.compare.exception_name`), else it is a difference,
        and the example ends with :class:`BothRaised`."""
        try:
            left = legacy_call()
        except EquivalenceError:
            raise
        except Exception as legacy_error:
            self._legacy_raised(legacy_error, migrated_call, context, phase)
        right = self._call(self.migrated, migrated_call, context, phase)
        return left, right

    def _legacy_raised(
        self,
        legacy_error: Exception,
        migrated_call: Callable[[], Any],
        context: dict,
        phase: str,
    ) -> NoReturn:
        legacy_text = f"{exception_name(legacy_error)}: {legacy_error}"
        try:
            migrated_call()
        except EquivalenceError:
            raise
        except Exception as migrated_error:
            if self.legacy_failures == "strict":
                raise LegacyFailure(
                    f"{self.legacy.label} ({self.legacy.description}) itself raises at {phase} "
                    f"(explore={self.explore}): {legacy_text}; "
                    f"{self.migrated.label} ({self.migrated.description}) raises too: "
                    f"{exception_name(migrated_error)}: {migrated_error}. The legacy code cannot act "
                    "with these spaces (a bug of its own, carried over by the migration): nothing "
                    "to compare (strict mode: any legacy failure ends the check)"
                ) from legacy_error
            same = exception_name(migrated_error) == exception_name(legacy_error)
            if not same:
                raise self._error(
                    Difference(
                        "forward",
                        f"{self.legacy.label} raised {legacy_text}, {self.migrated.label} raised "
                        f"another exception type: {exception_name(migrated_error)}: {migrated_error}",
                    ),
                    context,
                    phase,
                ) from migrated_error
            raise BothRaised(exception_name(legacy_error), str(legacy_error)) from legacy_error
        raise self._error(
            Difference(
                "forward",
                f"{self.legacy.label} raised {legacy_text}, but {self.migrated.label} acts on "
                "this input (a migration must reproduce the legacy failure, not act in its place)",
            ),
            context,
            phase,
        ) from legacy_error

    def _stepper(
        self, side: Side, obs: Any, state: list, seed: int, columns: dict | None = None
    ) -> Callable[[], Any]:
        return lambda: side.step(obs, state, explore=self.explore, seed=seed, columns=columns)

    def _columns(self, rows: int, seed: int, step: int) -> dict[str, np.ndarray] | None:
        """The episode columns the legacy policy reads while acting (:mod:`.episode_columns`),
        the same for both sides; None when it declares none."""
        names = tuple(getattr(self.legacy, "episode_columns", ()))
        return episode_columns(names, rows, seed, step) if names else None

    # -------------------------------------------------------------- one example
    def starting_states(
        self, b: int, random_state: list[np.ndarray] | None, context: dict
    ) -> tuple[list, list]:
        """Each side's initial state (compared) or the shared random one."""
        if random_state is not None:
            context["state_in"] = random_state
            return list(random_state), list(random_state)
        state_l = self._call(
            self.legacy, lambda: self.legacy.initial_state(b), context, "initial state"
        )
        state_m = self._call(
            self.migrated, lambda: self.migrated.initial_state(b), context, "initial state"
        )
        if state_l or state_m:
            self._check(
                "state", {"state": state_l}, {"state": state_m}, context, phase="the initial state"
            )
        return state_l, state_m

    def run(
        self,
        obs: Any,
        steps: int,
        seed: int,
        start_l: list,
        start_m: list,
        context: dict,
        stateful: bool,
        *,
        examples: int = 1,
    ) -> None:
        """Step both sides ``steps`` times over ``obs`` ``(B, T, ...)``, threading each side's
        state, comparing every quantity; then (recurrent) the whole sequence in one pass.

        Counts ``examples`` (and their rows) only when both sides acted all the way; raises
        :class:`BothRaised` when both raised the same exception type."""
        state_l, state_m = list(start_l), list(start_m)
        for t in range(steps):
            phase = f"step {t + 1} of {steps}" if stateful else "the acting step"
            obs_t = time_slice(obs, t)
            step_seed = self.seed + seed + t
            rows = _batch_rows(obs_t)
            columns = self._columns(rows, self.seed + seed, t)
            if columns and t == 0:
                context["columns"] = {k: v.tolist() for k, v in columns.items()}
            left, right = self._both(
                self._stepper(self.legacy, obs_t, state_l, step_seed, columns),
                self._stepper(self.migrated, obs_t, state_m, step_seed, columns),
                context,
                phase,
            )
            self.steps += 1
            if not stateful and not state_l and rows > 1 and _answered_rows(left) < rows:
                # code written for one env per worker acts on obs[0] and answers one action for
                # the batch (RLlib's worker gave it one row): compare it row by row, as it ran
                self._row_by_row(obs_t, rows, step_seed, context, phase, columns)
                continue
            for quantity in QUANTITIES:
                self._check(quantity, left, right, context, phase=phase)
            state_l, state_m = left["state"] or state_l, right["state"] or state_m
        if stateful and steps > 1:
            phase = f"the one-pass sequence of {steps} steps"
            rows = _batch_rows(time_slice(obs, 0))
            steps_columns = [self._columns(rows, self.seed + seed, t) for t in range(steps)]
            columns = None if steps_columns[0] is None else {
                k: np.stack([c[k] for c in steps_columns if c is not None], axis=1)
                for k in steps_columns[0]}
            left, right = self._both(
                lambda: self.legacy.sequence(obs, start_l, columns),
                lambda: self.migrated.sequence(obs, start_m, columns),
                context,
                phase,
            )
            if left is not None and right is not None:
                for quantity in ("action_dist_inputs", "values", "state"):
                    self._check(quantity, left, right, context, phase=phase)
        self.examples += examples
        self.rows += int(np.asarray(flatten_leaves(obs)[0]).shape[0]) if examples else 0

    def _row_by_row(
        self, obs: Any, rows: int, seed: int, context: dict, phase: str, columns: dict | None = None
    ) -> None:
        """Each of the ``rows`` observations of a stateless step as a batch of one, on both
        sides, every quantity compared: for a legacy policy that answered fewer actions than
        it was given rows (it reads only the first)."""
        for i in range(rows):
            row = _rows(obs, slice(i, i + 1))
            row_context = {**context, "batch_size": 1, "row": i, "obs": row}
            row_columns = None if columns is None else {k: v[i:i + 1] for k, v in columns.items()}
            left, right = self._both(
                self._stepper(self.legacy, row, [], seed, row_columns),
                self._stepper(self.migrated, row, [], seed, row_columns),
                row_context,
                f"{phase} (row {i} alone)",
            )
            for quantity in QUANTITIES:
                self._check(quantity, left, right, row_context, phase=f"{phase} (row {i} alone)")

    def run_example(
        self,
        b: int,
        steps: int,
        seed: int,
        obs: Any,
        random_state: list[np.ndarray] | None,
        stateful: bool,
    ) -> None:
        """One hypothesis example: context for messages, starting states, then :meth:`run`."""
        context: dict[str, Any] = {"batch_size": b, "obs": obs if stateful else time_slice(obs, 0)}
        if stateful:
            context["steps"] = steps
        if self.explore:
            context["torch_seed"] = self.seed + seed
        start_l, start_m = self.starting_states(b, random_state, context)
        try:
            self.run(obs, steps, seed, start_l, start_m, context, stateful)
        except BothRaised as both:
            self.raised[both.name] = self.raised.get(both.name, 0) + 1
            self.raised_messages.setdefault(both.name, both.message)
            raise


def _batch_rows(obs: Any) -> int:
    """The batch size ``B`` of one step's observations ``(B, ...)`` (nested: the first leaf)."""
    leaves = flatten_leaves(obs)
    return int(np.asarray(leaves[0]).shape[0]) if leaves and np.ndim(leaves[0]) else 1


def _answered_rows(out: dict) -> int:
    """How many rows a side's step answered: the leading dim of its actions (of its first
    action leaf); unknown (no actions, 0-d) counts as all of them."""
    leaves = flatten_leaves(out.get("actions")) if out.get("actions") is not None else []
    if not leaves or not np.ndim(leaves[0]):
        return np.iinfo(np.int64).max
    return int(np.asarray(leaves[0]).shape[0])


def _concat(parts: list[Any]) -> Any:
    first = parts[0]
    if isinstance(first, Mapping):
        return {k: _concat([p[k] for p in parts]) for k in first}
    if isinstance(first, (tuple, list)):
        return type(first)(_concat([p[i] for p in parts]) for i in range(len(first)))
    return np.concatenate(parts, axis=0)


def _rows(value: Any, rows: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _rows(v, rows) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_rows(v, rows) for v in value)
    return value[rows]


def screen(
    checker: Checker,
    space: gym.Space,
    *,
    examples: int,
    sizes: tuple[int, int],
    max_steps: int,
    template: list[np.ndarray],
    stateful: bool,
    seed: int,
) -> None:
    """All examples in one batched pass (rows are independent in an acting pass), plus the
    first row alone (catches code that only breaks at ``B == 1``, e.g. a bare ``squeeze()``).

    Examples are drawn like the hypothesis strategy draws them (batch size, a random or the
    initial start state for recurrent models) but with numpy, from ``seed``.
    """
    rng = np.random.default_rng(seed)
    counts = rng.integers(sizes[0], sizes[1] + 1, size=examples)
    total = int(counts.sum())
    steps = max_steps if stateful else 1
    obs = sample_observations(space, (total, steps), rng)
    context: dict[str, Any] = {"batch_size": total, "steps": steps, "examples": examples}
    step_seed = int(rng.integers(0, 2**20))
    start_l, start_m = checker.starting_states(total, None, context)
    if stateful and template:
        random_rows = np.repeat(rng.random(examples) < 0.5, counts)
        noise = [
            rng.uniform(-1.0, 1.0, size=(total,) + leaf.shape[1:]).astype(np.float32)
            for leaf in template
        ]
        if len(start_l) == len(noise) and len(start_m) == len(noise):

            def mix(own: np.ndarray, new: np.ndarray) -> np.ndarray:
                rows = random_rows.reshape((-1,) + (1,) * (own.ndim - 1))
                return np.where(rows, new, own).astype(own.dtype)

            start_l = [mix(a, n) for a, n in zip(start_l, noise)]
            start_m = [mix(a, n) for a, n in zip(start_m, noise)]
    context.update(obs=obs, state_in=start_l)
    checker.input_label = "input (the batched screen; not shrunk)"
    checker.run(obs, steps, step_seed, start_l, start_m, context, stateful, examples=examples)
    first = {"batch_size": 1, "obs": _rows(obs, slice(0, 1))}
    checker.run(
        _rows(obs, slice(0, 1)),
        steps,
        step_seed,
        [a[:1] for a in start_l],
        [a[:1] for a in start_m],
        first,
        stateful,
        examples=0,
    )
