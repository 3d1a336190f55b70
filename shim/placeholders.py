"""Stand-ins for Ray 2.10 names the shim does not implement: they import, and raise when used.

A legacy model file imports training-side names next to its models (``PPOConfig``,
``DefaultCallbacks``, ``register_trainable``) and Ray's own example files define a TF model
beside the torch one. Those imports must succeed so the torch class runs; *using* such a name
(calling it, instantiating it or a subclass of it, reading an attribute) raises one error that
says what to do instead:

* TensorFlow names -> :class:`PortToTorchError` ("port it to torch", codemod code RLM060),
* training-side names -> :class:`TrainingSideError` ("train with Ray, ``--target ray``"),
* anything else Ray 2.10 has -> :class:`NotInShimError`.

Placeholders are classes (so ``class MyCallbacks(DefaultCallbacks): ...`` works) whose
metaclass turns every call into the error, for functions and constants alike.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "NotInShimError",
    "PortToTorchError",
    "TrainingSideError",
    "PlaceholderMeta",
    "is_placeholder",
    "placeholder",
    "TFStub",
    "tf_message",
    "example_message",
    "training_message",
]


class NotInShimError(NotImplementedError):
    """A Ray 2.10 name that exists but that the shim does not implement was used."""


class PortToTorchError(NotInShimError):
    """A TensorFlow model/policy was built: the shim runs torch only (codemod code RLM060)."""


class TrainingSideError(NotInShimError):
    """A training-side Ray name (Algorithm, configs, callbacks, tune) was used."""


def tf_message(qualname: str) -> str:
    """The port-it message for a TensorFlow name."""
    return (
        f"{qualname} is TensorFlow; the shim runs torch models only, and this Ray name only "
        "exists so that files defining a TF model next to a torch one import. Port the TF "
        "model to torch (TorchModelV2 or an RLModule); `rlmigrate rewrite` reports it as RLM060"
    )


def training_message(qualname: str) -> str:
    """The train-with-Ray message for a training-side name."""
    return (
        f"{qualname} is training-side; the shim only builds and runs legacy models and "
        "policies. Train with Ray: migrate with `rlmigrate rewrite --target ray` and run the "
        "result on Ray's new API stack"
    )


def not_in_shim_message(qualname: str) -> str:
    """The message for a name Ray 2.10 has and the shim does not implement."""
    return (
        f"{qualname} exists in Ray 2.10 but is not implemented by the shim (it serves the legacy "
        "torch model/policy API). Run this code on Ray itself, or migrate it with "
        "`rlmigrate rewrite`"
    )


def example_message(qualname: str) -> str:
    """The message for a name from Ray's example files (``ray.rllib.examples``)."""
    return (
        f"{qualname} comes from Ray's example files, which the shim does not ship. Copy that "
        "example file into your project (it runs unmodified under shim.ray_compat) and import "
        "it from there"
    )


class PlaceholderMeta(type):
    """Metaclass of every placeholder: calling the class (or a subclass) raises its error."""

    __shim_error__: type[NotInShimError]
    __shim_message__: str

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise cls.__shim_error__(cls.__shim_message__)

    def __getattr__(cls, name: str) -> NoReturn:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise cls.__shim_error__(f"{cls.__shim_message__} (attribute {name!r} was read)")

    def __repr__(cls) -> str:
        return f"<shim placeholder for {cls.__qualname__}>"


def is_placeholder(value: Any) -> bool:
    """True for objects made by :func:`placeholder` and classes deriving from them."""
    return isinstance(value, PlaceholderMeta)


def placeholder(module: str, name: str, error: type[NotInShimError], message: str) -> type:
    """A subclassable class standing for ``module.name`` that raises ``error(message)`` when used."""
    return PlaceholderMeta(
        name,
        (),
        {
            "__module__": module,
            "__qualname__": name,
            "__shim_error__": error,
            "__shim_message__": message,
            "__doc__": message,
        },
    )


# --------------------------------------------------------------------------- TensorFlow stub
class _KerasStub:
    """``tf.keras`` without TensorFlow: ``tf.keras.Model`` can be subclassed, never built."""

    def __init__(self) -> None:
        self.Model = placeholder(
            "tensorflow.keras", "Model", PortToTorchError, tf_message("tf.keras.Model")
        )


class TFStub:
    """What ``try_import_tf()`` returns as ``tf`` when TensorFlow is absent (as Ray 2.10 does).

    Falsy, so ``if tf:`` branches are skipped; ``tf.keras.Model`` exists so that TF model
    classes can be *defined*; anything else on it is an AttributeError, like Ray's stub.
    """

    def __init__(self) -> None:
        self.keras = _KerasStub()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<shim TensorFlow stub (TensorFlow is not available)>"
