"""How a backend's CPU threads are split between batches and within a batch.

``--threads`` is the total.  CTranslate2 can decode several batches at once
(``inter`` batches, each with its own decoding state over one shared copy of
the weights) with ``intra`` threads inside each batch.

The default is one thread per batch, as many batches as threads:

- **Speed.** Decoding one batch of beam search does not keep two cores busy
  (beam bookkeeping between small matrix products): on 2 cores, 2 batches x 1
  thread decode about 1.25x faster than 1 batch x 2 threads (docs/backends.md).
- **Shared machines.** A thread waiting inside a batch spins, and fights other
  work on the same cores; with one thread per batch nothing spins.
- **The same output.** A batch decoded on one thread always sums in the same
  order, so the output does not depend on ``--threads`` or on how many batches
  run at once.  With several threads inside a batch the matrix library may
  split sums differently (measured: float32 scores change in their last bits
  with 4 threads per batch), so a split with ``intra > 1`` is never chosen by
  default and the backend names it in its signature.

Each batch in flight holds its own beam state (on OPUS-MT's architecture at beam 4,
about 130 MB for a batch of 16 sentences), so memory grows with the batches at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from translate.errors import BackendError


@dataclass(frozen=True, slots=True)
class ThreadSplit:
    """Batches decoded at once (``inter``) and threads inside each (``intra``)."""

    inter: int
    intra: int

    @property
    def total(self) -> int:
        """Return the threads used in all."""
        return self.inter * self.intra


def available_cores() -> int:
    """Return the cores this process may run on (its CPU affinity, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def split_threads(threads: int = 0, inter: int = 0, device: str = "cpu") -> ThreadSplit:
    """Return the split of ``threads`` in all (0: one per available core).

    ``inter`` batches at once, with ``threads // inter`` threads each; by
    default (``inter`` 0) one thread per batch.  On CUDA one batch runs at a
    time unless told otherwise (each one more loads the model again).
    """
    if threads < 0 or inter < 0:
        raise BackendError(f"thread counts cannot be negative (threads={threads}, inter={inter})")
    total = threads or available_cores()
    if device != "cpu":
        return ThreadSplit(inter or 1, 1)
    if inter > total:
        raise BackendError(
            f"--inter-threads {inter} is more than the {total} threads in all (--threads)"
        )
    inter = inter or total
    return ThreadSplit(inter, total // inter)
