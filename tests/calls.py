"""Recording the calls of a method for a test: what was asked, in order."""

from __future__ import annotations

from collections.abc import Callable


def recorded_calls(monkeypatch, owner: type, name: str, what: Callable[..., object]) -> list:
    """`owner.name` still does its work, and each call appends `what(*args, **kwargs)` to the
    returned list (the test's monkeypatch puts the method back at its end)."""
    calls: list = []
    original = getattr(owner, name)

    def recording(*args, **kwargs):
        calls.append(what(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls
