"""``RepeatedValues``: how a batch of ``Repeated`` observations reaches a legacy model.

``restore_original_dimensions`` turns the flat ``(B, 1 + max_len * child_size)`` observation
into ``RepeatedValues(values=(B, max_len, *child), lengths=(B,), max_len)``; nested Repeated
spaces nest RepeatedValues (values ``(B, M, N, ...)``, inner lengths ``(B, M)``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["RepeatedValues"]


class RepeatedValues:
    """Padded values of variable-length lists plus their lengths.

    Attributes:
        values: padded data, ``(B, max_len, ...)`` (or a dict/tuple of such, for a Dict child).
        lengths: number of valid items per list, ``(B,)`` (float, as the flat obs carries it).
        max_len: the space's ``max_len``.

    Example:
        >>> import torch
        >>> rv = RepeatedValues(torch.zeros(2, 3, 4), torch.tensor([1.0, 3.0]), 3)
        >>> [len(items) for items in rv.unbatch_all()]
        [1, 3]
    """

    def __init__(self, values: Any, lengths: Any, max_len: int) -> None:
        self.values = values
        self.lengths = lengths
        self.max_len = max_len
        self._unbatched_repr: list[list[Any]] | None = None

    def unbatch_all(self) -> list[list[Any]]:
        """Python lists: one list per batch row holding its ``lengths[b]`` valid items."""
        if self._unbatched_repr is None:
            batch = int(_batch_dim(self.values))
            slices = self.unbatch_repeat_dim()
            result = []
            for row in range(batch):
                count = int(
                    self.lengths[row].item()
                    if hasattr(self.lengths[row], "item")
                    else self.lengths[row]
                )
                result.append([_index(slices, row, item) for item in range(count)])
            self._unbatched_repr = result
        return self._unbatched_repr

    def unbatch_repeat_dim(self) -> list[Any]:
        """The repeat axis split off: ``max_len`` entries of ``(B, ...)`` (still padded)."""
        return _unbatch(self.values, self.max_len)

    def __repr__(self) -> str:
        return f"RepeatedValues(value={self.values!r}, lengths={self.lengths!r}, max_len={self.max_len})"

    __str__ = __repr__


def _batch_dim(value: Any) -> int:
    if isinstance(value, dict):
        return _batch_dim(next(iter(value.values())))
    if isinstance(value, tuple):
        return _batch_dim(value[0])
    if isinstance(value, RepeatedValues):
        return _batch_dim(value.values)
    return value.shape[0]


def _unbatch(value: Any, max_len: int) -> Any:
    if isinstance(value, dict):
        return {key: _unbatch(item, max_len) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_unbatch(item, max_len) for item in value)
    if isinstance(value, RepeatedValues):
        return [
            RepeatedValues(part, value.lengths[:, i, ...], value.max_len)
            for i, part in enumerate(_unbatch(value.values, max_len))
        ]
    return [value[:, i, ...] for i in range(max_len)]


def _index(value: Any, row: int, item: int) -> Any:
    if isinstance(value, dict):
        return {key: _index(part, row, item) for key, part in value.items()}
    if isinstance(value, tuple):
        return tuple(_index(part, row, item) for part in value)
    if isinstance(value, list):
        return _index(value[item], row, item)
    if isinstance(value, RepeatedValues):
        return value.unbatch_all()[row]
    return value[row, ...]
