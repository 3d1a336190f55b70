"""RLM040: mechanical legacy distributions convert and act the same; the rest is reported;
``custom_action_dist`` is wired into the converted model."""

from __future__ import annotations

import textwrap
import types

import gymnasium as gym
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEADER = (
    "import numpy as np\n"
    "import torch\n"
    "import torch.nn as nn\n"
    "from shim.models.action_dist_base import TorchDistributionWrapper\n"
    "from shim.models.catalog import ModelCatalog\n"
    "from shim.models.torch_modelv2 import TorchModelV2\n"
)


def rewrite(text: str, *, only_rlm040: bool = False, target: str = "rlmigrate"):
    selected = frozenset({"RLM040", "RLM050"}) if only_rlm040 else select_codes()
    return rewrite_source(text, path="case.py", target=Target(target), selected=selected,
                          rule_classes=ALL_RULES)


def run(text: str) -> types.ModuleType:
    module = types.ModuleType("rlm040_case")
    exec(compile(text, "case.py", "exec"), module.__dict__)
    return module


# -- generated mechanical distributions ---------------------------------------------------
FAMILIES = {
    # dist expression, deterministic expressions, output width, action space
    "categorical": (
        "torch.distributions.Categorical(logits=self.inputs)",
        ["self.dist.probs.argmax(dim=1)", "self.inputs.argmax(-1)", "self.dist.logits.argmax(1)"],
        "action_space.n",
        gym.spaces.Discrete(4),
    ),
    "normal": (
        "torch.distributions.Normal(self.inputs, 0.5)",
        ["self.dist.mean", "self.inputs * 1.0"],
        "int(np.prod(action_space.shape))",
        gym.spaces.Box(-1.0, 1.0, (4,)),
    ),
}


@st.composite
def legacy_distributions(draw):
    family = draw(st.sampled_from(sorted(FAMILIES)))
    dist_expr, dets, width, space = FAMILIES[family]
    transform = draw(st.sampled_from(["inputs", "inputs / temperature", "inputs * scale + shift"]))
    params = {"inputs": "", "inputs / temperature": ", temperature={t}",
              "inputs * scale + shift": ", scale={t}, shift=0.25"}[transform]
    temperature = draw(st.floats(0.25, 4.0).map(lambda x: round(x, 3)))
    det = draw(st.sampled_from([None, *dets]))
    store = draw(st.booleans())
    with_shape = draw(st.booleans())
    lines = [
        "class Dist(TorchDistributionWrapper):",
        f"    def __init__(self, inputs, model=None{params.format(t=temperature)}):",
        f"        super().__init__({transform}, model)",
        f"        self.dist = {dist_expr}",
    ]
    if det is not None:
        lines += ["", "    def deterministic_sample(self):"]
        lines += ([f"        self.last_sample = {det}", "        return self.last_sample"] if store
                  else [f"        return {det}"])
    if with_shape:
        lines += ["", "    @staticmethod", "    def required_model_output_shape(action_space, model_config):",
                  f"        return {width}"]
    return HEADER + "\n\n" + "\n".join(lines) + "\n", space, det is not None, with_shape


@settings(max_examples=25, deadline=None)
@given(case=legacy_distributions(), batch=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_converted_distribution_acts_like_the_legacy_one(case, batch, seed):
    source, space, has_det, has_shape = case
    outcome = rewrite(source, only_rlm040=True)
    assert [f.status for f in outcome.findings if f.code == "RLM040"] == ["review"]
    assert "TorchDistributionWrapper" not in outcome.text.split("class Dist")[1]
    legacy, new = run(source).Dist, run(outcome.text).Dist
    width = space.n if isinstance(space, gym.spaces.Discrete) else space.shape[0]
    logits = torch.randn(batch, width, generator=torch.Generator().manual_seed(seed))
    old_dist, new_dist = legacy(logits.clone(), None), new.from_logits(logits.clone())
    torch.manual_seed(seed)
    old_sample = old_dist.sample()
    torch.manual_seed(seed)
    new_sample = new_dist.sample()
    assert torch.equal(old_sample, new_sample)
    assert torch.allclose(old_dist.logp(old_sample), new_dist.logp(new_sample))
    assert torch.allclose(old_dist.entropy(), new_dist.entropy())
    if has_det:
        assert torch.equal(old_dist.deterministic_sample(), new_dist.to_deterministic().sample())
    else:
        assert "to_deterministic" not in outcome.text
    if has_shape:
        assert new.required_input_dim(space) == legacy.required_model_output_shape(space, {})
    assert rewrite(outcome.text, only_rlm040=True).text == outcome.text  # idempotent


# -- blockers: left unchanged, reported manual with the reason ----------------------------
BLOCKED = {
    "own logp": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n\n"
        "    def logp(self, x):\n        return self.dist.log_prob(x) * 2\n",
        "method logp()",
    ),
    "extra init statement": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs, model)\n"
        "        self.scale = 2\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n",
        "__init__ does more",
    ),
    "dist reads a constructor argument": (
        "    def __init__(self, inputs, model, t=2.0):\n        super().__init__(inputs, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs / t)\n",
        "constructor arguments",
    ),
    "not a torch distribution": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs, model)\n"
        "        self.dist = make_dist(self.inputs)\n",
        "not built by a torch.distributions class",
    ),
    "parameter without default": (
        "    def __init__(self, inputs, model, t):\n        super().__init__(inputs / t, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n",
        "has no default",
    ),
    "input transform reads the model": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs * model.scale, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n",
        "reads the model",
    ),
    "deterministic reads other state": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n\n"
        "    def deterministic_sample(self):\n        return self.greedy\n",
        "deterministic_sample()",
    ),
    "instance-method output shape": (
        "    def __init__(self, inputs, model):\n        super().__init__(inputs, model)\n"
        "        self.dist = torch.distributions.Categorical(logits=self.inputs)\n\n"
        "    def required_model_output_shape(self, action_space, model_config):\n"
        "        return action_space.n\n",
        "not a plain @staticmethod",
    ),
}


@pytest.mark.parametrize("name", sorted(BLOCKED))
def test_non_mechanical_distribution_is_left_unchanged_and_reported(name):
    body, reason = BLOCKED[name]
    source = HEADER + "\n\nclass Dist(TorchDistributionWrapper):\n" + body
    outcome = rewrite(source, only_rlm040=True)
    assert outcome.text == source
    (finding,) = [f for f in outcome.findings if f.code == "RLM040"]
    assert finding.status == "manual" and reason in finding.message, finding.message


def test_action_distribution_subclass_is_reported_manual():
    source = ("from shim.models.action_dist_base import ActionDistribution\n\n\n"
              "class Dist(ActionDistribution):\n    pass\n")
    outcome = rewrite(source, only_rlm040=True)
    assert outcome.text == source
    assert [f.status for f in outcome.findings if f.code == "RLM040"] == ["manual"]


# -- wiring into the model -----------------------------------------------------------------
DIST = textwrap.dedent("""
    class Soft(TorchDistributionWrapper):
        def __init__(self, inputs, model=None, temperature=3.0):
            super().__init__(inputs / temperature, model)
            self.dist = torch.distributions.Categorical(logits=self.inputs)

        def deterministic_sample(self):
            return self.dist.probs.argmax(dim=1)

        @staticmethod
        def required_model_output_shape(action_space, model_config):
            return action_space.n + model_config.get("extra", 0)
""")
MODEL = textwrap.dedent("""
    class Model(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            self.pi = nn.Linear(obs_space.shape[0], num_outputs)

        def forward(self, input_dict, state, seq_lens):
            return self.pi(input_dict["obs"]), state
""")


def wired_source(*configs: str, dist: str = DIST) -> str:
    return (HEADER + "\n" + dist + "\n" + MODEL + "\n"
            'ModelCatalog.register_custom_model("m", Model)\n'
            'ModelCatalog.register_custom_action_dist("soft", Soft)\n'
            + "".join(f"config{i} = {c}\n" for i, c in enumerate(configs)))


@pytest.mark.parametrize("target", ["rlmigrate", "ray"])
def test_model_configured_with_a_custom_dist_uses_it(target):
    source = wired_source('{"model": {"custom_model": "m", "custom_action_dist": "soft"}}')
    outcome = rewrite(source, target=target)
    text = outcome.text
    assert "self.action_dist_cls = Soft" in text
    assert "Soft.required_input_dim(self.action_space, model_config=self.model_config)" in text
    assert "get_default_dist_cls" not in text and "get_inference_action_dist_cls" not in text
    messages = [f.message for f in outcome.findings if f.code == "RLM040"]
    assert any("self.action_dist_cls = Soft" in m for m in messages)
    if target == "rlmigrate":  # the registry a generated policy module reads
        assert any(m.startswith("register_custom_action_dist('soft', Soft) → rlmigrate") for m in messages)
        assert 'register_custom_action_dist("soft", Soft)' in text and "ModelCatalog" not in text
    else:  # Ray has no registry of new-stack distributions
        assert any(m.startswith("register_custom_action_dist kept") for m in messages)
    assert rewrite(text, target=target).text == text
    if target != "rlmigrate":
        return
    module = run(text)
    built = module.Model(observation_space=gym.spaces.Box(-1, 1, (5,)),
                         action_space=gym.spaces.Discrete(3), model_config={"extra": 1})
    assert built.get_exploration_action_dist_cls() is module.Soft
    assert built.get_inference_action_dist_cls() is module.Soft
    assert built.pi.out_features == 4  # required_input_dim saw model_config
    logits = built.forward_inference({"obs": torch.zeros(2, 5)})["action_dist_inputs"]
    assert logits.shape == (2, 4)


@pytest.mark.parametrize(
    "configs, reason",
    [
        (('{"model": {"custom_model": "m", "custom_action_dist": "soft"}}',
          '{"model": {"custom_model": "m", "custom_action_dist": "other"}}'), "different"),
        (('{"model": {"custom_model": "m", "custom_action_dist": "nope"}}',), "not registered"),
    ],
)
def test_ambiguous_or_unknown_dist_is_reported_for_review(configs, reason):
    outcome = rewrite(wired_source(*configs))
    assert "action_dist_cls" not in outcome.text
    (finding,) = [f for f in outcome.findings
                  if f.code == "RLM040" and f.message.startswith("Model is configured")]
    assert finding.status == "review" and reason in finding.message


def test_unconverted_dist_is_not_wired():
    dist = DIST.replace("return self.dist.probs.argmax(dim=1)", "return self.greedy")
    assert dist != DIST
    outcome = rewrite(wired_source(
        '{"model": {"custom_model": "m", "custom_action_dist": "soft"}}', dist=dist))
    assert "action_dist_cls" not in outcome.text
    assert any("is not converted" in f.message for f in outcome.findings if f.code == "RLM040")


def test_model_without_custom_dist_config_is_untouched_by_rlm040():
    outcome = rewrite(wired_source('{"model": {"custom_model": "m"}}'))
    assert "action_dist_cls" not in outcome.text
    assert "get_default_dist_cls(self.action_space)" in outcome.text
    assert not any(f.message.startswith("Model") for f in outcome.findings if f.code == "RLM040")


REGISTERING = ('def register(name):\n'
               '    if name == "m":\n'
               '        ModelCatalog.register_custom_model("m", Model)\n'
               '        ModelCatalog.register_custom_action_dist("soft", Soft)\n')


def test_registrations_of_converted_classes_fill_the_registries_a_policy_module_reads(monkeypatch):
    """Registrations no config of the file uses (the names live in a run config elsewhere) of
    classes this run converts go to rlmigrate's registries, where a generated policy module
    resolves its model config's custom_model / custom_action_dist."""
    from rlmigrate.core import custom_models

    monkeypatch.setattr(custom_models, "_MODULES", {})
    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})
    outcome = rewrite(HEADER + "\n" + DIST + "\n" + MODEL + "\n" + REGISTERING)
    assert {f.code: f.status for f in outcome.findings if "register_custom" in f.message} == {
        "RLM020": "converted", "RLM040": "converted"}
    module = run(outcome.text)
    module.register("m")
    assert custom_models.registered_modules() == {"m": module.Model}
    assert custom_models.registered_action_dists() == {"soft": module.Soft}


def test_kept_registration_of_an_unconverted_dist_names_the_new_stack_registry():
    # its own logp (a clipped action): not mechanical, and not model-aware either
    dist = DIST.replace("    def deterministic_sample(self):",
                        "    def logp(self, actions):\n"
                        "        return self.dist.log_prob(actions.clamp(0, 1))\n\n"
                        "    def deterministic_sample(self):")
    assert dist != DIST
    findings = rewrite(HEADER + "\n" + dist + "\n" + MODEL + "\n" + REGISTERING).findings
    assert any(f.code == "RLM040" and "Soft left unchanged" in f.message for f in findings)
    [kept] = [f for f in findings if f.code == "RLM040" and f.message.startswith("register_custom_action_dist kept")]
    assert "register_custom_action_dist(name, <migrated distribution>)" in kept.message


# -- model-aware distributions (the autoregressive idiom): kept, bound to the module -------------
MODEL_AWARE = textwrap.dedent("""
    class Soft(TorchDistributionWrapper):
        def _dist(self):
            return torch.distributions.Categorical(logits=self.model.head(self.inputs))

        def deterministic_sample(self):
            self.last_sample = self._dist().probs.argmax(dim=1)
            return self.last_sample

        def sample(self):
            self.last_sample = self._dist().sample()
            return self.last_sample

        def logp(self, actions):
            return self._dist().log_prob(actions)

        @staticmethod
        def required_model_output_shape(action_space, model_config):
            return model_config["fcnet_hiddens"][-1]
""")
AWARE_MODEL = MODEL.replace(
    "self.pi = nn.Linear(obs_space.shape[0], num_outputs)",
    "self.pi = nn.Linear(obs_space.shape[0], num_outputs)\n        self.head = nn.Linear(num_outputs, action_space.n)")


def test_model_aware_dist_is_kept_and_reported_for_review():
    outcome = rewrite(HEADER + "\n" + MODEL_AWARE, only_rlm040=True)
    assert outcome.text == HEADER + "\n" + MODEL_AWARE
    (finding,) = [f for f in outcome.findings if f.code == "RLM040"]
    assert finding.status == "review"
    assert "model-aware (it reads self.model.head)" in finding.message
    assert "bind_to_module" in finding.message


def test_model_configured_with_a_model_aware_dist_binds_it():
    source = wired_source('{"model": {"custom_model": "m", "custom_action_dist": "soft"}}',
                          dist=MODEL_AWARE).replace(MODEL, AWARE_MODEL)
    outcome = rewrite(source)
    text = outcome.text
    assert "self.action_dist_cls = bind_to_module(Soft, self)" in text
    assert "Soft.required_model_output_shape(self.action_space, legacy_model_config(self.model_config))" in text
    assert "from rlmigrate.distributions.model_aware import bind_to_module" in text
    assert rewrite(text).text == text
    module = run(text)
    built = module.Model(observation_space=gym.spaces.Box(-1, 1, (5,)),
                         action_space=gym.spaces.Discrete(3), model_config={"fcnet_hiddens": [6]})
    assert built.pi.out_features == 6  # the legacy sizing method, on the legacy model config
    bound = built.get_train_action_dist_cls()
    assert bound.legacy_class is module.Soft and bound.module is built
    out = built.forward_inference({"obs": torch.zeros(2, 5)})
    greedy = module.Soft(out["action_dist_inputs"], built).deterministic_sample()
    assert torch.equal(out["actions"], greedy)
    assert out["action_logp"].shape == (2,)


def test_model_aware_dist_is_not_bound_on_the_ray_target():
    source = wired_source('{"model": {"custom_model": "m", "custom_action_dist": "soft"}}',
                          dist=MODEL_AWARE).replace(MODEL, AWARE_MODEL)
    outcome = rewrite(source, target="ray")
    assert "bind_to_module" not in outcome.text and "rlmigrate" not in outcome.text
    (finding,) = [f for f in outcome.findings if f.code == "RLM040" and f.message.startswith("Model is configured")]
    assert finding.status == "review" and "model-aware" in finding.message and "--target ray" in finding.message
