"""Review of session 61's dock commits: pytest's log capture beside a thread making loggers."""

from __future__ import annotations

import logging
import threading


def test_a_logger_made_in_another_thread_as_a_test_phase_begins_fails_nothing(monkeypatch):
    """pytest's log capture, entered at each test phase, iterated logging's loggers unlocked: a
    logger made then in another thread (Spectrum's drawing thread imports matplotlib as the dock
    opens) failed test_docks47's teardown under -n 2 ("dictionary changed size during
    iteration"). The conftest enters it under logging's lock, which getLogger takes."""
    from _pytest.logging import LogCaptureHandler, catching_logs

    manager = logging.root.manager
    made = []

    class Loggers(dict):
        def values(self):  # a logger is made in another thread while these are iterated
            for i, logger in enumerate(dict.values(self)):
                if i == 0 and not made:
                    made.append(threading.Thread(target=logging.getLogger, args=("revD61.x",)))
                    made[0].start()
                    made[0].join(0.05)  # blocked on logging's lock now: it waits
                yield logger

    loggers = Loggers(manager.loggerDict)
    loggers.setdefault("revD61.placeholder", logging.getLogger("revD61.placeholder"))
    monkeypatch.setattr(manager, "loggerDict", loggers)
    capture = catching_logs(LogCaptureHandler())
    try:
        capture.__enter__()
        capture.__exit__(None, None, None)
    finally:
        made[0].join(5)
    assert "revD61.x" in loggers  # made once the capture was set up
