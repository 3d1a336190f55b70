"""RLM038: hand-written Policy subclasses become RLModules, or get a finding per blocking use."""

from __future__ import annotations

import textwrap

import pytest

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEADER = "import numpy as np\nfrom ray.rllib.policy.policy import Policy\n\n\n"


def rewrite(body: str, target: str = "rlmigrate", ignore: tuple[str, ...] = ()):
    text = HEADER + textwrap.dedent(body)
    return rewrite_source(text, path="p.py", target=Target(target),
                          selected=select_codes(ignore=ignore), rule_classes=ALL_RULES)


def rlm038(outcome) -> list:
    return [f for f in outcome.findings if f.code == "RLM038"]


def test_a_plain_heuristic_becomes_a_module_acting_on_numpy_observations():
    out = rewrite("""
        class Half(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return (obs_batch[:, 0] > 0.5).astype(int), [], {}
    """)
    assert "class HalfRLModule(RLModule):" in out.text
    # what a 2.10 worker fed the policy: the observations through the legacy preprocessor
    assert ("obs_batch = legacy_policy_observations(batch[Columns.OBS], self.observation_space, "
            "self.model_config)") in out.text
    assert "return {Columns.ACTIONS: np.asarray((obs_batch[:, 0] > 0.5).astype(int))}" in out.text
    assert ("from rlmigrate.models.torch.legacy_policy_obs import legacy_policy_observations"
            in out.text)
    [finding] = rlm038(out)
    assert finding.status == "review" and "Half → HalfRLModule" in finding.message
    # the legacy policy stays, the base-class leftover finding is RLM038's job now
    assert "class Half(Policy):" in out.text
    assert not [f for f in out.findings if f.code == "RLM090" and "subclasses" in f.message]


def test_without_rlm038_the_leftover_rule_still_reports_the_policy():
    out = rewrite("""
        class Half(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [], {}
    """, ignore=("RLM038",))
    assert any(f.code == "RLM090" and "subclasses legacy Policy" in f.message for f in out.findings)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return [int(a) + 1 for a in prev_action_batch], [], {}", "PrevActionsPrevRewards"),
        ("return [r > 0 for r in prev_reward_batch], [], {}", "prev_n_rewards"),
        ("return [len(i) for i in info_batch], [], {}", "infos do not reach an RLModule"),
        ("return [e.length for e in episodes], [], {}", "SingleAgentEpisode"),
        ("return self.model(obs_batch), [], {}", "acts through self.model"),
        ("return [self.global_timestep for _ in obs_batch], [], {}", "t=..."),
        ("return self.exploration.get_state(), [], {}", "_forward_exploration"),
        ("return self.compute_log_likelihoods(obs_batch, obs_batch), [], {}", "does not define"),
        ("return [0 for _ in obs_batch]", "(actions, state_outs, extra_fetches)"),
        ("return [int(input('move? ')) for _ in obs_batch], [], {}", "from the terminal (input())"),
        ("import sys\n                return [int(sys.stdin.readline()) for _ in obs_batch], [], {}",
         "from the terminal (sys.stdin)"),
    ],
    ids=["prev-actions", "prev-rewards", "infos", "episodes", "model", "timestep",
         "exploration", "policy-method", "not-a-triple", "stdin-input", "stdin-file"],
)
def test_each_blocking_use_gets_a_manual_finding_and_no_module(body, expected):
    out = rewrite(f"""
        class Blocked(Policy):
            def compute_actions(self, obs_batch, state_batches=None, prev_action_batch=None,
                                prev_reward_batch=None, info_batch=None, episodes=None, **kwargs):
                {body}
    """)
    assert "BlockedRLModule" not in out.text
    findings = rlm038(out)
    assert findings and all(f.status == "manual" for f in findings)
    assert any(expected in f.message for f in findings), [f.message for f in findings]
    assert all(f.line >= 7 for f in findings)  # at the use, not at the class


def test_input_dict_episode_columns_convert_and_other_keys_block():
    out = rewrite("""
        from ray.rllib.policy.sample_batch import SampleBatch

        class ById(Policy):
            def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
                return input_dict[SampleBatch.EPS_ID], [], {}

        class ByReward(Policy):
            def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
                return input_dict["rewards"], [], {}

        class ByObs(Policy):
            def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
                return input_dict[SampleBatch.OBS].argmax(-1), [], {}
    """)
    # an episode column the env runner put into the input dict: the module's batch has it
    assert ("input_dict = {Columns.OBS: legacy_policy_observations(batch[Columns.OBS], "
            "self.observation_space, self.model_config), Columns.EPS_ID: "
            "convert_to_numpy(batch[Columns.EPS_ID])}") in out.text
    [by_id] = [f.message for f in rlm038(out) if f.message.startswith("ById → ")]
    assert "input_dict['eps_id']" in by_id and "batch[Columns.EPS_ID]" in by_id
    assert "default env-to-module pipeline does not fill" in by_id
    # other episode data has no mechanical home
    assert "ByRewardRLModule" not in out.text
    [by_reward] = [f.message for f in rlm038(out) if "input_dict[rewards]" in f.message]
    assert "ByReward: no RLModule generated" in by_reward
    assert ("input_dict = {Columns.OBS: legacy_policy_observations(batch[Columns.OBS], "
            "self.observation_space, self.model_config)}") in out.text
    assert "input_dict[Columns.OBS].argmax(-1)" in out.text


def test_each_episode_column_read_is_named_with_its_new_stack_home_in_a_fixed_order():
    out = rewrite("""
        from ray.rllib.policy.sample_batch import SampleBatch

        class Aware(Policy):
            def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
                ts, env = input_dict["t"], input_dict["env_id"]
                agent = input_dict[SampleBatch.AGENT_INDEX]
                return [ts[0] + env[0] + agent[0] + input_dict["t"][0]], [], {}
    """)
    [message] = [f.message for f in rlm038(out)]
    t, env, agent = (message.index(f"input_dict[{k!r}]") for k in ("t", "env_id", "agent_index"))
    assert t < env < agent  # EPISODE_COLUMNS' order, whatever the reads' order
    assert "batch[Columns.T]" in message and "batch['env_id']: the new stack has no Columns name" in message
    assert message.count("rlmigrate verify feeds both sides the same values") == 3
    assert ('Columns.T: convert_to_numpy(batch[Columns.T]), "env_id": convert_to_numpy('
            'batch["env_id"]), "agent_index": convert_to_numpy(batch["agent_index"])}') in out.text
    assert 'agent = input_dict["agent_index"]' in out.text  # SampleBatch.AGENT_INDEX: no Columns name


def test_global_timestep_increments_are_dropped_but_reads_block():
    out = rewrite("""
        class Counting(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                self.global_timestep += len(obs_batch)
                return [0 for _ in obs_batch], [], {}

        class Reading(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [self.global_timestep for _ in obs_batch], [], {}
    """)
    assert "CountingRLModule" in out.text and "self.global_timestep" not in out.text.split("class CountingRLModule")[1].split("class Reading")[0]
    assert any("self.global_timestep increments dropped" in f.message for f in rlm038(out))
    assert "ReadingRLModule" not in out.text


def test_init_becomes_setup_and_plumbing_is_dropped_with_notes():
    out = rewrite("""
        class Configured(Policy):
            def __init__(self, observation_space, action_space, config):
                Policy.__init__(self, observation_space, action_space, config)
                self.exploration = self._create_exploration()
                self.view_requirements["infos"].used_for_compute_actions = False
                self.limit = config.get("limit", action_space.n - 1)

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [min(self.limit, 1) for _ in obs_batch], [], {}

            def learn_on_batch(self, samples):
                return {}
    """)
    setup = out.text[out.text.index("def setup(self):"):out.text.index("def _forward(")]
    assert 'self.limit = self.model_config.get("limit", self.action_space.n - 1)' in setup
    assert "exploration" not in setup and "view_requirements" not in setup and "__init__" not in setup
    [finding] = rlm038(out)
    for note in ("learn_on_batch() dropped", "self.exploration assignment dropped",
                 "self.view_requirements", "model_config"):
        assert note in finding.message


def test_explore_reading_policy_gets_inference_and_exploration_passes():
    out = rewrite("""
        class Eps(Policy):
            def compute_actions(self, obs_batch, state_batches=None, prev_action_batch=None,
                                prev_reward_batch=None, info_batch=None, episodes=None,
                                explore=None, timestep=None, **kwargs):
                if explore:
                    return [self.action_space.sample() for _ in obs_batch], [], {}
                return [0 for _ in obs_batch], [], {"t": timestep}
    """)
    assert "return self._act(batch, False, **kwargs)" in out.text
    assert "return self._act(batch, True, **kwargs)" in out.text
    assert "def _act(self, batch, explore, **kwargs):" in out.text
    assert 'timestep = kwargs.get("t")' in out.text


def test_stateful_policy_gets_a_state_dict_and_acts_on_the_last_time_step():
    out = rewrite("""
        class Counter(Policy):
            def get_initial_state(self):
                return [np.zeros(2), np.ones(())]

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return state_batches[1].astype(int), [state_batches[0], state_batches[1] + 1], {}
    """)
    assert 'return {"0": np.asarray(np.zeros(2)), "1": np.asarray(np.ones(()))}' in out.text
    assert "Columns.STATE_OUT: {str(i): s for i, s in enumerate(" in out.text
    assert "sorted(batch[Columns.STATE_IN], key=int)" in out.text
    assert "[:, None]" in out.text


def test_weights_methods_become_module_state_and_no_ops_are_dropped():
    out = rewrite("""
        class Tabular(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.table = np.zeros(4)

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [int(self.table.argmax()) for _ in obs_batch], [], {}

            def get_weights(self):
                return {"table": self.table}

            def set_weights(self, weights):
                self.table = weights["table"]
    """)
    assert "def get_state(self, components=None, *, not_components=None, inference_only=False, **kwargs):" in out.text
    assert "def set_state(self, weights):" in out.text


def test_a_local_subclass_extends_its_base_module():
    out = rewrite("""
        class Base(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.move = 0

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [self.move for _ in obs_batch], [], {}


        class Derived(Base):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.move = 1
    """)
    assert "class DerivedRLModule(BaseRLModule):" in out.text
    derived = out.text[out.text.index("class DerivedRLModule"):]
    assert "super().setup()" in derived and "self.move = 1" in derived


def test_a_subclass_of_an_unknown_ray_example_policy_is_manual_with_what_blocks_it():
    out = rewrite("""
        from ray.rllib.examples.policy.cliff_walking_wall_policy import CliffWalkingWallPolicy

        class Aware(CliffWalkingWallPolicy):
            def compute_actions(self, obs_batch, state_batches=None, episodes=None, **kwargs):
                return [e.env_id for e in episodes], [], {}
    """)
    messages = [f.message for f in rlm038(out)]
    assert any("from ray.rllib.examples, whose acting rlmigrate does not know" in m for m in messages)
    assert any("episode" in m for m in messages)
    assert "AwareRLModule" not in out.text


def test_a_blocked_subclass_of_a_known_ray_example_policy_gets_no_module():
    out = rewrite("""
        from ray.rllib.examples.policy.random_policy import RandomPolicy

        class Aware(RandomPolicy):
            def compute_actions(self, obs_batch, state_batches=None, episodes=None, **kwargs):
                return [e.env_id for e in episodes], [], {}
    """)
    messages = [f.message for f in rlm038(out)]
    assert any(m.startswith("Aware: no RLModule generated: ") and "episode" in m for m in messages)
    assert "AwareRLModule" not in out.text


def test_compute_single_action_only_policy_is_called_per_row():
    out = rewrite("""
        class Single(Policy):
            def compute_single_action(self, obs=None, state=None, **kwargs):
                return int(obs[0] > 0), [], {}
    """)
    assert "actions = [self.compute_single_action(obs)[0] for obs in obs_batch]" in out.text
    assert out.text.count("def compute_single_action(self, obs=None, state=None, **kwargs):") == 2


def test_torch_policies_and_non_policies_are_left_to_other_rules():
    out = rewrite("""
        from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2

        class Torchy(TorchPolicyV2):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [], {}

        class Plain:
            def compute_actions(self, obs_batch):
                return obs_batch
    """)
    assert not rlm038(out)
    assert "TorchyRLModule(RLModule)" not in out.text


def test_ray_target_imports_the_new_stack_names_from_ray():
    out = rewrite("""
        class Zero(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [], {}
    """, target="ray")
    assert "from ray.rllib.core.rl_module.rl_module import RLModule" in out.text
    assert "from ray.rllib.utils.numpy import convert_to_numpy" in out.text
    again = rewrite_source(out.text, path="p.py", target=Target("ray"), selected=select_codes(),
                           rule_classes=ALL_RULES)
    assert again.text == out.text
    assert not [f for f in again.findings if "ZeroRLModule subclasses" in f.message]


def test_a_file_without_numpy_imports_asarray():
    text = textwrap.dedent("""
        from ray.rllib.policy.policy import Policy

        class One(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [1 for _ in obs_batch], [], {}
    """)
    out = rewrite_source(text, path="p.py", target=Target("rlmigrate"), selected=select_codes(),
                         rule_classes=ALL_RULES)
    assert "from numpy import asarray" in out.text
    assert "{Columns.ACTIONS: asarray([1 for _ in obs_batch])}" in out.text
    compile(out.text, "p.py", "exec")


POLICY_ON_ORIGINAL_SPACE = """
    class FirstKey(Policy):
        def __init__(self, observation_space, action_space, config):
            super().__init__(observation_space, action_space, config)
            self.width = observation_space.original_space["a"].shape[0]

        def compute_actions(self, obs_batch, state_batches=None, **kwargs):
            return (obs_batch[:, :self.width].sum(-1) > self.observation_space.shape[0]).astype(int), [], {}
"""


def test_the_module_keeps_the_preprocessed_space_the_policy_was_built_with():
    out = rewrite(POLICY_ON_ORIGINAL_SPACE)
    assert not [f for f in rlm038(out) if f.status == "manual"]
    # setup() first rebuilds the space a 2.10 worker gave the policy (original_space attached)
    assert ("self.policy_observation_space = legacy_policy_observation_space(self.observation_space, "
            "self.model_config)\n        self.width = self.policy_observation_space.original_space"
            in out.text)
    # and every read of the policy's observation space goes to it
    assert "> self.policy_observation_space.shape[0]" in out.text


def test_with_the_ray_target_original_space_stays_manual():
    out = rewrite(POLICY_ON_ORIGINAL_SPACE, target="ray")
    assert "FirstKeyRLModule" not in out.text
    messages = [f.message for f in rlm038(out) if f.status == "manual"]
    assert messages and all("original_space" in m and "FlattenObservations" in m for m in messages)


def test_a_policy_wrapping_a_new_stack_module_is_told_to_use_that_module():
    out = rewrite("""
        from ray.rllib.examples.rl_module.some_rlm import OwnModule

        class Wrapper(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.model = OwnModule(observation_space=observation_space)

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return self.model.forward_inference({"obs": obs_batch})["actions"], [], {}
    """)
    assert "WrapperRLModule" not in out.text
    [blocker] = [f for f in rlm038(out) if f.status == "manual"]
    assert "new-stack RLModule (OwnModule)" in blocker.message
    assert "RLModuleSpec(module_class=OwnModule" in blocker.message


@pytest.mark.parametrize(
    "imports, load, flagged",
    [
        ("from stable_baselines3 import PPO", 'PPO.load("models/agent.zip")', "stable_baselines3.PPO.load()"),
        ("import stable_baselines3 as sb3", 'sb3.DQN.load("agent.zip")', "stable_baselines3.DQN.load()"),
        ("import pickle", 'pickle.load(open("table.pkl", "rb"))', "pickle.load()"),
        ("import torch", 'torch.load("net.pt")', "torch.load()"),
        ("import torch", 'torch.load("net.pt", weights_only=False)', "torch.load()"),
        ("import numpy", 'numpy.load("t.npy", allow_pickle=True)', "numpy.load()"),
        ("import torch", 'torch.load("net.pt", weights_only=True)', None),
        ("import numpy", 'numpy.load("t.npy")', None),
        ("import json", 'json.load(open("table.json"))', None),
    ],
    ids=["sb3", "sb3-alias", "pickle", "torch", "torch-explicit", "numpy-pickle", "torch-weights-only",
         "numpy", "json"],
)
def test_a_kept_unpickling_load_is_named_in_the_finding(imports, load, flagged):
    """A constructor that loads a saved model is copied into setup(): when its loader unpickles
    (and may run code from the file), the finding says so and names the call; loaders that
    read only data are not flagged."""
    out = rewrite(f"""
        {imports}


        class Loaded(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.table = {load}

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [], {{}}
    """)
    assert "class LoadedRLModule(RLModule):" in out.text
    assert f"        self.table = {load}\n" in out.text  # setup() loads the same way
    [finding] = rlm038(out)
    if flagged:
        assert f"the module keeps {flagged}, which unpickles the file it loads" in finding.message
    else:
        assert "unpickles" not in finding.message


COUNTING = """
    from ray.rllib.examples.policy.random_policy import RandomPolicy

    class Counting(RandomPolicy):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.calls = []

        def compute_actions(self, *args, **kwargs):
            self.calls.append(1)
            return super().compute_actions(*args, **kwargs)
"""


def test_a_subclass_of_rays_random_policy_acts_on_rlmigrates_random_module():
    """Ray's example RandomPolicy is Ray's code, not the user's: the codemod knows how it acts
    and subclasses the module that acts the same; the override's own statements run first,
    then the base's acting (``super()._forward``)."""
    out = rewrite(COUNTING)
    module = out.text[out.text.index("class CountingRLModule"):]
    assert "class CountingRLModule(RandomRLModule):" in module
    assert "from rlmigrate.modules.random_actions import RandomRLModule" in out.text
    assert "super().setup()\n        self.calls = []" in module
    assert "self.calls.append(1)\n        return super()._forward(batch, **kwargs)" in module
    assert "asarray" not in out.text  # nothing builds arrays: the base module does
    [finding] = rlm038(out)
    assert finding.status == "review" and "it subclasses RandomRLModule" in finding.message


def test_a_subclass_of_rays_random_policy_stays_manual_for_target_ray():
    out = rewrite(COUNTING, target="ray")
    messages = [f.message for f in rlm038(out)]
    assert any("Ray's API has no counterpart (--target ray)" in m for m in messages)
    assert "CountingRLModule" not in out.text


@pytest.mark.parametrize("call", [
    "super().compute_actions(obs_batch * 2, **kwargs)",
    "super().compute_actions(obs_batch, state_batches=None)",
])
def test_a_hand_over_with_changed_arguments_blocks(call):
    out = rewrite(f"""
        from ray.rllib.examples.policy.random_policy import RandomPolicy

        class Doubling(RandomPolicy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return {call}
    """)
    assert any("returns super().compute_actions(...) with" in f.message for f in rlm038(out))
    assert "DoublingRLModule" not in out.text


def test_a_hand_over_whose_result_is_changed_blocks():
    out = rewrite("""
        from ray.rllib.examples.policy.random_policy import RandomPolicy

        class Shifted(RandomPolicy):
            def compute_actions(self, obs_batch, **kwargs):
                actions, state, extra = super().compute_actions(obs_batch, **kwargs)
                return [a + 1 for a in actions], state, extra
    """)
    assert any("without returning its result as it is" in f.message for f in rlm038(out))
    assert "ShiftedRLModule" not in out.text


def test_an_override_handing_the_acting_to_a_local_base_says_so_once():
    """A base of the same file: the hand-over stays one manual finding that names the
    delegation (not a complaint about *args or the return value's shape)."""
    out = rewrite("""
        class Base(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [], {}

        class Counting(Base):
            def compute_actions(self, *args, **kwargs):
                self.calls = 1
                return super().compute_actions(*args, **kwargs)
    """)
    messages = [f.message for f in rlm038(out) if f.message.startswith("Counting")]
    [delegation] = [m for m in messages if "super().compute_actions(...)" in m]
    assert "fold the base's acting code" in delegation and "side effects" in delegation
    assert not any("*args" in m or "triple" in m for m in messages)
    assert "CountingRLModule" not in out.text
    # *args used for anything but the hand-over still blocks
    other = rewrite("""
        class Odd(Policy):
            def compute_actions(self, *args, **kwargs):
                return [a for a in args[0]], [], {}
    """)
    assert any("reads *args" in f.message for f in rlm038(other))


def test_a_subclass_of_rays_random_policy_that_only_configures_inherits_the_acting():
    out = rewrite("""
        from ray.rllib.examples.policy.random_policy import RandomPolicy

        class Labelled(RandomPolicy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)
                self.label = "random"
    """)
    module = out.text[out.text.index("class LabelledRLModule"):]
    assert "class LabelledRLModule(RandomRLModule):" in module
    assert "super().setup()\n        self.label = \"random\"" in module
    assert "_forward" not in module  # RandomRLModule's own acting
    compile(out.text, "p.py", "exec")


@pytest.mark.parametrize("call", [
    "super().__init__(observation_space, action_space, dict(config, ignore_action_bounds=True))",
    "super().__init__(observation_space, action_space, config=other)",
])
def test_a_base_constructor_given_arguments_of_its_own_blocks(call):
    """The module's base reads the model_config the module was built with: a policy that hands
    its base another config (or space) cannot be ported by dropping that call."""
    out = rewrite(f"""
        from ray.rllib.examples.policy.random_policy import RandomPolicy

        other = {{}}

        class Unbounded(RandomPolicy):
            def __init__(self, observation_space, action_space, config):
                {call}
    """)
    assert any("hands its base constructor an argument of its own" in f.message for f in rlm038(out))
    assert "UnboundedRLModule" not in out.text


def test_a_stand_in_model_of_its_own_is_kept_in_setup_with_a_note():
    out = rewrite("""
        from ray.rllib.policy.view_requirement import ViewRequirement

        class WithHolder(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)

                class _Holder:
                    def __init__(self, config):
                        self.config = config
                        self.view_requirements = {"t": ViewRequirement()}

                    def get_initial_state(self):
                        return [np.zeros(1)]

                self.model = _Holder(self.config)

            def get_initial_state(self):
                return self.model.get_initial_state()

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [0 for _ in obs_batch], [state_batches[0]], {}
    """)
    module = out.text.split("class WithHolderRLModule")[1]
    # kept as is: its own self.config is not the module's model_config
    assert "                self.config = config\n" in module
    assert "self.model = _Holder(self.model_config)" in module
    [finding] = rlm038(out)
    assert finding.status == "review"
    assert "instance of _Holder (a class of its own defined in __init__), kept as is" in finding.message
    assert "uses ViewRequirement from Ray's legacy stack" in finding.message


def test_a_model_class_with_a_base_is_no_stand_in():
    out = rewrite("""
        class WithNet(Policy):
            def __init__(self, observation_space, action_space, config):
                super().__init__(observation_space, action_space, config)

                class _Net(object):
                    pass

                self.model = _Net()

            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [self.model for _ in obs_batch], [], {}
    """)
    assert "WithNetRLModule" not in out.text
    assert any("acts through self.model" in f.message for f in rlm038(out))
