"""A keyring backend in a JSON file named by SECONDO_TEST_KEYRING, for tests that run
`secondo` in subprocesses (PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring): they share
a vault key without the user's keyring and without paying Argon2id in every process."""

import fcntl
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from keyring.compat import properties


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get("SECONDO_TEST_KEYRING"):
            raise RuntimeError("SECONDO_TEST_KEYRING names no file")  # keyring then never picks it itself
        return 1

    @property
    def path(self) -> Path:
        return Path(os.environ["SECONDO_TEST_KEYRING"])

    def _update(self, change) -> dict:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            secrets = json.loads(handle.read() or "{}")
            if change is not None and change(secrets):
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(secrets))
                handle.flush()
                os.fsync(handle.fileno())
            return secrets

    def get_password(self, service: str, username: str) -> str | None:
        return self._update(None).get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._update(lambda secrets: secrets.update({f"{service}\n{username}": password}) or True)

    def delete_password(self, service: str, username: str) -> None:
        if self._update(lambda secrets: secrets.pop(f"{service}\n{username}", None) is not None).get(
                f"{service}\n{username}") is not None:
            raise PasswordDeleteError(username)
