"""The verbs of the `secondo` command: each module adds its sub-parsers and handlers."""
