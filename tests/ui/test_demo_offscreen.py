"""`secondo demo --out DIR` with no display: the window walks offscreen through the worklist,
the referral PDF, the scanned TIFF, the CT series and the form, previews and signs the DEMO
opinion, writes a PNG of each step and the signed PDF, and exits 0. The signed PDF passes
pyHanko's own validator as intact and trusted against the DEMO root, its text has the
question before the answer, and its embedded JSON is the case's signed draft."""

import io
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage
from pyhanko.pdf_utils.reader import PdfFileReader

from app.report.opinion_pdf import ATTACHMENT_NAME

SHOTS = ("01-worklist", "02-case-referral-pdf", "03-scanned-tiff", "04-ct-series", "05-form", "06-preview",
         "07-signed-opinion", "08-desk")


def distinct_colours(image: QImage) -> int:
    step = 13
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`secondo demo --out DIR` in its own process, as `./scripts/demo` runs it: no display, no
    OS keyring (so the DEMO data folder is locked with the DEMO vault passphrase)."""
    from app.commands.demo import DEMO_VAULT_PASSPHRASE

    out = tmp_path_factory.mktemp("demo-run") / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SECONDO_HOME")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONFAULTHANDLER="1", SECONDO_VAULT_PASSPHRASE=DEMO_VAULT_PASSPHRASE)
    done = subprocess.run([sys.executable, "-m", "app", "demo", "--out", str(out), "--ct-slices", "3"],
                          capture_output=True, text=True, timeout=600, env=env,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]  # 0 only once the window is closed
    return out, done.stdout, DEMO_VAULT_PASSPHRASE


def test_demo_writes_a_screenshot_of_each_kind_of_document(qapp, demo_run):
    out, printed, _passphrase = demo_run
    assert "Patient: TEST, Patient, born 01/01/1970" in printed  # the text output is kept
    for name in SHOTS:
        path = out / f"{name}.png"
        assert f"Screenshot: {path}" in printed
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1600, 1000), name
        assert distinct_colours(image) > 2, name  # something was drawn, not a blank window


def test_the_demo_opinion_is_signed_and_valid_for_pyhanko(demo_run):
    out, printed, _passphrase = demo_run
    pdf = out / "opinion-signed.pdf"
    assert f"Signed opinion: {pdf}" in printed
    cli = shutil.which("pyhanko") or str(Path(sys.executable).with_name("pyhanko"))
    if not Path(cli).exists():
        pytest.skip("pyhanko-cli is not installed")
    done = subprocess.run([cli, "sign", "validate", "--no-revocation-check", "--trust", str(out / "pki" / "root.pem"),
                           "--trust-replace", "--pretty-print", str(pdf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The signer's certificate is trusted." in done.stdout
    assert "The signature is cryptographically sound." in done.stdout
    assert "The signature covers the entire file." in done.stdout


def test_the_demo_opinion_reads_in_order_and_embeds_the_signed_draft(demo_run):
    out, _printed, vault_passphrase = demo_run
    pdf = out / "opinion-signed.pdf"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    question = text.index("Is surgical resection of the 9 mm right lower lobe nodule indicated now")
    findings = text.index("Solid nodule of 9 mm in the posterior basal segment")
    answer = text.index("Resection is not required at once: CT surveillance is a reasonable alternative")
    signer = text.index("Yours sincerely")
    assert question < findings < answer < signer
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    embedded = json.loads(names[names.index(ATTACHMENT_NAME) + 1].get_object()["/EF"]["/F"].get_object().data)

    from app.store.drafts import DraftStore
    from app.store.store import CaseStore
    with CaseStore.open(out / "home", lambda _new: vault_passphrase) as store:
        (case,) = store.index.cases()
        assert embedded == DraftStore(store).load(case["id"])
        assert case["status"] == "packaged"  # signed, then packaged for the treating physician
        assert [e["action"] for e in store.audit.entries()][-3:] == ["sign", "export", "package"]


def test_the_demo_sends_an_iso_to_the_treating_physician(demo_run):
    import pycdlib

    out, printed, _passphrase = demo_run
    shot = QImage(str(out / "09-outgoing.png"))
    assert not shot.isNull() and distinct_colours(shot) > 2
    (iso,) = (out / "outgoing").glob("*.iso")
    assert f"Outgoing package for the treating physician: {iso}" in printed
    image = pycdlib.PyCdlib()
    image.open(str(iso))
    names = sorted(c.file_identifier().decode() for c in image.list_children(iso_path="/") if c.is_file())
    image.close()
    assert names == ["OPINION.SOD;1", "README.TXT;1"]
    assert list((out / "outgoing").glob("*-cover-letter.pdf"))
