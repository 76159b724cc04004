"""Read state: which documents of a case were opened, and when, kept encrypted with the case's
annotations (app/store/annotations.py), safe between processes; and the form's "Documents
reviewed" pre-filled from it (app/opinion/prefill.py)."""

from datetime import datetime, timezone
import json
import os
from pathlib import Path
import subprocess
import sys

import keyring

from app.opinion.prefill import DOCUMENT_SYSTEM, STUDY_SYSTEM, bind, document_code, new_response
from app.opinion.questionnaire import get_answers, load_template
from app.store.annotations import AnnotationStore
from app.store.store import CaseStore
from tests.file_keyring import FileKeyring
from tests.unit.test_prefill import PROFILE, demo_record

CASE = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 12, 3, 7, 15, 0, tzinfo=timezone.utc)
TIMEOUT = 300  # a hang guard only


def test_nothing_read_yet(isolated_home):
    with CaseStore.open(isolated_home) as store:
        assert AnnotationStore(store).read_documents(CASE) == {}


def test_marked_read_with_the_first_time_kept_across_reopening(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        assert annotations.mark_read(CASE, ["a1", "b2"], WHEN) == {"a1": "2026-12-03T07:15:00+00:00",
                                                                    "b2": "2026-12-03T07:15:00+00:00"}
        later = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
        assert annotations.mark_read(CASE, ["a1", "c3"], later)["a1"] == "2026-12-03T07:15:00+00:00"
    with CaseStore.open(isolated_home) as store:
        read = AnnotationStore(store).read_documents(CASE)
    assert read == {"a1": "2026-12-03T07:15:00+00:00", "b2": "2026-12-03T07:15:00+00:00",
                    "c3": "2026-12-04T09:00:00+00:00"}
    # the other case knows none of it
    with CaseStore.open(isolated_home) as store:
        assert AnnotationStore(store).read_documents(OTHER) == {}


def test_a_local_time_is_kept_in_utc(isolated_home):
    from datetime import timedelta
    brussels = timezone(timedelta(hours=1))
    with CaseStore.open(isolated_home) as store:
        read = AnnotationStore(store).mark_read(CASE, ["a1"], datetime(2026, 12, 3, 8, 15, tzinfo=brussels))
    assert read == {"a1": "2026-12-03T07:15:00+00:00"}


def test_mark_unread_forgets_only_that_document(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.mark_read(CASE, ["a1", "b2"], WHEN)
        assert annotations.mark_unread(CASE, ["a1", "never-read"]) == {"b2": "2026-12-03T07:15:00+00:00"}
        assert annotations.read_documents(CASE) == {"b2": "2026-12-03T07:15:00+00:00"}


def test_read_state_leaves_the_measurements_and_key_images_alone_and_they_leave_it(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.save_marks(CASE, {"format": "secondo-marks/1", "marks": [{"kind": "arrow"}]})
        annotations.mark_read(CASE, ["a1"], WHEN)
        annotations.save_measurements(CASE, {"format": "secondo-measurements/1", "measurements": []})
        assert annotations.read_documents(CASE) == {"a1": "2026-12-03T07:15:00+00:00"}
        assert annotations.marks(CASE)["marks"] == [{"kind": "arrow"}]


def test_read_state_is_encrypted_at_rest(isolated_home):
    with CaseStore.open(isolated_home) as store:
        annotations = AnnotationStore(store)
        annotations.mark_read(CASE, ["doc-cardiology-letter"], WHEN)
        raw = b"".join(p.read_bytes() for p in annotations.folder.rglob("*") if p.is_file())
    assert raw and b"cardiology" not in raw and b"2026-12-03" not in raw and b"read" not in raw


def test_two_processes_marking_at_once_lose_no_document(isolated_home, tmp_path, monkeypatch):
    """Each process marks its own 15 documents one at a time, both at once: every mark is kept
    (each is a locked read-modify-write of the one annotations file)."""
    ring = tmp_path / "keyring.json"
    monkeypatch.setenv("SECONDO_TEST_KEYRING", str(ring))
    keyring.set_keyring(FileKeyring())  # conftest puts the previous one back
    with CaseStore.open(isolated_home) as store:
        AnnotationStore(store).mark_read(CASE, ["first"], WHEN)  # the vault key exists before both start
    env = dict(os.environ, SECONDO_HOME=str(isolated_home), SECONDO_TEST_KEYRING=str(ring),
               PYTHON_KEYRING_BACKEND="tests.file_keyring.FileKeyring", PYTHONPATH=str(ROOT))
    script = ("import os, sys\n"
              "from app.store.annotations import AnnotationStore\n"
              "from app.store.store import CaseStore\n"
              "from pathlib import Path\n"
              "with CaseStore.open(Path(os.environ['SECONDO_HOME'])) as store:\n"
              "    annotations = AnnotationStore(store)\n"
              "    for n in range(15):\n"
              f"        annotations.mark_read('{CASE}', [sys.argv[1] + str(n)])\n"
              f"        annotations.mark_unread('{CASE}', ['first'])\n")
    processes = [subprocess.Popen([sys.executable, "-c", script, name], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name in ("left", "right")]
    for process in processes:
        _out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, err
    with CaseStore.open(isolated_home) as store:
        read = AnnotationStore(store).read_documents(CASE)
    assert sorted(read) == sorted([f"left{n}" for n in range(15)] + [f"right{n}" for n in range(15)])


# -- the form's "Documents reviewed" -------------------------------------------------------------

def test_only_the_documents_opened_are_ticked_as_reviewed(tmp_path):
    record = demo_record(tmp_path)
    record["studies"] = [{"study_uid": "1.2.3", "date": "2026-10-01", "description": "Thorax",
                          "series": [{"modality": "CT"}]}]
    q = bind(load_template("second-opinion"), record)
    read = {document_code(record["documents"][n], n) for n in (2, 5)}
    ticked = get_answers(new_response(q, record, PROFILE, read), "documents-reviewed")
    assert [(c["system"], c["code"]) for c in ticked] == [(DOCUMENT_SYSTEM, "doc2"), (DOCUMENT_SYSTEM, "doc5"),
                                                          (STUDY_SYSTEM, "1.2.3")]
    assert ticked[0]["display"].startswith(record["documents"][2]["title"] + " — ")  # title, then date
    nothing = get_answers(new_response(q, record, PROFILE, set()), "documents-reviewed")
    assert [c["system"] for c in nothing] == [STUDY_SYSTEM]
    everything = get_answers(new_response(q, record, PROFILE), "documents-reviewed")
    assert len(everything) == 9  # no read state given (a command): every document and study


def test_the_code_of_a_document_is_its_option_code(tmp_path):
    record = demo_record(tmp_path)
    q = bind(load_template("second-opinion"), record)
    codes = [o["valueCoding"]["code"] for o in q.item("documents-reviewed")["answerOption"]]
    assert codes == [document_code(d, n) for n, d in enumerate(record["documents"])]
    assert json.dumps(codes)  # plain strings
