"""What the bundle carries of Tesseract (packaging/secondo.spec), in `<bundle>/tesseract/`:
the `tesseract` program, the Dutch, French and English data (`tessdata/`; no OSD: pages are
recognised with --psm 3), and in `lib/` the shared libraries it loads that a desktop Linux
may lack: libtesseract, liblept, the image libraries (PNG, JPEG, TIFF, WebP, GIF, OpenJPEG)
and OpenMP's runtime. The C and C++ runtimes (glibc, libstdc++, libgcc_s) come from the
system, as for every other library of the bundle.

libtesseract also links libarchive (trained data inside archives) and libcurl (images named
by a URL): the workstation uses neither (plain .traineddata files, the image on standard
input), and with their own dependencies (ICU's 30 MB of data, libxml2, GnuTLS, Kerberos...)
they would take 50 MB of the bundle's size budget. They are replaced by two small stand-ins
compiled here, whose functions answer "not available": Tesseract then reads the plain data
file, as it does where it is built without them. app/dossier/ocr.py runs the program with
TESSDATA_PREFIX and LD_LIBRARY_PATH set to these folders.
"""

from __future__ import annotations

from pathlib import Path
import re
import shutil
import subprocess

LANGUAGES = ("nld", "fra", "eng")
#: Libraries every Linux desktop has in a compatible version (as PyInstaller assumes).
SYSTEM = re.compile(r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libgcc_s|libstdc\+\+)\.so")

ARCHIVE_STUB = """
/* Stand-in for libarchive: Tesseract then reads its trained data as plain files. */
#include <stddef.h>
#include <stdint.h>
void *archive_read_new(void) { return NULL; }
int archive_read_free(void *a) { return 0; }
int archive_read_support_filter_all(void *a) { return -30; }
int archive_read_support_format_all(void *a) { return -30; }
int archive_read_open_filename(void *a, const char *f, size_t b) { return -30; }
int archive_read_next_header(void *a, void **e) { return -30; }
long archive_read_data(void *a, void *b, size_t n) { return -30; }
const char *archive_entry_pathname(void *e) { return ""; }
int64_t archive_entry_size(void *e) { return 0; }
const char *archive_version_details(void) { return "libarchive left out"; }
"""
CURL_STUB = """
/* Stand-in for libcurl: no image is ever fetched from a URL. */
#include <stddef.h>
void *curl_easy_init(void) { return NULL; }
void curl_easy_cleanup(void *c) { }
int curl_easy_setopt(void *c, int option, ...) { return 2; }
int curl_easy_perform(void *c) { return 2; }
const char *curl_easy_strerror(int code) { return "not available"; }
char *curl_version(void) { return "libcurl left out"; }
"""
STUBS = {"libarchive.so.13": (ARCHIVE_STUB, None), "libcurl.so.4": (CURL_STUB, "CURL_OPENSSL_4")}


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _resolved(program: Path) -> dict[str, Path]:
    out = subprocess.run(["ldd", str(program)], capture_output=True, text=True, check=True).stdout
    return {name: Path(path) for name, path in re.findall(r"^\s*(\S+) => (/\S+)", out, re.M)}


def _symbols(path: Path, undefined: bool) -> set[str]:
    out = subprocess.run(["nm", "-D", "--undefined-only" if undefined else "--defined-only", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def _check_stubs(users: list[Path], stubs: list[Path]) -> None:
    """Every libarchive and libcurl function the program and its libraries call is in a stub."""
    wanted = {s for path in users for s in _symbols(path, True) if s.startswith(("archive_", "curl_"))}
    missing = wanted - {s for path in stubs for s in _symbols(path, False)}
    if missing:
        raise SystemExit(f"the libarchive/libcurl stand-ins lack {sorted(missing)}: add them to packaging/tesseract_bundle.py")


def _stub(name: str, work: Path) -> Path:
    source, version = STUBS[name]
    work.mkdir(parents=True, exist_ok=True)
    c_file, library = work / f"{name}.c", work / name
    c_file.write_text(source)
    command = ["cc", "-shared", "-fPIC", "-O2", "-o", str(library), f"-Wl,-soname,{name}", str(c_file)]
    if version:
        script = work / f"{name}.map"
        script.write_text(f"{version} {{ global: *; }};\n")
        command.insert(-1, f"-Wl,--version-script={script}")
    subprocess.run(command, check=True)
    return library


def tessdata_dir(program: str) -> Path:
    out = subprocess.run([program, "--list-langs"], capture_output=True, text=True, check=True)
    match = re.search(r'"([^"]+)"', out.stdout + out.stderr)
    if not match:
        raise SystemExit("tesseract --list-langs names no data folder")
    return Path(match.group(1))


def tesseract_datas(work: Path) -> list[tuple[str, str]]:
    """(source, destination folder) pairs for the spec's datas; empty (with a warning) where
    Tesseract is not installed, so that a bundle still builds, without recognition."""
    found = shutil.which("tesseract")
    if not found:
        print("WARNING: tesseract is not installed; the bundle will not recognise scanned text")
        return []
    program = Path(found).resolve()
    data = tessdata_dir(str(program))
    resolved = _resolved(program)
    libraries: dict[str, Path] = {}
    todo = _needed(program)
    while todo:
        name = todo.pop()
        if name in libraries or SYSTEM.match(name):
            continue
        if name in STUBS and shutil.which("cc"):
            libraries[name] = _stub(name, work)
            continue
        libraries[name] = resolved[name]
        todo.extend(_needed(resolved[name]))
    stubs = [libraries[name] for name in STUBS if name in libraries and libraries[name].parent == work]
    if stubs:
        _check_stubs([program, *libraries.values()], stubs)
    datas = [(str(program), "tesseract")]
    datas += [(str(path), "tesseract/lib") for name, path in sorted(libraries.items())]
    datas += [(str(data / f"{language}.traineddata"), "tesseract/tessdata") for language in LANGUAGES]
    return datas


if __name__ == "__main__":
    import tempfile

    for source, destination in tesseract_datas(Path(tempfile.mkdtemp())):
        print(f"{Path(source).stat().st_size / 1e6:6.1f} MB  {destination}/{Path(source).name}  ({source})")
