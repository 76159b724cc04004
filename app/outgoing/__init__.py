"""Recipients and outgoing packages."""
