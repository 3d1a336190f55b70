"""PPO's acting fast path: call the innermost MLP ``nn.Sequential`` objects directly.

``forward_inference`` of the default module walks actor-critic encoder → MLP encoder →
MLP → Sequential, then head → MLP → Sequential. At batch 1 those wrapper calls cost about as
much as the two matmuls, so for the plain case (stateless MLP encoder, MLP head, float32
``(B, n)`` observations) the acting pass runs ``pi_seq(encoder_seq(obs))`` instead: the same
layer objects, the same math, bit-identical results.

The shortcut is cached per module and used only while it is provably the same computation:
the wrappers are unchanged (see :mod:`rlmigrate.models.torch.versioning`), ``encoder``/``pi``
are the same objects, no forward hooks are registered on the skipped wrappers or globally,
and the observation is a float32 tensor of the right width. Anything else takes the normal
path (which also produces the helpful error messages).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules import module as _torch_module

from rlmigrate.core.columns import Columns
from rlmigrate.models.torch.actor_critic import TorchActorCriticEncoder
from rlmigrate.models.torch.encoders import TorchMLPEncoder
from rlmigrate.models.torch.heads import TorchMLPHead
from rlmigrate.models.torch.primitives import TorchMLP
from rlmigrate.models.torch.versioning import STRUCTURE_VERSION

_CACHE_KEY = "_fast_actor_path"


class FastActorPath:
    """What the fast path needs, captured at one structure version (``encoder_seq`` None: off)."""

    __slots__ = ("version", "encoder", "pi", "encoder_seq", "pi_seq", "in_dim", "clip")
    encoder: TorchActorCriticEncoder | None
    pi: TorchMLPHead | None
    encoder_seq: torch.nn.Module | None
    pi_seq: torch.nn.Module | None

    def __init__(self, version: int) -> None:
        self.version = version
        self.encoder = self.pi = self.encoder_seq = self.pi_seq = None
        self.in_dim = -1
        self.clip = False


def _has_hooks(module: torch.nn.Module) -> bool:
    return bool(module._forward_hooks or module._forward_pre_hooks) or "forward" in module.__dict__


def build_fast_actor_path(module: Any) -> FastActorPath:
    """Capture the fused path for ``module`` (or a disabled one if it does not apply)."""
    path = FastActorPath(STRUCTURE_VERSION[0])
    modules = module._modules
    encoder, pi = modules.get("encoder"), modules.get("pi")
    if type(encoder) is not TorchActorCriticEncoder or type(pi) is not TorchMLPHead:
        return path
    inner = encoder._modules.get("encoder" if encoder.config.shared else "actor_encoder")
    if type(inner) is not TorchMLPEncoder:
        return path
    encoder_net, pi_net = inner._modules.get("net"), pi._modules.get("net")
    if type(encoder_net) is not TorchMLP or type(pi_net) is not TorchMLP:
        return path
    if any(_has_hooks(m) for m in (encoder, inner, encoder_net, pi, pi_net)):
        return path
    path.encoder, path.pi = encoder, pi
    path.encoder_seq, path.pi_seq = encoder_net._modules["mlp"], pi_net._modules["mlp"]
    path.in_dim = encoder_net.input_dim
    path.clip = bool(pi.clip_log_std)
    return path


def fast_actor_forward(module: Any, batch: Any) -> dict[str, Any] | None:
    """``{ACTION_DIST_INPUTS: ...}`` through the fused path, or None to use the normal one."""
    path = module.__dict__.get(_CACHE_KEY)
    if path is None or path.version != STRUCTURE_VERSION[0]:
        path = build_fast_actor_path(module)
        module.__dict__[_CACHE_KEY] = path
    if path.encoder_seq is None:
        return None
    modules = module._modules
    if modules.get("encoder") is not path.encoder or modules.get("pi") is not path.pi:
        return None
    if _torch_module._global_forward_hooks or _torch_module._global_forward_pre_hooks:
        return None
    obs = batch.get(Columns.OBS) if isinstance(batch, dict) else None
    if type(obs) is not torch.Tensor or obs.dtype is not torch.float32 or obs.dim() == 0 or obs.shape[-1] != path.in_dim:
        return None
    out = path.pi_seq(path.encoder_seq(obs))
    if path.clip:
        out = path.pi.postprocess(out)
    return {Columns.ACTION_DIST_INPUTS: out}
