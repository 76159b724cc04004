"""Run in a child process: read a package and print its peak resident memory in MB."""

import sys
from pathlib import Path

from app.dossier import package
from app.signing.identities import load_pkcs12


def peak_resident_mb() -> float:
    """VmHWM of this process image. Not ru_maxrss: Linux carries that high-water mark over
    from the parent across fork and exec, so it would count pytest's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(path: str, p12: str, passphrase: str) -> None:
    with open(path, "rb") as stream:
        contents = package.read_package(stream, [load_pkcs12(Path(p12), passphrase)])
    peak_mb = peak_resident_mb()
    print(f"{peak_mb:.1f} {contents.payload_size}")


if __name__ == "__main__":
    main(*sys.argv[1:])
