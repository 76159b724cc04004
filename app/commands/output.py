"""What every verb prints with --json: the document, indented, in UTF-8 as it is."""

import json
import sys


def print_json(value) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    print()
