"""The DEMO opinion signed without the window (`secondo demo --no-window`): the form filled
with the DEMO reviewer's answers, signed with the DEMO identity through the same service as
the window's Sign, and written to opinion-signed.pdf."""

from __future__ import annotations

from pathlib import Path

from app.core.files import atomic_output


def sign_demo_opinion(store, case_id: str, identity, out: Path, language: str | None = None) -> Path:
    """Sign the DEMO opinion of `case_id` (once: a case signed already keeps its opinion),
    written in `language` (None: the case's default, app.outgoing.languages), and write the
    latest signed opinion to `out`/opinion-signed.pdf; returns that path."""
    from app.demo.opinion import fill_demo_opinion
    from app.opinion.prefill import bind, new_response
    from app.opinion.profile import load_profile
    from app.opinion.questionnaire import DEFAULT_TEMPLATE, load_template
    from app.outgoing.address_book import AddressBook
    from app.outgoing.languages import default_opinion_language
    from app.signoff.language import with_language
    from app.signoff.signing import sign_opinion
    from app.signing.verify import quiet_validation_logs
    from app.store.opinions import SignedOpinionStore

    quiet_validation_logs()
    opinions = SignedOpinionStore(store)
    if opinions.latest(case_id) is None:
        record = store.record(case_id)
        questionnaire = bind(load_template(DEFAULT_TEMPLATE), record)
        tag = language or default_opinion_language(record, AddressBook(store)).tag
        response = with_language(new_response(questionnaire, record, load_profile()), tag)
        sign_opinion(store, case_id, fill_demo_opinion(questionnaire, response), identity, via="cli")
    latest = opinions.latest(case_id)
    assert latest is not None  # signed just now or before
    target = Path(out) / "opinion-signed.pdf"
    with atomic_output(target) as stream:
        stream.write(opinions.pdf(case_id, latest.number))
    return target
