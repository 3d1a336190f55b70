"""``JsonReader``: reads legacy offline experience files (JSON lines of SampleBatches).

Legacy model files with a custom loss open one in their constructor (Ray's
``examples/models/custom_loss_model.py``: ``self.reader = JsonReader(input_files)``) and read
batches in ``custom_loss``. Inputs resolve as in Ray 2.10 (a glob, a directory -> its
``*.json``, or a list of paths; none found -> ValueError). Records are ``{"type":
"SampleBatch", <column>: [...]}`` lines; columns Ray stored compressed (base64 + LZ4 strings)
raise a clear error instead of being guessed at.
"""

from __future__ import annotations

import glob
import json
import os
import random
from typing import Any

import numpy as np

from shim.policy.sample_batch import SampleBatch

__all__ = ["JsonReader"]


class JsonReader:
    """Yields ``SampleBatch`` es from JSON-lines files, files picked at random (as Ray does)."""

    def __init__(self, inputs: str | list[str], ioctx: Any = None) -> None:
        self.ioctx = ioctx
        self.batch_size = 1
        config = getattr(ioctx, "config", None) or {}
        if config:
            self.batch_size = int(config.get("train_batch_size", 1))
        if isinstance(inputs, str):
            path = os.path.abspath(os.path.expanduser(inputs))
            patterns = (
                [os.path.join(path, "*.json"), os.path.join(path, "*.zip")]
                if os.path.isdir(path)
                else [path]
            )
            if any("://" in p for p in patterns):
                raise ValueError(
                    f"Don't know how to glob over `{patterns}`, please specify a list of files "
                    "to read instead."
                )
            self.files = [match for pattern in patterns for match in glob.glob(pattern)]
        elif isinstance(inputs, (list, tuple)):
            self.files = list(inputs)
        else:
            raise ValueError(f"type of inputs must be list or str, not {inputs!r}")
        if not self.files:
            raise ValueError(f"No files found matching {inputs}")
        self._lines: list[str] = []

    def next(self) -> SampleBatch:
        """The next batch of at least ``batch_size`` rows (records concatenated)."""
        batches = []
        count = 0
        while count < self.batch_size or not batches:
            batch = self._parse(self._next_line())
            batches.append(batch)
            count += len(batch)
        if len(batches) == 1:
            return batches[0]
        return SampleBatch(
            {key: np.concatenate([b[key] for b in batches]) for key in batches[0].keys()}
        )

    def read_all_files(self) -> list[SampleBatch]:
        """Every record of every file, in file order."""
        out = []
        for path in self.files:
            with open(path, encoding="utf-8") as handle:
                out.extend(self._parse(line) for line in handle if line.strip())
        return out

    def _next_line(self) -> str:
        for _ in range(100):
            if not self._lines:
                with open(random.choice(self.files), encoding="utf-8") as handle:
                    self._lines = [line for line in handle if line.strip()]
                self._lines.reverse()
            if self._lines:
                return self._lines.pop()
        raise ValueError(f"Failed to read next line from files: {self.files}")

    @staticmethod
    def _parse(line: str) -> SampleBatch:
        record = json.loads(line)
        kind = record.pop("type", None)
        if kind != "SampleBatch":
            raise ValueError(
                f"JSON record type {kind!r}: the shim reads single-agent 'SampleBatch' records"
            )
        columns = {}
        for key, value in record.items():
            if isinstance(value, str) and key not in ("eps_id",):
                raise NotImplementedError(
                    f"column {key!r} is stored compressed (Ray's base64 + LZ4 packing); write "
                    "the file with compress_columns=[] or read it with Ray"
                )
            columns[key] = np.asarray(value)
        return SampleBatch(columns)
