"""record_observations.py plays an environment with random legal moves and writes what the
policy sees in the layout ``verify --observations`` reads. Games here are our own toys."""

from __future__ import annotations

import numpy as np
import pytest
import record_observations
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.testing.recorded_obs import check_observations, leaf_paths
from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.strategies import spaces


class Discrete3:
    def sample(self):
        return 0


class TakeTurns:
    """Two players fill four slots; the one not to move may only pass (action 4). The old
    RLlib MultiAgentEnv API: reset() -> obs, step() -> (obs, rewards, dones, infos)."""

    action_space = Discrete3()

    def reset(self):
        self.slots, self.turn = np.zeros(4, np.int8), 0
        return self._obs()

    def _obs(self):
        out = {}
        for agent in (0, 1):
            mask = np.zeros(5, np.int8)
            if agent == self.turn:
                mask[:4] = self.slots == 0
            else:
                mask[4] = 1
            out[agent] = {"action_mask": mask, "turn": np.array([self.turn])}
        return out

    def step(self, actions):
        move = actions[self.turn]
        assert self.slots[move] == 0 and move < 4, f"illegal move {move}"
        self.slots[move] = self.turn + 1
        assert actions[1 - self.turn] == 4, "the waiting player must pass"
        self.turn = 1 - self.turn
        return self._obs(), {0: 0.0, 1: 0.0}, {"__all__": bool(self.slots.all())}, {}


class TakeTurnsAEC:
    """The same game through a PettingZoo-like AEC interface (only the mover observes)."""

    def action_space(self, agent):
        return Discrete3()

    def reset(self, seed=None, options=None):
        self.slots, self.agent_selection, self.done = np.zeros(4, np.int8), 0, False
        self.seen_dead_step = False

    def agent_iter(self):
        while not self.seen_dead_step:
            yield self.agent_selection

    def last(self):
        mask = (self.slots == 0).astype(np.int8)
        return {"action_mask": mask, "slots": self.slots.copy()}, 0.0, self.done, False, {}

    def step(self, action):
        if self.done:
            assert action is None
            self.seen_dead_step = True
            return
        assert self.slots[action] == 0, f"illegal move {action}"
        self.slots[action] = self.agent_selection + 1
        self.done = bool(self.slots.all())
        self.agent_selection = 1 - self.agent_selection


def test_multi_agent_driver_plays_legal_moves_and_keeps_every_agents_observation():
    rows = record_observations.play_multi_agent(TakeTurns(), 19, seed=3)
    assert len(rows) == 19  # 8 per game (4 moves x 2 agents): two games and a part
    assert all(set(r) == {"action_mask", "turn"} for r in rows)
    again = record_observations.play_multi_agent(TakeTurns(), 19, seed=3)
    assert all(np.array_equal(a["action_mask"], b["action_mask"]) for a, b in zip(rows, again))


def test_aec_driver_keeps_the_movers_observations_and_steps_dead_agents_with_none():
    rows = record_observations.play_aec(TakeTurnsAEC(), 10, seed=0)
    assert len(rows) == 10 and all(r["action_mask"].any() for r in rows)  # a mover has a move


def test_the_written_layout_is_the_one_verify_reads():
    import gymnasium as gym

    space = gym.spaces.Dict(action_mask=gym.spaces.Box(0, 1, (5,), np.int8),
                            turn=gym.spaces.Box(0, 1, (1,), np.int8))
    rows = [record_observations._leaves(o) for o in
            record_observations.play_multi_agent(TakeTurns(), 12, seed=1)]
    arrays = {key: np.stack([r[key] for r in rows]) for key in rows[0]}
    assert check_observations(space, arrays).count == 12  # int64 turn cast to the space's int8


@settings(max_examples=40, deadline=None)
@given(space=spaces(max_depth=2, max_leaf_size=3), seed=st.integers(0, 2**16))
def test_leaf_names_match_the_loaders_paths(space, seed):
    obs = sample_observations(space, (), np.random.default_rng(seed))
    assert sorted(record_observations._leaves(obs)) == sorted(p or "obs" for p, _ in leaf_paths(space))


def test_an_env_that_never_ends_an_episode_within_budget_is_reported():
    class Stuck(TakeTurns):
        def step(self, actions):
            return {}, {}, {"__all__": True}, {}

        def reset(self):
            return {}

    with pytest.raises(RuntimeError, match="observations not reached"):
        record_observations.play_multi_agent(Stuck(), 1, seed=0)
