"""Suite-wide settings.

* Tests run as 2 xdist workers on 2 cores: one torch thread per worker avoids
  oversubscription, which turns millisecond training steps into 300 ms ones.
* Under CI (``CI=true``) hypothesis runs derandomized and without an example database, so a
  red CI always reproduces locally with ``HYPOTHESIS_PROFILE=ci``; local runs keep exploring
  new examples (and remember failing ones in ``.hypothesis/``).
"""

import os

import torch
from hypothesis import settings

torch.set_num_threads(1)

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))
