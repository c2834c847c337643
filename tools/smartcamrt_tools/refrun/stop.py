"""Ctrl-C / SIGTERM handling for the loop."""

from __future__ import annotations

import signal


class StopRequest:
    """Turns SIGINT/SIGTERM into a flag the loop checks between frames, so a stop never cuts a write."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopRequest:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: signals stay with the caller
                pass
        return self

    def _handle(self, signum, _frame) -> None:
        self.requested = True

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
