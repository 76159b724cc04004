"""Document and image viewers: a Qt-free model and a thin widget each."""
