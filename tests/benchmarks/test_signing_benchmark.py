"""The signed opinion, performance: render and sign a 4-page opinion with 6 key
images in < 1 s; verify it in < 200 ms. Rendering is app.report's `render_opinion` (the letter
is made 4 pages long with long findings); signing is PAdES B-B with the DEMO RSA-3072 reviewer."""


import pytest

from app.demo import DEMO_LETTERHEAD
from app.report import render_opinion
from app.signing.pades import sign_pdf
from app.signing.verify import verify_pdf_bytes
from tests.conftest import key_identity
from tests.unit.test_opinion_pdf import FINDINGS, PROFILE, demo_record, fill, key_image


@pytest.fixture(scope="module")
def opinion_case(tmp_path_factory):
    from app.opinion.prefill import bind, new_response
    from app.opinion.questionnaire import load_template

    record = demo_record(tmp_path_factory.mktemp("demo"))
    q = bind(load_template("second-opinion"), record)
    response = fill(q, new_response(q, record, PROFILE), findings=(FINDINGS + "\n\n") * 4)
    return record, q, response, [key_image(n) for n in range(1, 7)]


def render_and_sign(case, identity):
    record, q, response, images = case
    rendered = render_opinion(record, q, response, key_images=images, letterhead=DEMO_LETTERHEAD,
                              letter_date="2026-11-23")
    return rendered, sign_pdf(rendered.pdf, identity, box=rendered.signature_box)


def test_render_and_sign_4_pages_6_images_under_1s(benchmark, opinion_case, pki):
    identity = key_identity(pki.reviewer_rsa)
    rendered, signed = render_and_sign(opinion_case, identity)  # warm-up: fonts and imports
    assert rendered.page_count >= 4, rendered.page_count
    result = benchmark.pedantic(render_and_sign, args=(opinion_case, identity), rounds=5, iterations=1)
    benchmark.extra_info["pages"] = result[0].page_count
    benchmark.extra_info["bytes"] = len(result[1].pdf)
    assert benchmark.stats.stats.median < 1.0


def test_verify_under_200ms(benchmark, opinion_case, pki):
    _, signed = render_and_sign(opinion_case, key_identity(pki.reviewer_rsa))
    roots = [pki.root.certificate]
    report = benchmark.pedantic(verify_pdf_bytes, args=(signed.pdf, roots), rounds=10, iterations=1)
    assert report.ok
    assert benchmark.stats.stats.median < 0.2
