"""The address book knows the referring physician as a role of its own (`secondo contacts add
--role referring_physician`), beside the recipients' roles, and reads books written before."""

import json

from app.cli import main
from app.outgoing.address_book import FILE_NAME, FORMAT, AddressBook
from app.outgoing.recipients import Recipient, role_label
from app.store.store import CaseStore


def secondo(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_a_referring_physician_is_kept_and_found(capsys, isolated_home):
    rc, out, err = secondo(capsys, "contacts", "add", "--name", "Dr. Test Referring", "--role", "referring_physician",
                           "--registration", "1-00000-00-000", "--json")
    assert rc == 0, err
    assert json.loads(out)["role"] == "referring_physician"
    rc, out, _err = secondo(capsys, "contacts", "--json")
    (listed,) = json.loads(out)["contacts"]
    assert listed["role"] == "referring_physician" and listed["name"] == "Dr. Test Referring"
    assert role_label("referring_physician") == "Referring physician"
    with CaseStore.open(isolated_home) as store:
        found = AddressBook(store).for_recipient(Recipient("referring_physician", "Dr. Test Referring",
                                                           "1-00000-00-000"))
        assert found is not None and found.name == "Dr. Test Referring"
        assert AddressBook(store).for_recipient(Recipient("treating_physician", "Dr. Test Referring",
                                                          "1-00000-00-000")) is None  # another role: not them


def test_an_unknown_role_is_refused(capsys):
    rc = None
    try:
        rc = main(["contacts", "add", "--name", "X", "--role", "surgeon"])
    except SystemExit as exit_:
        rc = exit_.code
    assert rc == 2  # a usage error, listing the roles
    assert "referring_physician" in capsys.readouterr().err


def test_a_book_written_before_reads_as_it_was(isolated_home):
    with CaseStore.open(isolated_home) as store:
        old = {"format": FORMAT, "contacts": [{"id": "0" * 32, "name": "Dr. Test Treating", "role": "treating_physician",
                                               "registration": "", "organisation": "", "address": "Demostraat 1"}]}
        store.vault.replace_bytes(store.home / FILE_NAME, json.dumps(old).encode())
        (contact,) = AddressBook(store).contacts()
        assert (contact.name, contact.role, contact.address) == ("Dr. Test Treating", "treating_physician",
                                                                 "Demostraat 1")
