"""The dossier package format (SODP v1), its manifest and the readers of incoming media."""
