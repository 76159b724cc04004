"""Signing with (and opening packages with) a key on a PKCS#11 token, for real with SoftHSM2: the DEMO
reviewer's key and certificate are put on a fresh token; a wrong PIN and a removed token are
refused with a clear reason. Skipped only where softhsm2 is not installed."""

import os
from pathlib import Path
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from app.core.errors import IdentityError
from app.crypto import stanzas
from app.dossier.p7m import P7mReader
from app.signing.pades import sign_pdf
from app.signing.pkcs11 import KNOWN_MODULES, token_signer
from app.signing.token_keys import token_identity
from app.signing.verify import verify_pdf_bytes
from tests.unit.pdf_signing import BOX, make_pdf

LABEL, PIN, SO_PIN = "secondo-test", "1234", "0000"
MODULE = next((m for m in KNOWN_MODULES if "softhsm" in m and Path(m).is_file()), None)

pytestmark = pytest.mark.skipif(not (shutil.which("softhsm2-util") and MODULE),
                                reason="softhsm2 is not installed (scripts/setup.sh installs it)")


def _put_certificate(der: bytes, subject: bytes, label: str, ident: bytes) -> None:
    """Store the certificate on the token with python-pkcs11 (no opensc needed)."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(MODULE).get_token(token_label=LABEL)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: ident, Attribute.VALUE: der,
            Attribute.SUBJECT: subject})


def make_token(folder: Path, reviewer) -> dict[str, str]:
    """A SoftHSM2 configuration in `folder` with one token holding `reviewer`'s key and
    certificate (id 01, label "reviewer"); returns the environment to use it."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True, env=env)
    key_pem = folder / "key.pem"
    key_pem.write_bytes(reviewer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", LABEL, "--label", "reviewer", "--id", "01",
                    "--pin", PIN], check=True, capture_output=True, env=env)
    key_pem.unlink()
    return env


@pytest.fixture(scope="module")
def softhsm(tmp_path_factory, pki):
    """One token per test process: SoftHSM2 reads SOFTHSM2_CONF once, when the module is
    first initialised, so every test in this process shares it (tests needing another state
    run in a child process)."""
    folder = tmp_path_factory.mktemp("softhsm")
    env = make_token(folder, pki.reviewer_rsa)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", env["SOFTHSM2_CONF"])
        _put_certificate(pki.reviewer_rsa.certificate.public_bytes(serialization.Encoding.DER),
                         pki.reviewer_rsa.certificate.subject.public_bytes(), "reviewer", b"\x01")
        yield folder / "tokens"


def test_signing_with_the_token_verifies_as_trusted(softhsm, pki):
    with token_signer(LABEL, PIN, module=MODULE) as signer:
        signed = sign_pdf(make_pdf(2), signer, box=BOX)
    assert signed.signer == "Dr. Test Reviewer (DEMO)"
    report = verify_pdf_bytes(signed.pdf, [pki.root.certificate])
    assert report.ok, report.to_json()
    (sig,) = report.signatures
    assert sig.trusted and sig.whole_file and sig.subfilter == "/ETSI.CAdES.detached"


def test_by_key_label(softhsm, pki):
    with token_signer(LABEL, PIN, module=MODULE, key_label="reviewer") as signer:
        assert verify_pdf_bytes(sign_pdf(make_pdf(1), signer).pdf, [pki.root.certificate]).ok


def test_a_wrong_pin_is_refused_clearly(softhsm):
    with pytest.raises(IdentityError, match="The PIN for secondo-test was refused"):
        with token_signer(LABEL, "9999", module=MODULE):
            pass


def test_a_token_that_is_not_there(softhsm):
    with pytest.raises(IdentityError, match="is not present"):
        with token_signer("another-card", PIN, module=MODULE):
            pass


REMOVED_SCRIPT = """
import shutil, sys
from pathlib import Path
from cryptography import x509
from app.core.errors import IdentityError
from app.signing.pkcs11 import token_signer
from tests.unit.test_pkcs11 import _put_certificate
cert = x509.load_der_x509_certificate(Path(sys.argv[3]).read_bytes())
_put_certificate(Path(sys.argv[3]).read_bytes(), cert.subject.public_bytes(), "reviewer", b"\\x01")
with token_signer("secondo-test", "1234", module=sys.argv[2]) as signer:
    signer.signing_cert
shutil.rmtree(sys.argv[1])  # the card is pulled out: its token is gone
try:
    with token_signer("secondo-test", "1234", module=sys.argv[2]):
        pass
except IdentityError as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_removed_token(tmp_path, pki):
    """In a child process, with a token of its own: it opens, then is removed, then is refused."""
    env = make_token(tmp_path, pki.reviewer_rsa)
    import sys
    cert = tmp_path / "reviewer.der"
    cert.write_bytes(pki.reviewer_rsa.certificate.public_bytes(serialization.Encoding.DER))
    child = subprocess.run([sys.executable, "-c", REMOVED_SCRIPT, str(tmp_path / "tokens"), MODULE, str(cert)],
                           capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2])
    assert child.returncode == 3, child.stdout + child.stderr
    assert "The token secondo-test is not present (removed?)" in child.stdout


def test_no_key_with_that_label(softhsm):
    with pytest.raises(IdentityError, match="secondo-test"):
        with token_signer(LABEL, PIN, module=MODULE, key_label="nobody") as signer:
            sign_pdf(make_pdf(1), signer)


def test_a_missing_module():
    with pytest.raises(IdentityError, match="does not exist"):
        with token_signer(LABEL, PIN, module="/nonexistent/libpkcs11.so"):
            pass


from tests.unit.test_verify_cli import case_id, demo, response_file, secondo  # noqa: E402,F401 (fixtures)


def test_opinion_export_with_the_token(softhsm, case_id, response_file, demo, tmp_path, capsys, monkeypatch, pki):
    monkeypatch.setenv("TOKEN_PIN", PIN)
    out = tmp_path / "opinion.pdf"
    rc, stdout, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o", out,
                              "--token", LABEL, "--pin-env", "TOKEN_PIN", "--pkcs11-module", MODULE)
    assert rc == 0, err
    assert "signed by Dr. Test Reviewer (DEMO)" in stdout
    report = verify_pdf_bytes(out.read_bytes(), [pki.root.certificate])
    assert report.ok, report.to_json()


def test_opinion_export_with_a_wrong_pin_exits_3_and_writes_nothing(softhsm, case_id, response_file, tmp_path,
                                                                    capsys, monkeypatch):
    monkeypatch.setenv("TOKEN_PIN", "9999")
    rc, _, err = secondo(capsys, "opinion", "export", case_id, "--response", response_file, "-o",
                         tmp_path / "opinion.pdf", "--token", LABEL, "--pin-env", "TOKEN_PIN", "--pkcs11-module", MODULE)
    assert rc == 3 and "The PIN for secondo-test was refused" in err
    assert list(tmp_path.glob("*opinion*")) == []


def _store_and_response(isolated_home, response_file):
    import json

    from app.store.store import CaseStore
    return CaseStore.open(isolated_home), json.loads(response_file.read_text(encoding="utf-8"))


def test_the_windows_signing_path_with_the_token(softhsm, case_id, response_file, isolated_home, pki):
    """What the window runs after its sign dialog, with the smart-card choice."""
    from app.signoff.signing import sign_with_settings
    from app.signing.settings import PKCS11, SigningSettings
    from app.store.opinions import SignedOpinionStore

    store, response = _store_and_response(isolated_home, response_file)
    with store:
        settings = SigningSettings(kind=PKCS11, token_label=LABEL, module=MODULE)
        with pytest.raises(IdentityError, match="PIN for secondo-test was refused"):
            sign_with_settings(store, case_id, response, settings, "9999")
        assert SignedOpinionStore(store).list(case_id) == [] and store.index.case(case_id)["status"] != "signed"
        result = sign_with_settings(store, case_id, response, settings, PIN)
        assert verify_pdf_bytes(result.pdf, [pki.root.certificate]).ok
        assert [o.signer for o in SignedOpinionStore(store).list(case_id)] == ["Dr. Test Reviewer (DEMO)"]
        assert store.index.case(case_id)["status"] == "signed"


# -- opening packages with the token's key (app/signing/token_keys.py); here because SoftHSM2 reads
# its configuration once per process, so these tests share this module's token.

def test_an_sodp_stanza_opens_with_the_token_or_it_says_the_token_lacks_oaep_sha256(softhsm, pki):
    identity = token_identity(LABEL, PIN, module=MODULE)
    assert identity.certificate == pki.reviewer_rsa.certificate
    file_key = bytes(range(32))
    stanza = stanzas.wrap(pki.reviewer_rsa.certificate, file_key)
    try:
        opened = stanzas.find_file_key([stanza], [identity])
    except IdentityError as exc:  # SoftHSM 2.6: OAEP with SHA-1 only
        assert "cannot decrypt with RSA-OAEP (SHA-256)" in str(exc)
    else:
        assert opened == file_key


@pytest.mark.parametrize("options", [[], ["-keyopt", "rsa_padding_mode:oaep"]], ids=["pkcs1", "oaep-sha1"])
def test_a_p7m_for_the_token_certificate_opens_with_the_token(softhsm, pki, tmp_path, options):
    import io

    cert = tmp_path / "reviewer.pem"
    cert.write_bytes(pki.reviewer_rsa.certificate.public_bytes(serialization.Encoding.PEM))
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"DEMO payload " * 100)
    p7m = tmp_path / "out.p7m"
    subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", str(plain),
                    "-out", str(p7m), "-recip", str(cert), *options], check=True, capture_output=True)
    reader = P7mReader(io.BytesIO(p7m.read_bytes()))
    reader.unlock([token_identity(LABEL, PIN, module=MODULE)])
    assert b"".join(reader.chunks()) == plain.read_bytes()


def test_a_wrong_pin_and_a_missing_token_say_so(softhsm):
    with pytest.raises(IdentityError, match="The PIN for secondo-test was refused"):
        token_identity(LABEL, "9999", module=MODULE)
    with pytest.raises(IdentityError, match="is not present"):
        token_identity("another-card", PIN, module=MODULE)


# -- the protected PDF copies made at signing (app/signoff/signing.py): every copy is one more
# signature by the same open token, its PIN given once.

def test_signing_with_protected_copies_on_the_token_asks_the_pin_once(softhsm, case_id, response_file,
                                                                      isolated_home, pki, monkeypatch):
    import pyhanko.sign.pkcs11 as pyhanko_pkcs11

    from app.signoff.signing import sign_with_settings
    from app.signing.settings import PKCS11, SigningSettings
    from app.store.opinions import SignedOpinionStore

    opened = []
    real_open = pyhanko_pkcs11.open_pkcs11_session

    def counting(*args, **kwargs):
        opened.append(kwargs.get("user_pin"))
        return real_open(*args, **kwargs)

    monkeypatch.setattr(pyhanko_pkcs11, "open_pkcs11_session", counting)
    store, response = _store_and_response(isolated_home, response_file)
    with store:
        result = sign_with_settings(store, case_id, response, SigningSettings(kind=PKCS11, token_label=LABEL,
                                                                              module=MODULE), PIN)
        assert opened == [PIN]  # one session, one login, for the opinion and all its copies
        assert verify_pdf_bytes(result.pdf, [pki.root.certificate]).ok
        opinions = SignedOpinionStore(store)
        roles = opinions.protected_roles(case_id, 0)
        assert roles == ["treating_physician", "patient"]
        for role in roles:
            copy = opinions.protected_copy(case_id, 0, role)
            report = verify_pdf_bytes(copy.pdf, [pki.root.certificate], password=copy.passphrase)
            assert report.ok and report.password_protected, report.to_json()
            assert report.signatures[0].signer == "Dr. Test Reviewer (DEMO)"
            assert verify_pdf_bytes(copy.pdf, [pki.root.certificate]).locked


def test_a_token_that_refuses_the_second_signature_fails_clearly_and_keeps_nothing(softhsm, case_id, response_file,
                                                                                  isolated_home):
    """As a card that asks its PIN for every signature: the token's session ends after the first."""
    from app.signoff.signing import sign_opinion
    from app.store.drafts import DraftStore
    from app.store.opinions import SignedOpinionStore

    store, response = _store_and_response(isolated_home, response_file)
    with store, token_signer(LABEL, PIN, module=MODULE) as signer:
        real = signer.async_sign_raw

        async def then_logged_out(data, digest_algorithm, dry_run=False):
            signature = await real(data, digest_algorithm, dry_run)
            if not dry_run:
                signer.pkcs11_session.close()
            return signature

        signer.async_sign_raw = then_logged_out
        with pytest.raises(IdentityError, match="refused the next signature, of its password-protected PDF copies"):
            sign_opinion(store, case_id, response, signer)
        assert SignedOpinionStore(store).list(case_id) == [] and DraftStore(store).load(case_id) is None
        assert store.index.case(case_id)["status"] != "signed"
        assert not [e for e in store.audit.entries() if e["action"] == "sign"]
