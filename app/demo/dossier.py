"""Build the demo dossier source folder: letters, a DICOM file-set and manifest.json (SODP
manifest v1, without sizes and hashes, which `secondo pack` fills in).
"""

from __future__ import annotations

import json
import uuid
from itertools import chain
from datetime import datetime, timezone
from pathlib import Path

from pydicom.dataset import Dataset

from app.core.i18n import _
from app.demo import DEMO_PATIENT, DEMO_PEOPLE
from app.demo.imaging import cr_chest_dataset, ct_series, real_sample_images, write_fileset
from app.demo.letters import QUESTION, write_letters

# Fixed, so that re-importing a rebuilt demo dossier is recognised as the same dossier.
DEMO_NAMESPACE = uuid.UUID("5ec0d0de-0000-4000-8000-00000000de70")
DEMO_DOSSIER_ID = str(uuid.uuid5(DEMO_NAMESPACE, "second-o demo dossier 1"))

REASON = ("Second opinion requested by the patient before a proposed VATS wedge resection of "
          "a slowly growing 9 mm solid right lower lobe nodule; PET-CT without significant "
          "uptake, bronchoscopy non-diagnostic. DEMO - fictitious case.")


def _manifest(documents: list[dict], imaging: list[dict], created: datetime) -> dict:
    pulmonologist = DEMO_PEOPLE["pulmonologist"]
    return {
        "format": "sodp-manifest/1",
        "dossier_id": DEMO_DOSSIER_ID,
        "created": created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sender": {"organisation": "DEMO Sending Hospital",
                   "contact": "secretariat@demo.invalid"},
        "patient": DEMO_PATIENT,
        "referral": {
            "question": QUESTION,
            "reason": REASON,
            "urgency": "routine",
            "requested_specialty": "Pulmonology",
            "referring_physician": pulmonologist,
            "treating_physician": pulmonologist,
            "general_practitioner": DEMO_PEOPLE["general_practitioner"],
            # The demo patient did not consent to her GP receiving the opinion, so the app
            # must never offer the GP as a recipient for this case.
            "consented_recipients": ["treating_physician", "patient"],
        },
        "documents": documents,
        "imaging": imaging,
    }


def build_demo_source(directory: Path, ct_slices: int = 200, *, ct_size: int = 512,
                      created: datetime | None = None) -> Path:
    """Write the complete demo dossier into an empty `directory`; return its manifest.json."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        # Leftover files would end up unlisted, which makes a package invalid.
        raise FileExistsError(_("{path} is not empty; the DEMO dossier needs an empty folder.").format(path=directory))
    directory.mkdir(parents=True, exist_ok=True)
    documents = write_letters(directory)
    # A generator, so the CT slices stream into the file-set instead of sitting in memory.
    instances: chain[Dataset | Path] = chain(ct_series(ct_slices, ct_size), [cr_chest_dataset()],
                                             (path for _, path in real_sample_images()))
    dicomdir = write_fileset(directory / "DICOM", instances)
    files = sorted(p for p in dicomdir.parent.rglob("*") if p.is_file() and p != dicomdir)
    imaging = [{"path": p.relative_to(directory).as_posix()} for p in [dicomdir, *files]]
    manifest = _manifest(documents, imaging, created or datetime.now(timezone.utc))
    path = directory / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
