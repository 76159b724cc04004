"""Domain exceptions, each with a message a user can act on.

The CLI prints `str(error)` on one line and exits with `error.exit_code`; the GUI shows it
in a dialog. Nothing here may carry patient data in its message.
"""


class SecondoError(Exception):
    """Base of every error a user is meant to read."""

    exit_code = 3


class BadInputError(SecondoError):
    """The input is bad: corrupt, tampered, wrong key, not found (CLI exit code 3)."""


class PackageFormatError(BadInputError):
    """The file is not an SODP package, or its header is malformed."""


class PackageIntegrityError(BadInputError):
    """The package was altered, truncated or extended after it was made."""


class WrongKeyError(BadInputError):
    """None of the credentials given opens the package."""


class ManifestError(BadInputError):
    """The manifest is missing a required key, or does not match the files."""


class UnsafeMemberError(BadInputError):
    """The payload holds an entry that is not a plain file with a safe relative name."""


class SecretMissingError(BadInputError):
    """A secret was to come from an environment variable that is not set."""


class IdentityError(BadInputError):
    """A certificate or PKCS#12 identity cannot be read or used."""


class OutputError(SecondoError):
    """The result cannot be written (not writable, disk full); nothing was left behind."""


class SignatureCheckError(SecondoError):
    """A signature or trust check failed (CLI exit code 4)."""

    exit_code = 4
