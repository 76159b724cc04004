"""What a dragged series carries (no Qt, light to import: the case navigator uses it)."""

SERIES_MIME = "application/x-secondo-dicom-series"  # the row of a series in the viewer's list
SERIES_UID_MIME = "application/x-secondo-dicom-series-uid"  # a Series Instance UID (the case navigator)
