"""The demo dossier, built once per session (small CT), and imported into a test's store."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.demo.package import DemoPackage, build_demo_package
from app.dossier.importer import DossierImporter
from app.store.store import CaseStore


@pytest.fixture(scope="session")
def demo_package(tmp_path_factory) -> DemoPackage:
    return build_demo_package(tmp_path_factory.mktemp("demo"), ct_slices=4, ct_size=64)


def import_demo(store: CaseStore, package: DemoPackage) -> str:
    return DossierImporter(store, [package.reviewer_identity()], [package.root]).run([package.package]).case_id


@pytest.fixture
def demo_store(isolated_home, demo_package):
    """(store, case_id): the demo case imported into the test's data folder."""
    store = CaseStore.open(Path(isolated_home))
    case_id = import_demo(store, demo_package)
    yield store, case_id
    store.close()
