"""The passphrases Second-O generates for a recipient without a certificate (an outgoing
package, a protected PDF): printed on a sheet and typed back from paper."""

from __future__ import annotations

import secrets

PASSPHRASE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: it is typed from paper


def generate_passphrase(groups: int = 6, size: int = 5) -> str:
    """About 148 bits in groups of five, easy to read aloud and type: 'K7QF2-MZD9X-...'."""
    return "-".join("".join(secrets.choice(PASSPHRASE_ALPHABET) for _i in range(size)) for _g in range(groups))
