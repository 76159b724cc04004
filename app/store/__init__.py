"""Where the workstation keeps its data: paths, vault, index and audit log."""
