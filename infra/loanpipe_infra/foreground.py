"""Keeping a command in the foreground while the local cloud serves (``loanpipe local up``, ``loanpipe demo``)."""

from __future__ import annotations

import signal
import threading


def wait_until_stopped() -> None:
    """Block until Ctrl-C (KeyboardInterrupt) or SIGTERM; the caller then stops what it started."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
