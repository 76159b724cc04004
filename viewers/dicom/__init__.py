"""The DICOM viewer: a Qt-free model (pixels, series, cache, measurements) and a widget."""
