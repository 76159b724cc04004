"""Smoke test of the built application bundle, run by `scripts/smoke BUNDLE_DIR`
(`./scripts/build` runs it after the build): --version, the offscreen demo with its signed
opinion verifying, snapshots of a JPEG 2000 and a JPEG Lossless image (the pixel decoder
plugins made it into the bundle), the size on disk and the cold start to a shown window.
The size target (< 350 MB) is checked here; the cold start's time is a figure of
tests/benchmarks/test_startup_benchmark.py (./scripts/bench), not a test."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import time

import pytest
from pydicom.data import get_testdata_file

BUNDLE = Path(os.environ.get("SECONDO_BUNDLE", "dist/secondo")).resolve()
EXE = BUNDLE / ("secondo.exe" if os.name == "nt" else "secondo")
pytestmark = pytest.mark.skipif(not EXE.exists(), reason=f"no bundle at {BUNDLE} (run ./scripts/build)")


def run(*args, home: Path, timeout: int = 300, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")}
    environment.update(SECONDO_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=
                       "keyring.backends.fail.Keyring", SECONDO_VAULT_PASSPHRASE="bundle-smoke-test-passphrase", **env)
    home.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=environment, cwd=str(home.parent))


VAULT = ("--vault-passphrase-env", "SECONDO_VAULT_PASSPHRASE")


def test_version(tmp_path):
    done = run("--version", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("secondo ") and lines[1].startswith("Qt 6.")
    assert any(line.startswith("pydicom ") for line in lines) and any(line.startswith("pyHanko ") for line in lines)
    assert not any("not installed" in line for line in lines if line.split()[0] in ("pydicom", "pyHanko",
                                                                                     "pylibjpeg-openjpeg"))


def test_demo_offscreen_and_its_signed_opinion(tmp_path):
    out = tmp_path / "demo"
    done = run("demo", "--out", out, "--ct-slices", "40", home=out / "home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "DEMO sample MR" in done.stdout and "DEMO sample CT" in done.stdout  # pydicom's real images came along
    for name in ("01-worklist", "04-ct-series", "05-form", "07-signed-opinion", "08-desk", "09-outgoing"):
        assert (out / f"{name}.png").stat().st_size > 10_000, name
    verified = run("verify", out / "opinion-signed.pdf", "--trust", out / "pki" / "root.pem", "--json",
                   home=out / "home")  # verify opens no data folder
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert '"whole_file": true' in verified.stdout and '"trusted": true' in verified.stdout


def test_the_demo_opinion_goes_out_in_the_forms_a_recipient_without_second_o_opens(tmp_path):
    """The bundle makes the .p7m, the PACS disc (an ISO: pycdlib came along) and the protected
    PDF of the DEMO's signed opinion, and openssl and poppler open them."""
    import json
    import re
    import shutil

    out = tmp_path / "demo"
    home = out / "home"
    assert run("demo", "--no-window", "--out", out, "--ct-slices", "10", home=home).returncode == 0
    listed = run("cases", "--json", *VAULT, home=home)
    case_id = json.loads(listed.stdout)[0]["case_id"]

    def outgoing(*args):
        done = run("outgoing", case_id, *args, "--json", *VAULT, home=home)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return json.loads(done.stdout)

    p7m = outgoing("--to", "treating_physician", "--form", "p7m", "--recipient", out / "pki" / "treating-physician.pem",
                   "-o", tmp_path / "p7m")
    pdi = outgoing("--to", "treating_physician", "--form", "pdi", "--iso", "--key-images", "-o", tmp_path / "pdi")
    (tmp_path / "sheet").mkdir()
    pdf = outgoing("--to", "patient", "--form", "pdf", "-o", tmp_path / "pdf", "--sheet", tmp_path / "sheet" / "s.pdf")
    assert pdi["warnings"] and pdi["output"].endswith(".iso") and Path(pdi["output"]).read_bytes()[32769:32774] == b"CD001"
    signed = (out / "opinion-signed.pdf").read_bytes()
    if shutil.which("openssl"):
        key = tmp_path / "tp.key"
        subprocess.run(["openssl", "pkcs12", "-in", str(out / "pki" / "treating-physician.p12"), "-nocerts", "-nodes",
                        "-passin", "pass:demo-passphrase-not-secret", "-out", str(key)], check=True, capture_output=True)
        opened = subprocess.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-in", p7m["output"], "-recip",
                                 str(out / "pki" / "treating-physician.pem"), "-inkey", str(key)],
                                check=True, capture_output=True).stdout
        assert opened == signed
    if shutil.which("pdftotext"):
        sheet = subprocess.run(["pdftotext", pdf["passphrase_sheet"], "-"], check=True, capture_output=True,
                               text=True).stdout
        (passphrase,) = re.findall(r"^[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}$", sheet, re.MULTILINE)
        text = subprocess.run(["pdftotext", "-upw", passphrase, pdf["output"], "-"], check=True, capture_output=True,
                              text=True).stdout
        assert "DEMO University Hospital" in text
        assert subprocess.run(["pdftotext", pdf["output"], "-"], capture_output=True).returncode != 0


@pytest.mark.parametrize("name, what", [("693_J2KI.dcm", "JPEG 2000"), ("SC_rgb_jpeg_gdcm.dcm", "JPEG Lossless"),
                                        ("MR_small_jpeg_ls_lossless.dcm", "JPEG-LS lossless"),
                                        ("MR_small_RLE.dcm", "RLE Lossless")])
def test_snapshot_decodes_compressed_images(tmp_path, name, what):
    source = get_testdata_file(name)
    if source is None:
        pytest.skip(f"{name} is not shipped with this pydicom")
    import pydicom
    from PIL import Image

    png = tmp_path / f"{name}.png"
    done = run("snapshot", source, "-o", png, home=tmp_path / "home")
    assert done.returncode == 0, f"{what}: {done.stderr}"
    ds = pydicom.dcmread(source, stop_before_pixels=True)
    with Image.open(png) as image:
        assert image.size == (ds.Columns, ds.Rows), what
        low, high = image.convert("L").getextrema()
        assert low < high, what  # decoded pixels, not a blank


def test_size_on_disk_is_under_350_mb():
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbundle size: {size / 1e6:.0f} MB ({size / (1 << 20):.0f} MiB)")
    assert size < 350 * (1 << 20)


def test_cold_start_shows_the_worklist(tmp_path):
    assert run("cases", *VAULT, home=tmp_path / "home").returncode == 0  # the data folder exists already
    done = run("gui", "--exit-when-shown", *VAULT, home=tmp_path / "home", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "shown after" in done.stdout  # printed once the worklist was filled, then the window closed


def test_a_second_start_hands_over_to_the_open_window(tmp_path):
    """The bundle carries QtNetwork: a second start on the data folder gives way to the first."""
    import fcntl

    home = tmp_path / "home"
    assert run("cases", *VAULT, home=home).returncode == 0
    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH")}
    environment.update(SECONDO_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=
                       "keyring.backends.fail.Keyring", SECONDO_VAULT_PASSPHRASE="bundle-smoke-test-passphrase")
    first = subprocess.Popen([str(EXE), "gui", *VAULT], env=environment, cwd=str(tmp_path),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until the first window holds the data folder's lock
            with open(home / "window.lock", "a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    break
                fcntl.flock(lock, fcntl.LOCK_UN)
            assert first.poll() is None, "the first window ended"
            time.sleep(0.1)
        done = run("gui", home=home, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "Second-O is already open on this data folder; it was brought to the front."
    finally:
        first.kill()
        first.wait(60)


def test_the_tarball_installs_and_uninstalls(tmp_path):
    import shutil
    import tarfile

    (tarball,) = BUNDLE.parent.glob("secondo-workstation-*-linux-*.tar.gz")
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "x", filter="tar")
    (top,) = (tmp_path / "x").iterdir()
    prefix = tmp_path / "prefix"
    env = dict(os.environ, PREFIX=str(prefix))
    subprocess.run(["sh", str(top / "install.sh")], check=True, capture_output=True, env=env)
    for path in ("bin/secondo", "share/applications/secondo.desktop", "share/mime/packages/secondo.xml",
                 "share/icons/hicolor/48x48/apps/secondo.png", "share/icons/hicolor/256x256/apps/secondo.png"):
        assert (prefix / path).exists(), path
    version = subprocess.run([str(prefix / "bin" / "secondo"), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("secondo ")
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(prefix / "share/applications/secondo.desktop")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    if shutil.which("update-mime-database") and shutil.which("xdg-mime"):
        sample = tmp_path / "dossier.sodp"
        sample.write_bytes(b"SODP\r\n\x1a\n" + b"\0" * 64)
        kind = subprocess.run(["xdg-mime", "query", "filetype", str(sample)], capture_output=True, text=True,
                              env=dict(env, XDG_DATA_DIRS=f"{prefix / 'share'}:/usr/share"))
        if kind.returncode == 0:
            assert kind.stdout.strip() == "application/x-secondo-package"
    subprocess.run(["sh", str(top / "install.sh"), "--uninstall"], check=True, capture_output=True, env=env)
    assert not (prefix / "bin" / "secondo").exists() and not (prefix / "lib" / "secondo").exists()


def test_the_bundle_speaks_dutch_and_french_and_carries_only_those_catalogues(tmp_path):
    for language in ("nl", "fr"):
        assert list(BUNDLE.rglob(f"resources/i18n/{language}/LC_MESSAGES/secondo.mo")), language
        assert list(BUNDLE.rglob(f"translations/qtbase_{language}.qm")), language  # Qt's own dialogs
        assert list(BUNDLE.rglob(f"babel/locale-data/{language}_BE.dat")), language  # dates and numbers
    assert not list(BUNDLE.rglob("translations/qtbase_de.qm")) and not list(BUNDLE.rglob("locale-data/de.dat"))
    missing = tmp_path / "no-such-opinion.pdf"
    said = {}
    for locale in ("C.UTF-8", "nl_BE.UTF-8", "fr_BE.UTF-8"):
        done = run("verify", missing, home=tmp_path / "home", LANG=locale, LC_ALL="", LANGUAGE="",
                   SECONDO_LANGUAGE="")
        assert done.returncode == 3, done.stderr
        said[locale] = done.stderr
    assert len(set(said.values())) == 3, said  # three languages, three different messages
