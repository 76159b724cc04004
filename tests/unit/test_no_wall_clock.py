"""No test asserts wall-clock time (figures belong in tests/benchmarks, run by ./scripts/bench):
the tests must pass on a busy machine."""

import ast
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[2]
CLOCKS = {"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time", "time", "time_ns"}
TIMINGS = {"elapsed", "duration", "took", "seconds_taken"}


def is_clock(node: ast.AST) -> bool:
    return any(isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) and part.func.attr in CLOCKS
               and isinstance(part.func.value, ast.Name) and part.func.value.id == "time" for part in ast.walk(node))


def timed_asserts(source: str, name: str = "<test>") -> list[int]:
    """Lines of `assert`s on an elapsed time (a clock reading minus another, or a variable
    named for one). A hang guard, `assert time.monotonic() < deadline`, is not one."""
    lines = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Assert):
            continue
        for part in ast.walk(node.test):
            elapsed = isinstance(part, ast.BinOp) and isinstance(part.op, ast.Sub) and \
                (is_clock(part.left) or is_clock(part.right))
            if elapsed or (isinstance(part, ast.Name) and part.id in TIMINGS):
                lines.append(node.lineno)
                break
    return lines


def test_no_test_asserts_wall_clock_time():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in (ROOT / "tests").rglob("*.py")
                 if "benchmarks" not in path.relative_to(ROOT).parts
                 for line in timed_asserts(path.read_text(), str(path))]
    assert offenders == []


def test_the_rule_finds_a_timed_assert():
    assert timed_asserts("started = time.monotonic()\nassert time.monotonic() - started < 2.0\n") == [2]
    assert timed_asserts("elapsed = 1.0\nassert elapsed < 2.0\n") == [2]
    assert timed_asserts("assert done.returncode == 0\n") == []
    assert timed_asserts("deadline = time.monotonic() + 300\nassert time.monotonic() < deadline, 'hung'\n") == []


def test_hypothesis_has_no_per_example_deadline():
    assert settings.default.deadline is None  # tests/conftest.py: a sound property must not fail on a busy machine
