"""Suite-wide settings. Tests run as 2 xdist workers on 2 cores: one torch thread per worker
avoids oversubscription, which turns millisecond training steps into 300 ms ones."""

import torch

torch.set_num_threads(1)
