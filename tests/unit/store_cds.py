"""Plain CDs for the data folder's tests: each one a new study (new UIDs), so that every
import makes a case of its own; `size` makes them as big as a test needs."""

from pathlib import Path

from pydicom.uid import generate_uid

from tests.unit import discs


def unique_cd(root: Path, slices: int = 2, size: int = 16) -> Path:
    """A CD of `slices` CT images of `size`² pixels (2 bytes each) under new UIDs."""
    datasets = discs.ct_instances(slices, 16)
    study, series = generate_uid(), generate_uid()
    for ds in datasets:
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        if size != 16:
            ds.Rows = ds.Columns = size
            ds.PixelData = bytes(size * size * 2)
    ids = discs.file_ids(len(datasets))
    discs.write_instances(root, datasets, ids)
    discs.write_dicomdir(root / "DICOMDIR", list(zip(datasets, ids)))
    return root
