"""What each password-protected copy adds to a signature (app/signoff/signing.py): encrypting
the rendered DEMO letter (R6, AES-256) and signing it, against signing the plain letter, in CPU
seconds of this process; qpdf encrypting the same letter (AES-256) is the peer of the
encryption. No target: the issue names none; reported so that the cost per recipient is known.
SECONDO_BENCH_COPY_ROUNDS sets the rounds (default 7)."""

from __future__ import annotations

import os
import statistics
import time

import pytest

from app.demo import DEMO_LETTERHEAD
from app.opinion.prefill import bind, new_response
from app.opinion.questionnaire import load_template
from app.report import render_opinion
from app.signing.pades import sign_pdf
from app.signoff.protected_pdf import new_passphrase, protect_and_sign
from tests.benchmarks.figures import median_run, peer, record
from tests.conftest import key_identity
from tests.unit.test_opinion_pdf import PROFILE, demo_record, fill

ROUNDS = int(os.environ.get("SECONDO_BENCH_COPY_ROUNDS", "7"))


def cpu_and_wall(work) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(ROUNDS):
        c0, w0 = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


@pytest.fixture(scope="module")
def letter(tmp_path_factory):
    record_ = demo_record(tmp_path_factory.mktemp("demo"))
    q = bind(load_template("second-opinion"), record_)
    return render_opinion(record_, q, fill(q, new_response(q, record_, PROFILE)), letterhead=DEMO_LETTERHEAD,
                          letter_date="2026-11-04")


def test_the_cpu_of_one_protected_copy(benchmark, letter, pki, tmp_path):
    identity = key_identity(pki.reviewer_rsa)
    passphrase = new_passphrase()

    def plain():
        return sign_pdf(letter.pdf, identity, box=letter.signature_box, reason="Second opinion")

    def copy():
        return protect_and_sign(letter.pdf, [passphrase], lambda pdf, pw: sign_pdf(
            pdf, identity, box=letter.signature_box, reason="Second opinion", password=pw).pdf)

    plain(), copy()  # warm-up: imports and fonts
    plain_cpu, plain_wall = cpu_and_wall(plain)
    copy_cpu, copy_wall = benchmark.pedantic(cpu_and_wall, args=(copy,), rounds=1, iterations=1)
    peers = {}
    qpdf = peer("qpdf")
    if qpdf:
        source = tmp_path / "letter.pdf"
        source.write_bytes(letter.pdf)
        run = median_run([qpdf, "--encrypt", passphrase, passphrase, "256", "--", str(source),
                          str(tmp_path / "encrypted.pdf")], rounds=ROUNDS)
        peers["qpdf --encrypt 256 (encryption only, whole process)"] = run.cpu_s
    record(benchmark, "signing the plain DEMO opinion, CPU", plain_cpu, None, "s CPU")
    record(benchmark, "one protected copy (encrypt + sign), CPU", copy_cpu, None, "s CPU", peers=peers)
    record(benchmark, "one protected copy (encrypt + sign), wall", copy_wall, None, "s wall",
           note=f"plain signature wall {plain_wall:.3f} s")
