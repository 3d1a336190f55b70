"""``ray.rllib.utils.debug.update_global_seed_if_necessary`` as legacy heuristics call it."""

from __future__ import annotations

import numpy as np

from shim import ray_compat


def test_ray_debug_seeding_is_served_and_seeds_numpy_and_random():
    import random

    with ray_compat.installed():
        from ray.rllib.utils.debug import update_global_seed_if_necessary

    update_global_seed_if_necessary("torch", seed=3)
    first = (random.random(), np.random.random())
    update_global_seed_if_necessary(seed=3)
    assert (random.random(), np.random.random()) == first
    state = np.random.get_state()[1].copy()
    update_global_seed_if_necessary(seed=None)  # None: nothing seeded
    np.testing.assert_array_equal(np.random.get_state()[1], state)
