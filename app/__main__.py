"""`python -m app` runs the `secondo` command."""

from app.cli import main

raise SystemExit(main())
