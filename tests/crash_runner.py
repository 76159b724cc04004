"""`python -m tests.crash_runner ARGS...`: runs `secondo ARGS...` (app.cli.main) in this process
after patching one function, for the fault tests (tests/unit/test_faults.py); test hooks stay
out of app/.

SECONDO_TEST_CRASH_AT="module:attribute:N" kills this process with SIGKILL at the Nth call of
that function (before it runs; "...:N:after" once it has returned). The attribute may be
dotted (`Class.method`); `os:fsync` patches the os module itself.

SECONDO_TEST_FAIL_AT="module:attribute:N:ERRNO" makes the Nth call raise OSError(ERRNO)
instead (ENOSPC, EDQUOT, EIO: a full disk or a failing one).

SECONDO_TEST_PAUSE_AT="module:attribute:N" and SECONDO_TEST_PAUSE_DIR: at the Nth call, write
DIR/paused and wait until DIR/resume exists (another process acts meanwhile).
"""

import errno
import functools
import importlib
import os
from pathlib import Path
import signal
import sys
import time


def _target(spec: str):
    module_name, attribute = spec.split(":", 1)
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _patch(spec: str, count: int, action, after: bool = False) -> None:
    owner, name = _target(spec)
    original = getattr(owner, name)
    calls = [0]

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] == count and not after:
            action()
        result = original(*args, **kwargs)
        if calls[0] == count and after:
            action()
        return result

    if isinstance(owner, type) and isinstance(owner.__dict__.get(name), staticmethod):
        wrapper = staticmethod(wrapper)
    setattr(owner, name, wrapper)


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _pause(folder: Path):
    def pause() -> None:
        (folder / "paused").write_text(str(os.getpid()))
        deadline = time.monotonic() + 300  # a hang guard only
        while not (folder / "resume").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    return pause


def _fail(code: int):
    def fail() -> None:
        raise OSError(code, os.strerror(code))
    return fail


def install() -> None:
    if spec := os.environ.get("SECONDO_TEST_CRASH_AT"):
        parts = spec.split(":")
        _patch(":".join(parts[:2]), int(parts[2]), _kill, after=parts[3:] == ["after"])
    if spec := os.environ.get("SECONDO_TEST_FAIL_AT"):
        parts = spec.split(":")
        _patch(":".join(parts[:2]), int(parts[2]), _fail(getattr(errno, parts[3])))
    if spec := os.environ.get("SECONDO_TEST_PAUSE_AT"):
        parts = spec.split(":")
        _patch(":".join(parts[:2]), int(parts[2]), _pause(Path(os.environ["SECONDO_TEST_PAUSE_DIR"])),
               after=parts[3:] == ["after"])


if __name__ == "__main__":
    install()
    from app.cli import main

    sys.exit(main(sys.argv[1:]))
