"""The hostile corpus: files made to break the workstation, run through its command line."""
