"""``TFModelV2`` without TensorFlow: TF model classes *define* (subclassing it works, as under
Ray 2.10 without TensorFlow), and building one raises the port-it error (codemod RLM060)."""

from __future__ import annotations

from typing import Any, NoReturn

from shim.models.modelv2 import ModelV2
from shim.placeholders import PortToTorchError, tf_message

__all__ = ["TFModelV2"]


class TFModelV2(ModelV2):
    """The TF legacy model base; the shim runs torch only, so constructing any subclass raises.

    Raises:
        PortToTorchError: always, naming the class to port (``rlmigrate rewrite`` reports
            such classes as RLM060).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PortToTorchError(
            tf_message(f"{type(self).__module__}.{type(self).__qualname__} (a TFModelV2)")
        )

    @staticmethod
    def register_variables(*args: Any, **kwargs: Any) -> None:
        """TF1 variable registration: nothing to register without TensorFlow."""
        return None
