"""ray.rllib.utils helpers the shim serves: advantages, masks, decorators, framework imports."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shim.legacy_utils import (
    Deprecated,
    compute_advantages,
    discount_cumsum,
    force_list,
    sequence_mask,
    try_import_tf,
    try_import_torch,
)


def test_discount_cumsum_and_advantages() -> None:
    np.testing.assert_allclose(discount_cumsum(np.array([1.0, 1.0, 1.0]), 0.5), [1.75, 1.5, 1.0])
    batch = compute_advantages(
        {"rewards": np.array([1.0, 0.0]), "vf_preds": np.array([0.5, 0.5])},
        last_r=1.0,
        gamma=1.0,
        lambda_=1.0,
    )
    np.testing.assert_allclose(batch["advantages"], [1.5, 0.5])
    np.testing.assert_allclose(batch["value_targets"], [2.0, 1.0])
    assert batch["advantages"].dtype == np.float32
    no_gae = compute_advantages(
        {"rewards": np.array([1.0, 0.0]), "vf_preds": np.zeros(2)},
        last_r=0.0,
        gamma=1.0,
        use_gae=False,
    )
    np.testing.assert_allclose(no_gae["value_targets"], [1.0, 0.0])


def test_sequence_mask_and_small_helpers() -> None:
    mask = sequence_mask(torch.tensor([1, 3]), maxlen=3)
    assert mask.tolist() == [[True, False, False], [True, True, True]]
    assert force_list(None) == [] and force_list((1, 2)) == [1, 2] and force_list(3) == [3]
    tf1, tf, tfv = try_import_tf()
    assert try_import_torch()[0] is torch and tf1 is None and tfv is None
    assert not tf and tf.keras.Model.__name__ == "Model"  # Ray's falsy stub, keras subclassable
    with pytest.raises(ImportError, match="torch models only"):
        try_import_tf(error=True)


def test_deprecated_decorator_warns_or_raises() -> None:
    @Deprecated(new="new_fn", error=False)
    def old_fn() -> int:
        return 1

    with pytest.warns(DeprecationWarning, match="new_fn"):
        assert old_fn() == 1

    @Deprecated(new="x")
    def gone() -> None:
        return None

    with pytest.raises(ValueError, match="deprecated"):
        gone()


def test_small_utils_user_files_import_behave_like_rays() -> None:
    import numpy as np
    import pytest
    import torch

    from shim.legacy_utils import NullContextManager, add_mixins, force_tuple
    from shim.models.misc import get_initializer
    from shim.policy.sample_batch import SampleBatch, concat_samples

    class Base:
        def who(self) -> str:
            return "base"

    class Mixin:
        def who(self) -> str:
            return "mixin"

    assert add_mixins(Base, [Mixin])().who() == "mixin"
    assert add_mixins(Base, [Mixin], reversed=True)().who() == "base"
    with NullContextManager():
        pass
    assert force_tuple(3) == (3,) and force_tuple([1, 2]) == (1, 2)
    assert get_initializer(None) is torch.nn.init.xavier_uniform_
    assert get_initializer("xavier_normal") is torch.nn.init.xavier_normal_
    with pytest.raises(ValueError, match="torch only"):
        get_initializer("orthogonal")
    a = SampleBatch({"obs": np.zeros((2, 3)), "rewards": np.ones(2)})
    b = SampleBatch({"obs": np.ones((1, 3)), "rewards": np.zeros(1)})
    both = concat_samples([a, b])
    assert both["obs"].shape == (3, 3) and both["rewards"].tolist() == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="columns differ"):
        concat_samples([a, SampleBatch({"obs": np.zeros((1, 3))})])
