"""Whom a signed opinion is addressed to: the consented roles its "recipients" item names, or
every consented role when it names none. One rule for the protected PDF copies made at
signing (app/signoff/signing.py) and for the outgoing packages' plan (app/outgoing/package.py)."""

from __future__ import annotations

from app.dossier.case_details import CONSENT_ROLES
from app.opinion.prefill import consented_roles
from app.opinion.questionnaire import get_answers


def consented(record: dict) -> list[str]:
    """The roles the patient consented to, in the dossier's order, each once."""
    roles: list[str] = []
    for role in consented_roles(record):
        if role in CONSENT_ROLES and role not in roles:
            roles.append(role)
    return roles


def addressed_roles(record: dict, response: dict) -> list[str]:
    """The consented roles the signed `response` is addressed to (its "recipients" answers,
    in their order), else all consented roles."""
    allowed = consented(record)
    chosen: list[str] = []
    for value in get_answers(response, "recipients"):
        code = value.get("code") if isinstance(value, dict) else value
        if code in allowed and code not in chosen:
            chosen.append(code)
    return chosen or allowed
