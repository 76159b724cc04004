"""Fixtures of the case-sheet tests: a data folder holding one case imported from a plain CD
(no package, so nothing of its patient, question or consent is known yet)."""

import json

import pytest

from app.cli import main
from app.store.store import CaseStore
from tests.unit.store_cds import unique_cd


@pytest.fixture
def case_id(tmp_path, capsys):
    assert main(["import", str(unique_cd(tmp_path / "cd")), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["case_id"]


@pytest.fixture
def store(isolated_home):
    with CaseStore.open(isolated_home) as opened:
        yield opened
