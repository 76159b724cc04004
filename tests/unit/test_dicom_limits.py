"""Hostile DICOM, indexed and decoded within the limits of app/core/media_limits.py: every
lie gives a DicomParseError (the import marks the file unreadable) or a FrameDecodeError
(the viewer and `secondo snapshot` say why), never another exception, a native abort or an
allocation the size of the lie. Peak memory of the worst cases is measured in a process of
their own."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from app.core.media_limits import MAX_FRAMES, MAX_HEADER_DEPTH, MAX_HEADER_ELEMENTS
from app.dossier.dicom_head import HeaderCopy
from app.dossier.dicom_index import DicomParseError, index_header, read_instance
from app.dossier.import_batch import ImportBatch, StoredFile, TeeWriter
from app.dossier.write_pipeline import WritePipeline
from tests.hostile import media_files as hostile
from viewers.dicom import decode as decode_module
from viewers.dicom.pixels import FrameDecodeError, decode_frame, read_image_file

ROOT = Path(__file__).resolve().parents[2]
MEMORY_BOUND_MIB = 600  # generous: the lies below ask for 1 to 3 GiB


def dataset_of(data: bytes):
    from pydicom import dcmread

    return dcmread(io.BytesIO(data))


def import_index(data: bytes | Path, path: str = "DICOM/IM1"):
    """What the import indexes of a file streamed through a TeeWriter in 1 MiB blocks."""
    batch, pipeline = ImportBatch("import"), WritePipeline()
    found = []
    tee = TeeWriter(StoredFile(path, "disc", None), None, True,
                    lambda t: found.append(batch.index_dicom(t)), pipeline, digest=False)
    stream = open(data, "rb") if isinstance(data, Path) else io.BytesIO(data)
    with stream:
        while block := stream.read(1 << 20):
            tee.write(block)
    tee.close()
    pipeline.finish()
    return found[0], batch.unreadable


def damaged_deflate(tmp_path: Path) -> bytes:
    """A deflated file whose compressed data set is garbage after the file meta."""
    data = hostile.deflate_bomb(tmp_path / "deflated", 1 << 16).read_bytes()
    meta_end = 144 + int.from_bytes(data[140:144], "little")  # (0002,0000) holds the group's length
    return data[:meta_end] + b"\xff" * 64


def peak_rss_mib(code: str) -> tuple[float, dict]:
    """Peak RSS (MiB) of a fresh interpreter running `code`, and the JSON it printed last.
    Measured by a wrapper whose only child it is (RUSAGE_CHILDREN covers every child)."""
    wrapper = textwrap.dedent("""
        import resource, subprocess, sys
        done = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}")
        print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
    """)
    run = subprocess.run([sys.executable, "-c", wrapper, code], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    rc, peak_kib = run.stderr.strip().splitlines()[-1].split()
    assert rc == "0", run.stderr
    return int(peak_kib) / 1024, json.loads(run.stdout.strip().splitlines()[-1])


class TestIndexing:
    @pytest.mark.parametrize("uid", ["1.2.3.4.5.6.7", "notauid!!"])
    def test_an_unknown_or_garbage_transfer_syntax_is_unreadable(self, uid):
        data = hostile.with_values(TransferSyntaxUID=uid)
        with pytest.raises(DicomParseError, match="transfer syntax this program does not know"):
            read_instance(data, "IM1")
        info, unreadable = import_index(data)
        assert info is None and "transfer syntax" in unreadable[0]["reason"]

    @pytest.mark.parametrize("frames", ["9" * 12, str(10**30), "1e30", str(MAX_FRAMES + 1)])
    def test_an_impossible_frame_count_is_unreadable(self, frames):
        with pytest.raises(DicomParseError, match="impossible number of frames"):
            read_instance(hostile.with_values(NumberOfFrames=frames), "IM1")
        assert read_instance(hostile.with_values(NumberOfFrames="12"), "IM1").frames == 12

    def test_numbers_beyond_32_bits_are_dropped_not_stored(self):
        info = read_instance(hostile.with_values(InstanceNumber=str(10**30), SeriesNumber="-" + "9" * 20), "IM1")
        assert info.instance_number is None and info.series["number"] is None

    def test_pixel_data_longer_than_the_file_is_unreadable_on_import(self):
        data = hostile.pixel_length(0xFFFFFFF0)
        info, unreadable = import_index(data)
        assert info is None
        assert "cut short" in unreadable[0]["reason"] and "IM1" in unreadable[0]["reason"]
        assert read_instance(data, "IM1").rows == hostile.SIZE  # the viewer shows what is there

    def test_big_endian_data_declared_little_endian_is_unreadable(self):
        with pytest.raises(DicomParseError):
            read_instance(hostile.big_endian_declared_little(), "IM1")
        assert import_index(hostile.big_endian_declared_little())[0] is None

    @pytest.mark.parametrize("piece", [1, 7, 131, 4096])
    def test_the_header_copy_is_the_same_whatever_the_pieces(self, piece):
        data = hostile.encode(hostile.ct())
        copy = HeaderCopy()
        for start in range(0, len(data), piece):
            copy.feed(data[start:start + piece])
        copy.close()
        whole = read_instance(data, "IM1")
        assert index_header(copy, "IM1", complete=True, size=len(data)) == whole
        assert len(copy.data) < 1500  # the kept elements, not the file

    def test_a_huge_private_element_is_walked_over_not_held(self, tmp_path):
        path = hostile.private_element(tmp_path / "IM1", 256 << 20)
        with open(path, "rb") as handle:
            info = read_instance(handle, "IM1")
        assert info.rows == hostile.SIZE and info.patient["name"] == "Patient^Test"
        assert import_index(path, "IM1")[0] == info

    def test_a_deflated_file_is_indexed_and_a_deflate_bomb_refused(self, tmp_path):
        small = hostile.deflate_bomb(tmp_path / "small", 1 << 20)
        info = read_instance(small.read_bytes(), "IM1")
        assert info.transfer_syntax == "1.2.840.10008.1.2.1.99" and info.rows == hostile.SIZE
        bomb = hostile.deflate_bomb(tmp_path / "bomb", 300 << 20)
        with pytest.raises(DicomParseError, match="inflates to more than 256 MiB"):
            read_instance(bomb.read_bytes(), "IM1")
        assert "inflates" in import_index(bomb)[1][0]["reason"]

    def test_damaged_deflate_is_unreadable(self, tmp_path):
        with pytest.raises(DicomParseError, match="deflated data set is damaged"):
            read_instance(damaged_deflate(tmp_path), "IM1")

    def test_too_many_elements_or_too_deep_sequences_are_refused(self):
        data = hostile.encode(hostile.ct())
        at = data.find(hostile.PATIENT_NAME_TAG)
        many = b"".join(b"\x09\x00" + (0x1000 + (n % 0xE000)).to_bytes(2, "little") + b"OB\x00\x00\x00\x00\x00\x00"
                        for n in range(MAX_HEADER_ELEMENTS + 1))
        with pytest.raises(DicomParseError, match="more than"):
            read_instance(data[:at] + many + data[at:], "IM1")
        item, end = b"\xfe\xff\x00\xe0\xff\xff\xff\xff", b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
        element = b"\x09\x00\x10\x10SQ\x00\x00\xff\xff\xff\xff"
        with pytest.raises(DicomParseError, match="nests"):
            read_instance(data[:at] + (element + item) * (MAX_HEADER_DEPTH + 2) + data[at:], "IM1")
        closed = element + item + element + end + b"\xfe\xff\x0d\xe0\x00\x00\x00\x00" + end
        assert read_instance(data[:at] + closed + data[at:], "IM1") == read_instance(data, "IM1")

    def test_peak_memory_of_indexing_a_1_gib_private_element(self, tmp_path):
        path = hostile.private_element(tmp_path / "IM1", 1 << 30)
        peak, result = peak_rss_mib(textwrap.dedent(f"""
            import json
            from pathlib import Path
            from tests.unit.test_dicom_limits import import_index
            info, unreadable = import_index(Path({str(path)!r}))
            print(json.dumps({{"rows": info.rows}}))
        """))
        assert result == {"rows": hostile.SIZE}
        assert peak < MEMORY_BOUND_MIB, f"{peak:.0f} MiB"

    def test_peak_memory_of_a_3_gib_deflate_bomb(self, tmp_path):
        path = hostile.deflate_bomb(tmp_path / "IM1", 3 << 30)
        peak, result = peak_rss_mib(textwrap.dedent(f"""
            import json
            from pathlib import Path
            from tests.unit.test_dicom_limits import import_index
            from app.core.errors import BadInputError
            from viewers.dicom.pixels import read_image_file
            info, unreadable = import_index(Path({str(path)!r}))
            try:
                read_image_file({str(path)!r})
                viewer = "read"
            except BadInputError as error:
                viewer = str(error)
            print(json.dumps({{"index": unreadable[0]["reason"], "viewer": viewer}}))
        """))
        assert "inflates" in result["index"] and "inflates" in result["viewer"]
        assert peak < MEMORY_BOUND_MIB, f"{peak:.0f} MiB"


class TestDecoding:
    def decode(self, data: bytes):
        return decode_frame(dataset_of(data), 0)

    def test_a_frame_beyond_the_limit_never_reaches_a_decoder(self, monkeypatch):
        def no_decoder(*args, **kwargs):
            raise AssertionError("a decoder was asked")

        monkeypatch.setattr(decode_module, "get_decoder", no_decoder)
        with pytest.raises(FrameDecodeError, match="more than the 512 MiB allowed"):
            self.decode(hostile.rle(65535, 65535))

    def test_a_compressed_frame_that_declares_another_size_is_refused(self):
        assert self.decode(hostile.jpeg()).modality.shape == (hostile.SIZE, hostile.SIZE)
        with pytest.raises(FrameDecodeError, match="declares 65535x65535"):
            self.decode(hostile.jpeg(declared=(65535, 65535)))
        with pytest.raises(FrameDecodeError, match="file says 4000x4000"):
            self.decode(hostile.jpeg(data_set=(4000, 4000)))
        with pytest.raises(FrameDecodeError, match="15 segments"):
            self.decode(hostile.rle_segments(15))
        with pytest.raises(FrameDecodeError, match="segment offsets are out of order or past its end"):
            self.decode(hostile.rle_offset_past_end())

    def test_a_native_decoder_that_panics_fails_the_frame_only(self, monkeypatch):
        class PanicException(BaseException):  # what pyo3 raises when a Rust decoder panics
            pass

        def panic(*args, **kwargs):
            raise PanicException("index out of bounds: the len is 8192 but the index is 8192")

        from pydicom.pixels.decoders.base import Decoder

        monkeypatch.setattr(Decoder, "as_array", panic)
        with pytest.raises(FrameDecodeError, match="RLE data of image 1 is truncated or corrupt: index out"):
            self.decode(hostile.rle(hostile.SIZE, hostile.SIZE))

    @pytest.mark.parametrize("uid", ["1.2.3.4.5.6.7", "notauid!!"])
    def test_an_unknown_transfer_syntax(self, uid):
        with pytest.raises(FrameDecodeError, match="transfer syntax this program does not know"):
            self.decode(hostile.with_values(TransferSyntaxUID=uid))

    @pytest.mark.parametrize("slope", ["inf", "nan", "1e300", "-1e300"])
    def test_an_absurd_rescale_slope_shows_the_stored_values(self, slope):
        frame = self.decode(hostile.with_values(RescaleSlope=slope))
        assert frame.units == "" and "not usable" in frame.notes[0]
        assert np.isfinite(frame.modality).all()

    @pytest.mark.parametrize("frames", ["9" * 12, str(10**30)])
    def test_an_impossible_frame_count(self, frames):
        with pytest.raises(FrameDecodeError, match="impossible number of images"):
            self.decode(hostile.with_values(NumberOfFrames=frames))

    def test_reading_files_that_lie(self, tmp_path):
        with pytest.raises(FrameDecodeError, match="truncated: 8192 of 4294967280 bytes"):
            read_image_file(hostile.write(tmp_path / "long", hostile.pixel_length(0xFFFFFFF0)))
        with pytest.raises(FrameDecodeError, match="inflates to more than"):
            read_image_file(hostile.deflate_bomb(tmp_path / "bomb", 300 << 20))
        small = read_image_file(hostile.deflate_bomb(tmp_path / "small", 1 << 20))
        assert decode_frame(small, 0).modality.shape == (hostile.SIZE, hostile.SIZE)
        sparse = read_image_file(hostile.private_element(tmp_path / "sparse", 1 << 30))
        assert decode_frame(sparse, 0).modality.shape == (hostile.SIZE, hostile.SIZE)
        with pytest.raises(FrameDecodeError, match="damaged"):
            read_image_file(hostile.write(tmp_path / "zlib", damaged_deflate(tmp_path)))

    def test_the_series_model_inflates_no_further_than_the_limit(self, tmp_path):
        from viewers.dicom.series import SeriesModel

        small = hostile.deflate_bomb(tmp_path / "small", 1 << 20).read_bytes()
        assert SeriesModel._parse(small, header_only=True).Rows == hostile.SIZE
        bomb = hostile.deflate_bomb(tmp_path / "bomb", 300 << 20).read_bytes()
        with pytest.raises(FrameDecodeError, match="inflates to more than 256 MiB"):
            SeriesModel._parse(bomb, header_only=True)


def test_peak_memory_of_snapshots_of_a_1_gib_private_element_and_a_3_gib_deflate_bomb(tmp_path):
    sparse = hostile.private_element(tmp_path / "sparse.dcm", 1 << 30)
    bomb = hostile.deflate_bomb(tmp_path / "bomb.dcm", 3 << 30)
    peak, result = peak_rss_mib(textwrap.dedent(f"""
        import contextlib, io, json
        from app.cli import main
        codes = []
        for source, out in (({str(sparse)!r}, {str(tmp_path / 'sparse.png')!r}),
                            ({str(bomb)!r}, {str(tmp_path / 'bomb.png')!r})):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                codes.append(main(["snapshot", source, "-o", out]))
        print(json.dumps({{"codes": codes}}))
    """))
    assert result == {"codes": [0, 3]}
    assert (tmp_path / "sparse.png").exists() and not (tmp_path / "bomb.png").exists()
    assert peak < MEMORY_BOUND_MIB, f"{peak:.0f} MiB"
