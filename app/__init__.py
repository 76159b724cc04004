"""Second-O Workstation: offline review of medical second-opinion dossiers."""

__version__ = "0.1.0"
