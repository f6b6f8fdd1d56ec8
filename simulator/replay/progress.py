"""A progress bar on stderr for long replays: inputs, events, event rate and time left.

Only on a terminal (tqdm's ``disable=None`` turns itself off when stderr is not a TTY) and never
with ``--json``; time left comes from the bytes still to read, which S3 listings and ``stat``
give before any input is opened.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from simulator.replay.report import UnitTally


class Progress:
    """Feed it each input's tally as it is merged; ``close()`` when done."""

    def __init__(
        self,
        inputs: int,
        total_bytes: int,
        enabled: bool | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.inputs, self.done, self.events = inputs, 0, 0
        self.started = time.monotonic()
        self.bar: Any = None
        if enabled is False:
            return
        from tqdm import tqdm

        class QuietBar(tqdm):  # type: ignore[misc]  # tqdm ships no type hints
            # No tqdm monitor thread: with a thread running, the replay's workers would be
            # spawned instead of forked (runner.pool_context), ~0.2 s each.
            monitor_interval = 0

        self.bar = QuietBar(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=None if enabled is None else not enabled,
            file=stream or sys.stderr,
            desc="replay",
            dynamic_ncols=True,
            leave=False,
        )

    def advance(self, tally: UnitTally) -> None:
        self.done += tally.inputs  # a batch from a worker holds several inputs
        self.events += tally.events
        if self.bar is None or self.bar.disable:
            return
        rate = self.events / max(time.monotonic() - self.started, 1e-9)
        self.bar.set_postfix_str(
            f"files {self.done}/{self.inputs}, events {self.events:,}, {rate:,.0f} ev/s",
            refresh=False,
        )
        self.bar.update(tally.input_bytes)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
