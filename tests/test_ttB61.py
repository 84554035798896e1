"""The harness's cache of napari's callback-signature check (conftest: Qt-free)."""

import inspect
import weakref

import pytest
from conftest import _check_each_callback_signature_once
from napari.utils.events.event import EventEmitter


class _Dock:
    def on_event(self, event):
        pass

    def on_nothing(self):
        pass


def _counted(monkeypatch):
    calls = []
    real = inspect.signature

    def signature(fun, *args, **kwargs):
        calls.append(fun)
        return real(fun, *args, **kwargs)

    monkeypatch.setattr(inspect, "signature", signature)
    return calls


def test_a_function_or_method_is_inspected_once_and_answered_as_napari_does(monkeypatch):
    _check_each_callback_signature_once()
    _check_each_callback_signature_once()  # installed once: not wrapped twice
    real = EventEmitter.__dict__["_check_signature"].__func__
    assert hasattr(real, "answers")
    calls = _counted(monkeypatch)

    def takes_event(event):
        pass

    def takes_nothing():
        pass

    dock, other = _Dock(), _Dock()
    cases = [(takes_event, True), (takes_nothing, False), (lambda *a: None, True)]
    cases += [(dock.on_event, True), (dock.on_nothing, False), (other.on_event, True)]
    for fun, expected in cases * 3:
        assert EventEmitter._check_signature(fun) is expected, fun
    # one inspection per function and per method's function (other.on_event: dock's answer)
    assert len(calls) == 5, calls
    # a bound method and its function differ by `self`: each is answered for itself
    assert EventEmitter._check_signature(_Dock.on_nothing) is True


def test_a_refused_callback_still_raises_and_a_partial_is_answered_by_its_binding(monkeypatch):
    import functools

    _check_each_callback_signature_once()
    calls = _counted(monkeypatch)

    def two(a, b):
        pass

    for _ in range(2):
        for refused in (two, functools.partial(two)):
            with pytest.raises(RuntimeError, match="more than one positional"):
                EventEmitter._check_signature(refused)
    assert len(calls) == 4  # nothing kept for a refused callback
    partials = [(functools.partial(two, 1), True), (functools.partial(two, 1, 2), False)]
    partials += [(functools.partial(two, b=2), True), (functools.partial(_Dock().on_event), True)]
    for fun, expected in partials * 2:
        assert EventEmitter._check_signature(fun) is expected, fun
    assert EventEmitter._check_signature(functools.partial(two, 3)) is True
    assert len(calls) == 8  # one inspection per function and binding
    odd = functools.partial(two, 1)
    odd.__signature__ = inspect.Signature()  # a signature of its own: inspected as it says
    assert EventEmitter._check_signature(odd) is False
    assert len(calls) == 9


def test_the_kept_answers_keep_no_callback_alive():
    """A leak check must still see a test's callback freed: the cache holds functions weakly."""
    _check_each_callback_signature_once()

    def make():
        def callback(event):
            pass

        return callback

    callback = make()
    assert EventEmitter._check_signature(callback) is True
    ref = weakref.ref(callback)
    del callback
    assert ref() is None
