"""Domain errors, translation and small shared types; no Qt, no I/O."""
