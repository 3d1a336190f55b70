"""Policies RLlib ships among its examples whose acting rlmigrate knows (RLM038).

A user policy may subclass one of Ray's own example policies
(``ray.rllib.examples.policy.random_policy.RandomPolicy``): for the user that base is a class
inside Ray, not code of their project, so its file is never part of the rewrite. The codemod
knows how such a base acts, as it knows how ``PPOTorchPolicy`` acts
(``algorithm_policies.py``), and generates the subclass's module on the new-stack module that
acts the same: the subclass's own statements, then the base's acting (``super()._forward``).

Matched on the full qualified name (the example's module path and class). This module has no
libcst or torch dependency.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExamplePolicy:
    """A Ray example policy and the module that acts like it.

    Attributes:
        module: the codemod's name (``FileContext.need``) of the module class that acts as the
            policy does, through ``_forward``.
        acting: one line on the acting semantics, quoted in findings.
    """

    module: str
    acting: str


EXAMPLE_POLICIES: dict[str, ExamplePolicy] = {
    "ray.rllib.examples.policy.random_policy.RandomPolicy": ExamplePolicy(
        module="RandomRLModule",
        acting="one action_space.sample() per observation row (an unbounded Box with the policy "
               "config's ignore_action_bounds)",
    ),
}


def example_policy(qualified_names: set[str]) -> tuple[str, ExamplePolicy] | None:
    """``(qualified name, ExamplePolicy)`` for the first of ``qualified_names`` that is a known
    Ray example policy, None otherwise.

    Example:
        >>> example_policy({"ray.rllib.examples.policy.random_policy.RandomPolicy"})[1].module
        'RandomRLModule'
    """
    for name in sorted(qualified_names):
        if name in EXAMPLE_POLICIES:
            return name, EXAMPLE_POLICIES[name]
    return None
