"""Packs the one-folder bundle with its desktop integration into a tarball:

    secondo-workstation-VERSION/
      secondo/                     the PyInstaller bundle (run secondo/secondo)
      share/applications/secondo.desktop
      share/icons/hicolor/NxN/apps/secondo.png
      share/mime/packages/secondo.xml   (.sodp → application/x-secondo-package)
      install.sh, README.txt

Usage: make_tarball.py BUNDLE_DIR OUT.tar.gz
"""

from pathlib import Path
import sys
import tarfile

ROOT = Path(__file__).resolve().parents[2]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
README = """Second-O Workstation {version}

Install: ./install.sh (for you; as root for every user), then start it from the menu or
with `secondo`. Double-clicking a .sodp package opens it in the workstation.
Without installing: ./secondo/secondo
Remove: ./install.sh --uninstall
"""


def main(bundle: str, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    from app import __version__

    top = f"secondo-workstation-{__version__}"
    linux = ROOT / "packaging" / "linux"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{top}/secondo")
        tar.add(linux / "secondo.desktop", arcname=f"{top}/share/applications/secondo.desktop")
        tar.add(linux / "secondo-mime.xml", arcname=f"{top}/share/mime/packages/secondo.xml")
        for size in SIZES:
            tar.add(ROOT / "resources" / "icons" / f"secondo-{size}.png",
                    arcname=f"{top}/share/icons/hicolor/{size}x{size}/apps/secondo.png")
        tar.add(linux / "install.sh", arcname=f"{top}/install.sh")
        readme = Path(out).with_suffix(".readme.tmp")
        readme.write_text(README.format(version=__version__), encoding="utf-8")
        tar.add(readme, arcname=f"{top}/README.txt")
        readme.unlink()
    print(f"build: {out} ({Path(out).stat().st_size // (1 << 20)} MB)", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
