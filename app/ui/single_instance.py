"""One window per data folder: the first `secondo` start on a data folder holds a lock file in
it and listens on a local socket named after the folder's real path; a later start finds the
lock taken, hands its files (and --case) to the first window over that socket and leaves.

The lock is an `flock` (a byte-range lock on Windows) on `window.lock` in the data folder:
the OS drops it when its process ends, even by a crash, so a socket left behind by a crashed
window is known to be stale (nobody holds the lock) and removed before listening again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import json
import logging
import os
from pathlib import Path
import time

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from app.core.errors import SecondoError
from app.core.i18n import _

log = logging.getLogger(__name__)

LOCK_NAME = "window.lock"
MAX_MESSAGE = 1 << 20  # bytes: a hand-over is a few paths, never more
ANSWER = b"ok\n"


class WindowNotAnswering(SecondoError):
    """Another window holds the data folder but does not take the hand-over."""


@dataclass
class HandOver:
    """What a second start gives the first window: files to import, a case to open."""

    files: list[str] = field(default_factory=list)
    case: str | None = None

    def encode(self) -> bytes:
        return json.dumps({"files": self.files, "case": self.case}).encode() + b"\n"

    @classmethod
    def decode(cls, data: bytes) -> HandOver | None:
        """The hand-over in `data`, or None when it is not one (never an exception)."""
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        files, case = value.get("files", []), value.get("case")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return None
        if case is not None and not isinstance(case, str):
            return None
        return cls(files, case)


def server_name(home: Path) -> str:
    """The local socket's name for the data folder `home`: the same for every path to it."""
    digest = hashlib.sha256(str(Path(home).resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return f"secondo-{digest[:24]}"


class _FolderLock:
    """An exclusive lock on a file, held until `release()` or the end of the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:  # a read-only data folder: the store will say what is wrong with it
            log.warning("cannot create the window lock file: %s", exc.strerror)
            return True
        try:
            if os.name == "nt":
                import msvcrt
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the lock
            self.fd = None


class SingleInstance(QObject):
    """`acquire()`: True for the first window on the data folder (then `listen()`; each
    hand-over arrives as `handed(HandOver)`); False for a later start (then `hand_over`)."""

    handed = Signal(object)

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = Path(home)
        self.name = server_name(self.home)
        self._lock = _FolderLock(self.home / LOCK_NAME)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._app: QCoreApplication | None = None  # a later start's own, for its sockets

    def acquire(self) -> bool:
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self._lock.acquire()

    def listen(self) -> bool:
        """Take hand-overs (the lock must be held: any socket by that name is then stale)."""
        QLocalServer.removeServer(self.name)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("cannot listen for other starts on this data folder: %s", server.errorString())
            return False
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    @property
    def listening(self) -> bool:
        return self._server is not None

    def stop_listening(self) -> None:
        """The window is closing: a later start waits for the lock instead of handing over."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def release(self) -> None:
        self.stop_listening()
        self._lock.release()

    def _accept(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(lambda socket=socket: self._drop(socket))

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        if b"\n" not in data:
            self._buffers[socket] = data
            if len(data) > MAX_MESSAGE:
                socket.abort()
            return
        message = HandOver.decode(data.split(b"\n", 1)[0])
        self._buffers.pop(socket, None)
        if message is not None:
            socket.write(ANSWER)
            socket.flush()
            self.handed.emit(message)
        socket.disconnectFromServer()

    def _drop(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def hand_over(self, message: HandOver, timeout: float = 20.0) -> bool:
        """Give `message` to the window holding the data folder: True once it took it; False
        when that window ended meanwhile and this start now holds the lock (it is the window
        then); `WindowNotAnswering` when neither happens within `timeout` seconds."""
        if QCoreApplication.instance() is None:
            self._app = QCoreApplication([])  # sockets need one; no display is needed
        end = time.monotonic() + timeout
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.name)
            if socket.waitForConnected(1000):
                if self._send(socket, message, end):
                    return True
                break  # connected but not taken: sending again could hand the files over twice
            socket.abort()
            if self.acquire():
                return False  # the window ended (or was closing): this start takes its place
            if time.monotonic() >= end:
                break
            time.sleep(0.2)  # the window may be starting (it listens once its application exists)
        raise WindowNotAnswering(_("Second-O is already open on this data folder but does not answer; "
                                   "close it, or end it if it hangs, and start again."))

    @staticmethod
    def _send(socket: QLocalSocket, message: HandOver, end: float) -> bool:
        socket.write(message.encode())
        if not socket.waitForBytesWritten(max(1000, int((end - time.monotonic()) * 1000))):
            return False
        answer = b""
        while not answer.endswith(b"\n") and len(answer) < 16:
            if not socket.waitForReadyRead(max(1000, int((end - time.monotonic()) * 1000))):
                break
            answer += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        return answer == ANSWER
