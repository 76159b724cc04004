"""Fictitious demo inputs: a test PKI, a sample patient's dossier with letters and images.

Everything generated here is marked "DEMO — not for clinical use".
"""

from typing import Any

from app.report.letterhead import Letterhead

# The one fictitious patient every demo input belongs to (manifest "patient" block shape).
DEMO_PATIENT: dict[str, Any] = {
    "family_name": "Test",
    "given_names": "Patient",
    "birth_date": "1970-01-01",
    "sex": "F",
    "identifiers": [{"system": "national-register", "value": "70.01.01-000.00"}],
}

_CITY = "0000 Demo City, Belgium"
_HOSPITAL = "DEMO Sending Hospital"

# Fictitious clinicians (manifest PERSON shape); registration numbers mimic RIZIV/INAMI
# but are all zeros so nobody can mistake them for real ones.
DEMO_PEOPLE = {
    "pulmonologist": {"name": "Dr. Test Treating (DEMO)", "registration": "1-00000-01-000",
                      "organisation": f"{_HOSPITAL}, Department of Pulmonology",
                      "address": f"Demostraat 1, {_CITY}"},
    "general_practitioner": {"name": "Dr. Test Generalist (DEMO)",
                             "registration": "1-00000-02-000",
                             "organisation": "DEMO Family Practice",
                             "address": f"Voorbeeldlaan 2, {_CITY}"},
    "thoracic_surgeon": {"name": "Dr. Test Surgeon (DEMO)", "registration": "1-00000-03-000",
                         "organisation": f"{_HOSPITAL}, Department of Thoracic Surgery",
                         "address": f"Demostraat 1, {_CITY}"},
    "radiologist": {"name": "Dr. Test Radiologist (DEMO)", "registration": "1-00000-04-000",
                    "organisation": f"{_HOSPITAL}, Department of Radiology",
                    "address": f"Demostraat 1, {_CITY}"},
    "cardiologist": {"name": "Dr. Test Cardiologist (DEMO)", "registration": "1-00000-05-000",
                     "organisation": "DEMO Heart Clinic", "address": f"Hartplein 3, {_CITY}"},
    "abdominal_surgeon": {"name": "Dr. Test Abdominal Surgeon (DEMO)",
                          "registration": "1-00000-06-000",
                          "organisation": f"{_HOSPITAL}, Department of Abdominal Surgery",
                          "address": f"Demostraat 1, {_CITY}"},
}

# The reviewing institution of the demo; saved into the DEMO data folder by `secondo demo` only.
DEMO_LETTERHEAD = Letterhead(
    institution="DEMO University Hospital",
    department="Second Opinion Service, Department of Pulmonology",
    address_lines=["Demoplein 1", "0000 Demo City, Belgium"],
    phone="+32 0 000 00 00",
    email="second-opinion@demo.invalid",
)
