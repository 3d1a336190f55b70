"""Package-level ids and component names (RLLIB_REFERENCE §0), and module-id validation."""

from __future__ import annotations

import warnings

DEFAULT_AGENT_ID = "default_agent"
DEFAULT_POLICY_ID = "default_policy"
# The same object as DEFAULT_POLICY_ID, as in RLlib: single-agent module id everywhere.
DEFAULT_MODULE_ID = DEFAULT_POLICY_ID

COMPONENT_RL_MODULE = "rl_module"
COMPONENT_LEARNER = "learner"
COMPONENT_LEARNER_GROUP = "learner_group"
COMPONENT_ENV_RUNNER = "env_runner"
COMPONENT_EVAL_ENV_RUNNER = "eval_env_runner"
ALL_MODULES = "__all_modules__"

# Keys used by default modules' encoders (``ray.rllib.core.models.base``).
ENCODER_OUT = "encoder_out"
ACTOR = "actor"
CRITIC = "critic"

_FORBIDDEN_ID_CHARS = set('<>:"/\\|?')


def validate_module_id(policy_id: object, error: bool = False) -> None:
    """Check that a module id is usable as a dict key *and* a directory name.

    Module ids name checkpoint sub-directories, so characters that are illegal in file
    names on common filesystems are refused. Like RLlib, a bad id only warns unless
    ``error=True``.

    Raises:
        ValueError: if ``error`` and the id is invalid.
    """
    problem = None
    if not isinstance(policy_id, str) or not policy_id:
        problem = f"module id must be a non-empty str, got {policy_id!r}"
    elif _FORBIDDEN_ID_CHARS & set(policy_id):
        bad = "".join(sorted(_FORBIDDEN_ID_CHARS & set(policy_id)))
        problem = f"module id {policy_id!r} contains forbidden character(s) {bad!r}"
    elif policy_id.endswith((" ", ".")):
        problem = f"module id {policy_id!r} must not end in a space or '.'"
    if problem is None:
        return
    if error:
        raise ValueError(problem)
    warnings.warn(problem, UserWarning, stacklevel=2)
