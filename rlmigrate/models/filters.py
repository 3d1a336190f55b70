"""Default CNN filter stacks for the usual square image sizes.

Same semantics as RLlib's table (each entry ``[out_channels, kernel, stride]`` or with a
4th ``"same"``/``"valid"`` padding; the stack shrinks the image to a 1x1 map whose
channels are the latent vector), our own numbers. Any other size needs ``conv_filters``.

Example:
    >>> get_filter_config((42, 42, 3))[-1]
    [256, 11, 1, 'valid']
"""

from __future__ import annotations

from collections.abc import Sequence

# side length -> filter stack; "same" layers halve (or quarter) the side, the last
# "valid" layer covers what is left, giving (1, 1, C).
_DEFAULT_FILTERS: dict[int, list[list]] = {
    96: [[16, 8, 4, "same"], [32, 4, 2, "same"], [256, 12, 1, "valid"]],  # 96 -> 24 -> 12 -> 1
    84: [[16, 8, 4, "same"], [32, 4, 2, "same"], [256, 11, 1, "valid"]],  # 84 -> 21 -> 11 -> 1
    64: [[32, 4, 2, "same"], [64, 4, 2, "same"], [128, 4, 2, "same"], [256, 8, 1, "valid"]],
    42: [[16, 4, 2, "same"], [32, 4, 2, "same"], [256, 11, 1, "valid"]],  # 42 -> 21 -> 11 -> 1
    10: [[16, 3, 2, "same"], [32, 5, 1, "valid"]],  # 10 -> 5 -> 1
}

SUPPORTED_IMAGE_SIZES: tuple[int, ...] = tuple(sorted(_DEFAULT_FILTERS))


def get_filter_config(shape: Sequence[int]) -> list[list]:
    """Default ``conv_filters`` for an image of shape ``(D, D, C)`` (or ``(D, D)``).

    Raises:
        ValueError: for sizes without a default; the message says to set ``conv_filters``.
    """
    dims = tuple(int(d) for d in shape)
    if len(dims) in (2, 3) and dims[0] == dims[1] and dims[0] in _DEFAULT_FILTERS:
        return [list(layer) for layer in _DEFAULT_FILTERS[dims[0]]]
    raise ValueError(
        f"no default CNN filters for images of shape {dims}: defaults exist for square images "
        f"of side {', '.join(map(str, SUPPORTED_IMAGE_SIZES))}. Set model_config['conv_filters'] "
        f"to a list of [out_channels, kernel, stride(, 'same'|'valid')] entries, e.g. "
        f"[[16, 4, 2], [32, 4, 2]], or resize the observations."
    )
