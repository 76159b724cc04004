"""Domain errors, translation and small shared types; no Qt, no I/O.

Importing it installs the offline guard (app/core/offline.py): every path into the
workstation passes here before pyHanko can load its network clients."""

from app.core import offline

offline.install()
