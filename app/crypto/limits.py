"""What a reader of an SODP package accepts at most (app/dossier/SODP.md, Limits): every bound
on untrusted input of the container, its tar payload and its manifest, in one place."""

import json

# Container header
MAX_HEADER_LENGTH = 1 << 20          # bytes of the header JSON
MIN_CHUNK_SIZE, MAX_CHUNK_SIZE = 1 << 16, 1 << 24   # the reader holds two chunks
MAX_JSON_DEPTH = 32                  # nesting of arrays and objects, header and manifest
MAX_STANZAS = 64                     # recipient stanzas in one header

# Argon2id stanzas: checked before deriving, so a header cannot ask for unbounded memory or time
MIN_TIME_COST, MAX_TIME_COST = 2, 16
MIN_MEMORY_KIB, MAX_MEMORY_KIB = 64 << 10, 1 << 20        # 64 MiB .. 1 GiB
MAX_LANES = 16
MAX_ARGON2_WORK_KIB = 4 << 20        # time_cost × memory_kib: e.g. 4 passes over 1 GiB
MAX_ARGON2_PER_OPEN = 4              # derivations tried when opening one package

# Tar payload
MAX_MEMBERS = 50_000                 # tar members, and files listed in a manifest
MAX_NAME_BYTES = 1024                # a member's path, UTF-8
MAX_SEGMENT_BYTES = 255              # one segment of it (a file system's name limit)
MAX_PAX_RECORD = 64 << 10            # bytes of one pax extended header
PAX_KEYS = frozenset({"path", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"})

# .p7m envelopes (app/dossier/ber.py)
MAX_BER_HEADER_ELEMENT = 1 << 20     # recipientInfos, originatorInfo: parsed in memory
MAX_BER_DEPTH = 32                   # nesting of BER elements

# Manifest and its signature
MAX_MANIFEST_SIZE = 16 << 20
MAX_SIGNATURE_SIZE = 1 << 20

# Free disk space kept beyond a dossier's declared size when importing it
DISK_RESERVE = 64 << 20
DISK_OVERHEAD_PER_FILE = 8 << 10


def parse_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> object:
    """Strict UTF-8 JSON of at most `max_depth` levels; ValueError for anything else
    (a nesting too deep for the parser's recursion included)."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if json_depth(value) > max_depth:
        raise ValueError("nested too deeply")
    return value


def json_depth(value: object) -> int:
    """The nesting depth of parsed JSON (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: list = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest
