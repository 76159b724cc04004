"""Faults (docs/store.md) for the outgoing forms other than the SODP package: `secondo outgoing
--form p7m|pdi` killed (SIGKILL) at each rename and commit on the way leaves the form placed
whole and logged, or nothing of it; making it again succeeds (tests/unit/test_faults.py does
the same for the SODP package)."""

from pathlib import Path

import pytest

from tests.unit.test_faults import (assert_outgoing_killed_whole_or_nothing, copy_base, folder,  # noqa: F401
                                    opinion_signed, signed_base)

# The renames of one run: the form's file or folder placed, then its cover letter, then the
# dispatch log (the witness); a PDI folder is renamed once more first, out of its own staging.
KILLS = {
    "p7m": ["os:replace:2", "os:replace:3", "os:replace:3:after", "app.store.audit:IndexAnchor.write:1:after"],
    "pdi": ["os:replace:2", "os:replace:3", "os:replace:4", "os:replace:4:after",
            "app.store.audit:IndexAnchor.write:1:after"],
}


@pytest.mark.parametrize("form, point", [(form, point) for form, points in KILLS.items() for point in points])
def test_an_outgoing_form_killed_is_made_whole_or_not_at_all(opinion_signed, folder, capsys, form, point):
    base, case_id, pki = opinion_signed
    copy_base(base, folder)

    def outgoing(out: Path) -> list:
        mine = ["--recipient", pki["treating-physician.pem"]] if form == "p7m" else []
        return ["outgoing", case_id, "--to", "treating_physician", "--form", form, *mine, "-o", out,
                "--sign", pki["workstation.p12"], "--sign-pass-env", "ID_PASS"]

    assert_outgoing_killed_whole_or_nothing(capsys, folder, case_id, outgoing, point, form)
