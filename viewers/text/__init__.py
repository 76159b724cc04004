"""The plain-text viewer: encoding detection (model.py, no Qt) and a read-only widget."""
