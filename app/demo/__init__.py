"""Fictitious demo inputs: a test PKI, a sample patient's dossier with letters and images.

Everything generated here is marked "DEMO — not for clinical use".
"""

# The one fictitious patient every demo input belongs to (manifest "patient" block shape).
DEMO_PATIENT = {
    "family_name": "Test",
    "given_names": "Patient",
    "birth_date": "1970-01-01",
    "sex": "F",
    "identifiers": [{"system": "national-register", "value": "70.01.01-000.00"}],
}
