"""The image viewer: Pillow decoding (model.py, no Qt) and a zoom/rotate widget (widget.py)."""
