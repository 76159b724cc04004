"""The PDF viewer: a Qt-free sanity check (model.py) and a QtPdf widget (widget.py)."""
