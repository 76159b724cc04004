"""The DICOM pixel pipeline: pydicom's shipped images in every transfer
syntax, the PS3.3 window formula, VOI and modality LUTs, MONOCHROME1, colour, presets and
the bad inputs a hospital CD can hold."""

import copy
import math

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.pixels import apply_color_lut, convert_color_space, pixel_array
from pydicom.pixels.decoders.base import DecodeRunner
from pydicom.uid import MPEG2MPML, ExplicitVRLittleEndian, JPEG2000, JPEG2000Lossless, RLELossless

from app.core.errors import BadInputError
from app.demo.imaging import HU_INTERCEPT, cr_chest_dataset, ct_landmarks, ct_series
from tests.calls import recorded_calls
from viewers.dicom.pixels import (CT_PRESETS, VOI_LUT_NAME, Frame, FrameDecodeError, Window, apply_window,
                                  decode_frame, default_window, frame_count, placeholder, read_image_file,
                                  render, voi_lut_window)

# name, what it covers, colour, frames. Only files inside pydicom's wheel: the others
# (get_testdata_file would download them) are skipped.
SHIPPED = [
    ("CT_small.dcm", "CT signed 16-bit, Explicit VR Little Endian", False, 1),
    ("MR_small.dcm", "MR signed 16-bit with a window", False, 1),
    ("MR_small_implicit.dcm", "Implicit VR Little Endian", False, 1),
    ("MR_small_bigendian.dcm", "Explicit VR Big Endian", False, 1),
    ("MR_small_padded.dcm", "pixel data with excess padding", False, 1),
    ("MR_small_RLE.dcm", "RLE Lossless", False, 1),
    ("MR_small_jpeg_ls_lossless.dcm", "JPEG-LS Lossless", False, 1),
    ("MR_small_jp2klossless.dcm", "JPEG 2000 Lossless", False, 1),
    ("JPEGLSNearLossless_08.dcm", "JPEG-LS near-lossless 8-bit", False, 1),
    ("JPEGLSNearLossless_16.dcm", "JPEG-LS near-lossless 16-bit", False, 1),
    ("693_J2KI.dcm", "JPEG 2000 lossy CT, 14 of 16 bits, signed", False, 1),
    ("J2K_pixelrep_mismatch.dcm", "JPEG 2000 whose signedness differs from Pixel Representation", False, 1),
    ("JPEG2000.dcm", "JPEG 2000 NM, signed", False, 1),
    ("JPGExtended.dcm", "JPEG Extended 12-bit (process 2 & 4)", False, 1),
    ("examples_overlay.dcm", "MR unsigned 12 of 16 bits, two windows", False, 1),
    ("image_dfl.dcm", "Deflated Explicit VR Little Endian, 8-bit", False, 1),
    ("liver_1frame.dcm", "1-bit segmentation", False, 1),
    ("rtdose.dcm", "32-bit unsigned, multi-frame", False, 15),
    ("rtdose_rle.dcm", "RLE 32-bit multi-frame", False, 15),
    ("SC_rgb_jpeg_gdcm.dcm", "JPEG Lossless SV1, RGB", True, 1),
    ("SC_rgb_jpeg_dcmtk.dcm", "JPEG Baseline, YBR_FULL", True, 1),
    ("SC_rgb_dcmtk_+eb+cy+s2.dcm", "JPEG Baseline, YBR_FULL_422", True, 1),
    ("SC_rgb_dcmtk_+eb+cr.dcm", "JPEG Baseline, RGB", True, 1),
    ("SC_jpeg_no_color_transform.dcm", "JPEG Baseline, RGB without colour transform", True, 1),
    ("examples_ybr_color.dcm", "US JPEG Baseline YBR_FULL_422, 30 frames", True, 30),
    ("SC_ybr_full_422_uncompressed.dcm", "uncompressed YBR_FULL_422", True, 1),
    ("SC_rgb_jls_lossy_line.dcm", "JPEG-LS near-lossless RGB", True, 1),
    ("SC_rgb_gdcm_KY.dcm", "JPEG 2000 RGB", True, 1),
    ("GDCMJ2K_TextGBR.dcm", "JPEG 2000 YBR_RCT", True, 1),
    ("examples_jpeg2k.dcm", "JPEG 2000 YBR_RCT US", True, 1),
    ("SC_rgb_rle.dcm", "RLE RGB", True, 1),
    ("SC_rgb_rle_2frame.dcm", "RLE RGB, 2 frames", True, 2),
    ("SC_rgb_rle_16bit.dcm", "RLE RGB 16-bit", True, 1),
    ("SC_rgb_rle_32bit_2frame.dcm", "RLE RGB 32-bit, 2 frames", True, 2),
    ("examples_rgb_color.dcm", "US RGB", True, 1),
    ("ExplVR_BigEnd.dcm", "RGB, Planar Configuration 1, big endian", True, 1),
    ("SC_rgb_small_odd.dcm", "RGB 3x3 (odd length)", True, 1),
    ("examples_palette.dcm", "PALETTE COLOR, 16-bit palette", True, 1),
]


def sample_path(name: str) -> str:
    path = get_testdata_file(name, download=False)
    if not path:
        pytest.skip(f"{name} is not shipped with this pydicom (it would have to be downloaded)")
    return path


def sample(name: str) -> Dataset:
    return read_image_file(sample_path(name))


def grey_dataset(stored: np.ndarray, *, bits_stored: int | None = None, photometric="MONOCHROME2",
                 syntax=ExplicitVRLittleEndian, **elements) -> Dataset:
    """An in-memory single-frame grey image holding `stored` as it is in memory."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated = 8 * stored.dtype.itemsize
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(stored.dtype.kind == "i")
    ds.PixelData = stored.astype(stored.dtype.newbyteorder("<")).tobytes()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def ct_slice(size=128) -> Dataset:
    return next(ct_series(1, size))


def reference_window(x: np.ndarray, center: float, width: float) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1 written out as the standard states it, for y in 0..255."""
    x = x.astype(np.float64)
    y = np.where(x <= center - 0.5 - (width - 1) / 2, 0.0,
                 np.where(x > center - 0.5 + (width - 1) / 2, 255.0,
                          ((x - (center - 0.5)) / max(width - 1, 1e-9) + 0.5) * 255))
    return np.rint(y).astype(np.uint8)


class TestShippedImages:
    @pytest.mark.parametrize(("name", "covers", "color", "frames"), SHIPPED, ids=[s[0] for s in SHIPPED])
    def test_every_frame_kind_decodes_and_renders(self, name, covers, color, frames):
        ds = sample(name)
        assert frame_count(ds) == frames
        for index in sorted({0, frames - 1}):
            frame = decode_frame(ds, index)
            image = render(frame)
            assert frame.color is color
            assert image.dtype == np.uint8
            assert image.shape == ((ds.Rows, ds.Columns, 3) if color else (ds.Rows, ds.Columns))
            assert frame.modality.shape[:2] == (ds.Rows, ds.Columns)
            if color:
                assert frame.stored is None and frame.modality.dtype == np.uint8
            else:
                assert frame.modality.dtype == np.float32 and frame.stored.shape == frame.modality.shape
                assert frame.value_range[0] <= frame.value_range[1]
            assert frame.photometric == ds.PhotometricInterpretation
            assert frame.nbytes >= frame.modality.nbytes
            if ds.Rows * ds.Columns > 16:
                assert image.std() > 0, "an image that renders as a flat field"

    @pytest.mark.parametrize("name", [s[0] for s in SHIPPED if not s[2]])
    def test_grey_modality_values_match_pydicom(self, name):
        """Our modality values equal pydicom's own pixel_array + rescale for every grey file."""
        ds = sample(name)
        frame = decode_frame(ds, 0)
        expected = pixel_array(ds, index=0).astype(np.float64)
        expected = expected * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
        np.testing.assert_allclose(frame.modality, expected, rtol=1e-6)
        np.testing.assert_array_equal(frame.stored, pixel_array(ds, index=0))

    @pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                      "MR_small_jp2klossless.dcm", "MR_small_bigendian.dcm",
                                      "MR_small_implicit.dcm", "MR_small_padded.dcm"])
    def test_lossless_and_other_encodings_of_mr_small_equal_the_uncompressed_file(self, name):
        reference = decode_frame(sample("MR_small.dcm"), 0)
        frame = decode_frame(sample(name), 0)
        np.testing.assert_array_equal(frame.stored, reference.stored)
        np.testing.assert_array_equal(frame.modality, reference.modality)
        np.testing.assert_array_equal(render(frame), render(reference))

    @pytest.mark.parametrize("name", ["rtdose_rle.dcm"])
    def test_every_frame_of_a_multiframe_rle_equals_the_uncompressed_file(self, name):
        reference, ds = sample("rtdose.dcm"), sample(name)
        for index in range(frame_count(ds)):
            np.testing.assert_array_equal(decode_frame(ds, index).modality, decode_frame(reference, index).modality)

    @pytest.mark.parametrize(("name", "mean_tolerance"), [
        ("SC_rgb_jpeg_dcmtk.dcm", 2), ("SC_rgb_dcmtk_+eb+cy+s2.dcm", 2), ("SC_rgb_dcmtk_+eb+cr.dcm", 1),
        ("SC_ybr_full_422_uncompressed.dcm", 2), ("SC_rgb_jpeg_gdcm.dcm", 0), ("SC_rgb_gdcm_KY.dcm", 0),
        ("SC_rgb_jls_lossy_line.dcm", 1), ("SC_rgb_rle_16bit.dcm", 0)])
    def test_colour_encodings_give_the_rgb_of_the_lossless_original(self, name, mean_tolerance):
        """pydicom 3 converts YBR (JPEG and uncompressed) to RGB already: no second conversion."""
        reference = decode_frame(sample("SC_rgb_rle.dcm"), 0).modality.astype(int)
        rgb = decode_frame(sample(name), 0).modality.astype(int)
        assert np.abs(rgb - reference).mean() <= mean_tolerance + 0.9
        # Colour bars of the SC_rgb images: red, green, blue, black, grey 64, white.
        for row, colour in ((5, (255, 0, 0)), (25, (0, 255, 0)), (45, (0, 0, 255)), (65, (0, 0, 0)),
                            (75, (64, 64, 64)), (95, (255, 255, 255))):
            assert np.abs(rgb[row, 50] - colour).max() <= 8, (row, rgb[row, 50])

    def test_planar_configuration_1_is_interleaved(self):
        ds = sample("ExplVR_BigEnd.dcm")
        assert ds.PlanarConfiguration == 1
        np.testing.assert_array_equal(decode_frame(ds, 0).modality, pixel_array(ds))

    def test_palette_colour_goes_through_the_palette(self):
        ds = sample("examples_palette.dcm")
        frame = decode_frame(ds, 0)
        expected = apply_color_lut(pixel_array(ds), ds) >> 8  # 16-bit palette entries
        np.testing.assert_array_equal(frame.modality, expected.astype(np.uint8))
        assert frame.photometric == "PALETTE COLOR" and frame.color

    def test_a_multiframe_file_gives_each_frame(self):
        ds = sample("examples_ybr_color.dcm")
        first, last = decode_frame(ds, 0), decode_frame(ds, 29)
        np.testing.assert_array_equal(first.modality, pixel_array(ds, index=0))
        np.testing.assert_array_equal(last.modality, pixel_array(ds, index=29))
        assert not np.array_equal(first.modality, last.modality)

    def test_only_the_requested_frame_is_decoded(self, monkeypatch):
        calls = recorded_calls(monkeypatch, DecodeRunner, "decode", lambda runner, index: index)
        decode_frame(sample("examples_ybr_color.dcm"), 17)
        assert calls == [17]

    def test_the_files_windows_with_their_explanations(self):
        frame = decode_frame(sample("examples_overlay.dcm"), 0)
        assert frame.windows == [Window(450, 790, "WINDOW1"), Window(200, 443, "WINDOW2")]
        assert default_window(frame) == frame.windows[0]

    def test_ct_is_in_hounsfield_units(self):
        frame = decode_frame(sample("CT_small.dcm"), 0)
        assert frame.units == "HU"
        assert frame.value_range == (float(frame.modality.min()), float(frame.modality.max()))

    def test_jpeg_lossy_with_a_bad_scan_header_decodes_through_the_fallback(self):
        """JPEG-lossy.dcm is non-conformant on purpose (JPGExtended.dcm is its fixed twin):
        libjpeg refuses it, GDCM reads it as DCMTK does (tests/unit/test_decode_fallback.py)."""
        frame = decode_frame(sample("JPEG-lossy.dcm"), 0)
        twin = decode_frame(sample("JPGExtended.dcm"), 0)
        assert np.abs(frame.stored.astype(int) - twin.stored.astype(int)).max() <= 1

    def test_a_truncated_shipped_file_says_so(self):
        with pytest.raises(FrameDecodeError, match=r"truncated: 8130 of 8192 bytes"):
            decode_frame(sample("MR_truncated.dcm"), 0)


class TestSyntheticEncodings:
    @pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless])
    def test_a_compressed_ct_slice_keeps_its_hounsfield_units(self, syntax):
        original = ct_slice()
        compressed = copy.deepcopy(original)
        compressed.compress(syntax)
        reference, frame = decode_frame(original, 0), decode_frame(compressed, 0)
        assert compressed.file_meta.TransferSyntaxUID == syntax
        np.testing.assert_array_equal(frame.modality, reference.modality)
        assert frame.units == "HU" and frame.modality.min() < -900  # air, signed through the codec

    def test_ct_landmarks_have_their_hounsfield_values(self):
        slices = 20
        marks = ct_landmarks(slices, 128)
        datasets = list(ct_series(slices, 128))
        frame = decode_frame(datasets[marks["air"][0]], 0)
        assert frame.modality[marks["air"][1:]] < -900
        assert 300 < frame.modality[marks["bone"][1:]] < 1000
        assert frame.stored[marks["air"][1:]] == frame.modality[marks["air"][1:]] - HU_INTERCEPT

    def test_planar_configuration_0_and_1_decode_alike(self):
        rgb = np.random.default_rng(3).integers(0, 256, (6, 5, 3), dtype=np.uint8)
        by_pixel = grey_dataset(np.zeros((6, 5), np.uint8), photometric="RGB")
        by_pixel.SamplesPerPixel, by_pixel.PlanarConfiguration = 3, 0
        by_pixel.PixelData = rgb.tobytes()
        by_plane = copy.deepcopy(by_pixel)
        by_plane.PlanarConfiguration = 1
        by_plane.PixelData = rgb.transpose(2, 0, 1).tobytes()
        np.testing.assert_array_equal(decode_frame(by_pixel, 0).modality, rgb)
        np.testing.assert_array_equal(decode_frame(by_plane, 0).modality, rgb)

    def test_uncompressed_ybr_full_becomes_rgb(self):
        rgb = np.random.default_rng(4).integers(0, 256, (8, 8, 3), dtype=np.uint8)
        ds = grey_dataset(np.zeros((8, 8), np.uint8), photometric="YBR_FULL")
        ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
        ds.PixelData = convert_color_space(rgb, "RGB", "YBR_FULL").tobytes()
        frame = decode_frame(ds, 0)
        assert frame.photometric == "YBR_FULL"
        assert np.abs(frame.modality.astype(int) - rgb).max() <= 2


class TestModalityLut:
    def test_signed_bits_stored_12_is_sign_extended(self):
        values = np.array([[-2048, -1, 0, 2047]], dtype=np.int16)
        raw = (values.view(np.uint16) & 0x0FFF) | 0xA000  # garbage above the stored bits
        ds = grey_dataset(raw.view(np.int16), bits_stored=12)
        np.testing.assert_array_equal(decode_frame(ds, 0).stored, values)

    def test_unsigned_bits_stored_12_is_masked(self):
        values = np.array([[0, 1, 4095, 2048]], dtype=np.uint16)
        ds = grey_dataset(values | 0xF000, bits_stored=12)
        frame = decode_frame(ds, 0)
        np.testing.assert_array_equal(frame.stored, values)
        assert frame._stored_range == (0, 4095)

    def test_rescale_slope_and_intercept(self):
        ds = grey_dataset(np.array([[0, 10, 100]], dtype=np.uint16), RescaleSlope=2.5, RescaleIntercept=-100,
                          Modality="CT")
        frame = decode_frame(ds, 0)
        np.testing.assert_allclose(frame.modality, [[-100, -75, 150]])
        assert frame.units == "HU" and frame.value_range == (-100, 150)

    @pytest.mark.parametrize(("elements", "units"), [
        ({"Modality": "MR"}, ""), ({"Modality": "CT"}, ""),
        ({"Modality": "CT", "RescaleSlope": 1, "RescaleIntercept": -1024}, "HU"),
        ({"Modality": "XA", "RescaleSlope": 1, "RescaleIntercept": 0, "RescaleType": "OD"}, "OD"),
        ({"Modality": "MR", "RescaleSlope": 1, "RescaleIntercept": 0, "RescaleType": "US"}, "")])
    def test_units(self, elements, units):
        assert decode_frame(grey_dataset(np.zeros((2, 2), np.int16), **elements), 0).units == units

    def test_modality_lut_sequence(self):
        item = Dataset()
        item.LUTDescriptor = [4, 10, 16]  # 4 entries, first mapped value 10
        item.LUTData = [100, 200, 300, 400]
        item.ModalityLUTType = "OD"
        ds = grey_dataset(np.array([[0, 10, 11, 13, 50]], dtype=np.uint16), ModalityLUTSequence=[item])
        frame = decode_frame(ds, 0)
        np.testing.assert_array_equal(frame.modality, [[100, 100, 200, 400, 400]])
        assert frame.units == "OD" and frame.value_range == (100, 400)

    def test_enhanced_multiframe_functional_groups(self):
        ds = grey_dataset(np.zeros((2, 2), np.int16), Modality="CT")
        ds.NumberOfFrames = 2
        ds.PixelData = np.array([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], dtype="<i2").tobytes()
        shared, transform = Dataset(), Dataset()
        transform.RescaleSlope, transform.RescaleIntercept, transform.RescaleType = 1, -1024, "HU"
        shared.PixelValueTransformationSequence = [transform]
        ds.SharedFunctionalGroupsSequence = [shared]
        per_frame = []
        for center in (40, -600):
            voi, group = Dataset(), Dataset()
            voi.WindowCenter, voi.WindowWidth, voi.WindowCenterWidthExplanation = center, 400, f"W{center}"
            group.FrameVOILUTSequence = [voi]
            per_frame.append(group)
        ds.PerFrameFunctionalGroupsSequence = per_frame
        second = decode_frame(ds, 1)
        assert second.units == "HU" and second.modality[0, 0] == 4 - 1024
        assert second.windows == [Window(-600, 400, "W-600")]
        assert decode_frame(ds, 0).windows == [Window(40, 400, "W40")]


class TestWindowing:
    @pytest.mark.parametrize(("center", "width"), [(40, 80), (-600, 1500), (0, 2), (100, 1), (0.5, 3), (350, 2000)])
    def test_the_linear_formula_of_ps3_3(self, center, width):
        values = np.arange(-2000, 2001, dtype=np.int16).reshape(1, -1)
        frame = decode_frame(grey_dataset(values), 0)
        expected = reference_window(values, center, width)
        np.testing.assert_array_equal(render(frame, Window(center, width)), expected)
        # The float path (no lookup table) gives the same picture.
        plain = Frame(frame.modality, frame.stored, False, "MONOCHROME2", "", [], None, False, frame.value_range)
        np.testing.assert_array_equal(render(plain, Window(center, width)), expected)

    def test_values_at_the_window_edges(self):
        window = Window(40, 80)  # brain: black up to 0, white above 79
        assert (window.low, window.high) == (0, 79)
        out = apply_window(np.array([-1, 0, 1, 39.5, 78, 79, 80], dtype=np.float64), window)
        assert out.tolist() == [0, 0, 3, 128, 252, 255, 255]
        threshold = apply_window(np.array([99, 99.5, 99.6, 100.0]), Window(100, 1))
        assert threshold.tolist() == [0, 0, 255, 255]

    def test_linear_exact_and_sigmoid(self):
        values = np.array([-1000.0, 0.0, 40.0, 1000.0])
        assert apply_window(values, Window(40, 80, function="LINEAR_EXACT")).tolist() == [0, 0, 128, 255]
        sigmoid = apply_window(values, Window(40, 80, function="SIGMOID"))
        assert sigmoid[2] == 128 and sigmoid[0] == 0 and sigmoid[3] == 255 and 0 < sigmoid[1] < 128

    def test_window_width_floor_and_finite_values(self):
        assert Window(10, 0.2).width == 1
        with pytest.raises(ValueError):
            Window(math.nan, 100)

    def test_ct_presets_in_number_key_order(self):
        assert [(k, w.center, w.width) for k, w in CT_PRESETS.items()] == [
            ("brain", 40, 80), ("subdural", 75, 200), ("stroke", 40, 40), ("lung", -600, 1500),
            ("mediastinum", 50, 350), ("abdomen", 40, 400), ("liver", 90, 150), ("bone", 350, 2000)]
        assert all(w.name for w in CT_PRESETS.values())

    def test_lung_preset_on_the_synthetic_ct(self):
        marks = ct_landmarks(20, 128)
        frame = decode_frame(list(ct_series(20, 128))[marks["nodule"][0]], 0)
        lung, bone = render(frame, CT_PRESETS["lung"]), render(frame, CT_PRESETS["bone"])
        shade = {name: int(lung[row, column]) for name, (_, row, column) in marks.items()}
        # Air (-1000 HU) is dark grey in a lung window, parenchyma a little lighter, bone white.
        assert 50 < shade["air"] < shade["right_lung"] < shade["soft_tissue"] < shade["bone"] == 255
        assert bone[marks["soft_tissue"][1:]] < bone[marks["bone"][1:]]

    def test_monochrome1_shows_low_values_bright(self):
        ds = cr_chest_dataset(120, 100)
        frame = decode_frame(ds, 0)
        assert frame.invert and frame.photometric == "MONOCHROME1"
        shown, inverted = render(frame), render(frame, invert=True)
        np.testing.assert_array_equal(shown.astype(int) + inverted, 255)
        as_mono2 = copy.deepcopy(ds)
        as_mono2.PhotometricInterpretation = "MONOCHROME2"
        np.testing.assert_array_equal(render(decode_frame(as_mono2, 0)), inverted)
        darkest = np.unravel_index(np.argmin(frame.stored), frame.stored.shape)
        assert shown[darkest] == shown.max()  # the lowest stored value (bone) is the brightest

    def test_voi_lut_sequence(self):
        item = Dataset()
        item.LUTDescriptor = [256, 100, 8]
        item.LUTData = list(range(255, -1, -1))  # a reversing LUT, distinct from any window
        ds = grey_dataset(np.array([[0, 100, 228, 355, 1000]], dtype=np.uint16), VOILUTSequence=[item])
        frame = decode_frame(ds, 0)
        first, bits, table = frame.voi_lut
        assert (first, bits, len(table)) == (100, 8, 256)
        window = default_window(frame)
        assert window.name == VOI_LUT_NAME and window == voi_lut_window(frame)
        assert (window.low, window.high) == (100, 355)
        assert render(frame).tolist() == [[255, 255, 127, 0, 0]]
        assert render(frame, window, use_voi_lut=False).tolist() == [[0, 0, 128, 255, 255]]
        assert render(frame, Window(228, 256)).tolist() == [[0, 0, 128, 255, 255]]

    def test_default_window_without_one_in_the_file(self):
        eight_bit = decode_frame(grey_dataset(np.array([[10, 20], [30, 40]], np.uint8)), 0)
        assert default_window(eight_bit) == Window(128, 256)  # the whole 8-bit range
        values = np.random.default_rng(5).normal(1000, 100, (64, 64)).astype(np.uint16)
        values[0, 0] = 60000  # one hot pixel must not flatten the picture
        sixteen = decode_frame(grey_dataset(values), 0)
        window = default_window(sixteen)
        assert 600 < window.low < 1000 < window.high < 1400
        assert sixteen.value_range[1] == 60000

    def test_colour_shows_as_is_and_can_be_windowed(self):
        frame = decode_frame(sample("SC_rgb_rle.dcm"), 0)
        np.testing.assert_array_equal(render(frame), frame.modality)
        assert render(frame) is not frame.modality
        np.testing.assert_array_equal(render(frame, invert=True), 255 - frame.modality)
        assert render(frame, Window(128, 2))[5, 50].tolist() == [255, 0, 0]

    def test_placeholder(self):
        image = placeholder("JPEG 2000 data is truncated", 300, 200)
        assert image.shape == (200, 300) and image.dtype == np.uint8
        assert image[100, 150] < 64  # dark: the widget writes the reason on it

    def test_nbytes_counts_the_frame(self):
        frame = decode_frame(ct_slice(64), 0)
        assert frame.nbytes >= frame.modality.nbytes + frame.stored.nbytes
        assert frame.nbytes < frame.modality.nbytes + frame.stored.nbytes + 4096  # shared tables not counted


class TestBadInput:
    def test_truncated_pixel_data(self):
        ds = ct_slice(64)
        ds.PixelData = ds.PixelData[:-1000]
        with pytest.raises(FrameDecodeError, match="truncated: 7192 of 8192 bytes"):
            decode_frame(ds, 0)

    def test_truncated_jpeg_2000(self):
        ds = ct_slice(64)
        ds.compress(JPEG2000Lossless)
        fragment = next(generate_frames(ds.PixelData, number_of_frames=1))
        ds.PixelData = encapsulate([fragment[: len(fragment) // 3]])
        with pytest.raises(FrameDecodeError, match="JPEG 2000 data of image 1 is truncated or corrupt") as error:
            decode_frame(ds, 0)
        assert "\n" not in str(error.value)

    @pytest.mark.parametrize("missing", ["Rows", "Columns", "BitsAllocated"])
    def test_missing_image_elements(self, missing):
        ds = ct_slice(32)
        delattr(ds, missing)
        with pytest.raises(FrameDecodeError, match=f"no valid {missing}"):
            decode_frame(ds, 0)

    def test_bits_stored_above_bits_allocated(self):
        ds = ct_slice(32)
        ds.BitsStored = 17
        with pytest.raises(FrameDecodeError, match=r"Bits Stored \(17\) exceeds Bits Allocated \(16\)"):
            decode_frame(ds, 0)

    def test_compressed_syntax_claimed_on_raw_data(self):
        ds = ct_slice(32)
        ds.file_meta.TransferSyntaxUID = JPEG2000
        with pytest.raises(FrameDecodeError, match="not compressed although the transfer syntax says JPEG 2000"):
            decode_frame(ds, 0)

    def test_rle_data_under_a_jpeg_2000_syntax(self):
        ds = sample("MR_small_RLE.dcm")
        ds.file_meta.TransferSyntaxUID = JPEG2000
        with pytest.raises(FrameDecodeError, match="pixel data is RLE but the transfer syntax says JPEG 2000"):
            decode_frame(ds, 0)

    def test_jpeg_data_under_a_jpeg_2000_syntax(self):
        """Refused before decoding: pydicom's Pillow plugin would open it, with wrong colours."""
        ds = sample("SC_rgb_jpeg_dcmtk.dcm")
        ds.file_meta.TransferSyntaxUID = JPEG2000
        with pytest.raises(FrameDecodeError, match="pixel data is JPEG but the transfer syntax says JPEG 2000"):
            decode_frame(ds, 0)

    def test_raw_syntax_claimed_on_compressed_data(self):
        ds = sample("MR_small_RLE.dcm")
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        with pytest.raises(FrameDecodeError, match="compressed although the transfer syntax says Explicit"):
            decode_frame(ds, 0)

    def test_unsupported_syntax(self):
        ds = sample("SC_rgb_jpeg_dcmtk.dcm")
        ds.file_meta.TransferSyntaxUID = MPEG2MPML
        with pytest.raises(FrameDecodeError, match="cannot be shown"):
            decode_frame(ds, 0)

    @pytest.mark.parametrize(("slope", "intercept"), [("NaN", "-1024"), ("1", "inf"), ("0", "0")])
    def test_unusable_rescale_shows_stored_values_with_a_note(self, slope, intercept):
        ds = ct_slice(32)
        ds["RescaleSlope"].value, ds["RescaleIntercept"].value = slope, intercept
        frame = decode_frame(ds, 0)
        np.testing.assert_array_equal(frame.modality, frame.stored)
        assert frame.units == "" and frame.windows == [] and "not usable" in frame.notes[0]
        assert render(frame).std() > 0

    def test_unusable_window_is_skipped(self):
        ds = grey_dataset(np.zeros((2, 2), np.int16), WindowCenter=[40, 50], WindowWidth=[0, 350])
        frame = decode_frame(ds, 0)
        assert frame.windows == [Window(50, 350)] and "ignored" in frame.notes[0]

    def test_no_pixel_data(self):
        ds = ct_slice(32)
        del ds.PixelData
        assert frame_count(ds) == 0
        with pytest.raises(FrameDecodeError, match="no Pixel Data"):
            decode_frame(ds, 0)

    def test_frame_beyond_the_last(self):
        with pytest.raises(FrameDecodeError, match="Image 31 does not exist: this file holds 30"):
            decode_frame(sample("examples_ybr_color.dcm"), 30)

    def test_reading_files(self, tmp_path):
        with pytest.raises(BadInputError, match="no such file"):
            read_image_file(tmp_path / "absent.dcm")
        with pytest.raises(BadInputError, match="is a folder"):
            read_image_file(tmp_path)
        text = tmp_path / "notes.txt"
        text.write_text("Test^Patient 19700101 is not an image\n")
        with pytest.raises(BadInputError, match="is not a DICOM file"):
            read_image_file(text)
        assert read_image_file(sample_path("CT_small.dcm")).Rows == 128

    def test_a_file_without_the_part_10_header(self, tmp_path):
        """Old media hold bare datasets: read, and decoded in the encoding they were found in."""
        ds = ct_slice(32)
        reference = decode_frame(ds, 0)
        del ds.file_meta
        ds.save_as(tmp_path / "bare", implicit_vr=True, little_endian=True)
        frame = decode_frame(read_image_file(tmp_path / "bare"), 0)
        np.testing.assert_array_equal(frame.modality, reference.modality)

    def test_decode_errors_are_bad_input(self):
        assert issubclass(FrameDecodeError, BadInputError)
