"""The bundle's entry point: the `secondo` command, as `python -m app` runs it."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from app.cli import main

    sys.exit(main())
