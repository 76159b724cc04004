"""The volume model: which series form a volume (and why not), and reformats of phantoms with
known geometry that come out round and in place, straight, gantry-tilted or irregularly
spaced."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit import phantoms
from viewers.dicom.volume import (NotAVolumeError, Volume, check_memory, load_volume, reformat, rotate_plane,
                                  standard_plane, volume_geometry)
from viewers.dicom.volume_loading import load_order


@pytest.fixture(scope="module")
def volumes(tmp_path_factory):
    root = tmp_path_factory.mktemp("phantoms")
    return {kind: load_volume(phantoms.open_series(getattr(phantoms, kind)(root / kind)))
            for kind in ("straight", "tilted", "irregular")}


def sphere_in(image: np.ndarray, plane, centre, radius: float):
    """(centre x, centre y) in pixels and (extent along x, along y) in mm of the bright
    sphere near `centre` in a reformat; the edge is where the value crosses half-way."""
    x, y = plane.to_pixel(centre)
    yy, xx = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    window = (xx - x) ** 2 * plane.spacing[1] ** 2 + (yy - y) ** 2 * plane.spacing[0] ** 2 < (radius + 5) ** 2
    weight = np.clip((image - phantoms.BACKGROUND) / (phantoms.SPHERE - phantoms.BACKGROUND), 0, 1) * window
    assert weight.sum() > 0, "no sphere found near its position"
    cx, cy = (weight * xx).sum() / weight.sum(), (weight * yy).sum() / weight.sum()
    bright = weight > 0.5
    extent_x = bright.any(axis=0).sum() * plane.spacing[1]
    extent_y = bright.any(axis=1).sum() * plane.spacing[0]
    return (cx, cy), (extent_x, extent_y)


class TestPhantoms:
    @pytest.mark.parametrize("kind", ["straight", "tilted", "irregular"])
    @pytest.mark.parametrize("name, axis", [("coronal", 1), ("sagittal", 0), ("axial", 2)])
    def test_each_sphere_is_round_and_where_its_position_says(self, volumes, kind, name, axis):
        volume = volumes[kind]
        # One voxel: its coarsest side, the widest gap between slices.
        voxel = max(float(np.diff(volume.geometry.locations).max()), *volume.geometry.spacing)
        for centre, radius in phantoms.SPHERES:
            plane = standard_plane(volume, name, at_mm=centre[axis])
            assert plane.spacing[0] == plane.spacing[1], "square pixels"
            image = reformat(volume, plane)
            (cx, cy), (ex, ey) = sphere_in(image, plane, centre, radius)
            found = plane.to_patient(cx, cy)
            assert np.linalg.norm(found - np.asarray(centre)) < voxel, (kind, name, centre, found)
            # Round: the extents along both image axes are the diameter, within one voxel.
            assert abs(ex - 2 * radius) < voxel and abs(ey - 2 * radius) < voxel, (kind, name, ex, ey)
            assert abs(ex - ey) < voxel

    def test_tilt_and_irregular_spacing_are_noted(self, volumes):
        assert volumes["straight"].geometry.notes == []
        assert volumes["tilted"].geometry.tilted and "gantry tilt corrected" in volumes["tilted"].geometry.notes
        irregular = volumes["irregular"].geometry
        assert irregular.irregular and not irregular.tilted
        assert "irregular spacing, resampled" in irregular.notes

    def test_an_uncorrected_tilt_would_shear(self, volumes):
        # The test can fail: reading the tilted stack as if its slices lay along their normal
        # moves the far sphere by the tilt's shift (tan 20 deg x its height above slice 0).
        from dataclasses import replace
        geometry = volumes["tilted"].geometry
        naive = replace(geometry, tilted=False, positions=np.outer(geometry.locations, geometry.normal)
                        + (geometry.positions[0] - geometry.locations[0] * geometry.normal))
        sheared = Volume(naive)
        sheared.voxels[:] = volumes["tilted"].voxels
        sheared.loaded[:] = True
        centre, radius = phantoms.SPHERES[0]  # ~10 slices up: shifted ~9 mm
        plane = standard_plane(sheared, "sagittal", at_mm=centre[0])
        (cx, cy), _extent = sphere_in(reformat(sheared, plane), plane, centre, radius + 15)
        assert np.linalg.norm(plane.to_patient(cx, cy) - np.asarray(centre)) > 5

    def test_volume_keeps_hu_as_int16(self, volumes):
        volume = volumes["straight"]
        assert volume.voxels.dtype == np.int16
        assert volume.units == "HU"
        assert volume.minimum == phantoms.BACKGROUND and volume.maximum == phantoms.SPHERE
        assert volume.complete and volume.count == volume.geometry.shape[0]

    def test_standard_planes_put_patient_right_on_the_left_and_head_up(self, volumes):
        volume = volumes["straight"]
        coronal = standard_plane(volume, "coronal")
        assert list(coronal.row) == [1, 0, 0] and list(coronal.col) == [0, 0, -1]
        left_top = coronal.to_patient(0, 0)
        right_bottom = coronal.to_patient(coronal.shape[1] - 1, coronal.shape[0] - 1)
        assert left_top[0] < right_bottom[0]  # image left = patient right (-x)
        assert left_top[2] > right_bottom[2]  # image top = head (+z)
        sagittal = standard_plane(volume, "sagittal", at_mm=3.0)
        assert sagittal.origin[0] == pytest.approx(3.0)
        low, high = volume.bounds()
        assert sagittal.to_patient(0, 0)[2] == pytest.approx(high[2])

    def test_outside_the_volume_is_its_minimum(self, volumes):
        volume = volumes["straight"]
        image = reformat(volume, standard_plane(volume, "axial", at_mm=-50))
        assert (image == volume.minimum).all()

    def test_rotating_about_a_point_keeps_it_in_place(self, volumes):
        volume = volumes["straight"]
        plane = standard_plane(volume, "coronal")
        about = plane.to_patient(20, 30)
        rotated = rotate_plane(plane, "col", 30, about)
        assert rotated.to_pixel(about) == pytest.approx((20, 30))
        assert rotated.distance(about) == pytest.approx(0, abs=1e-9)
        assert float(rotated.normal @ plane.normal) == pytest.approx(np.cos(np.radians(30)))
        # An oblique reformat still finds the sphere where it is.
        centre, radius = phantoms.SPHERES[1]
        oblique = rotate_plane(standard_plane(volume, "coronal", at_mm=centre[1]), (0, 0, 1), 25, centre)
        (cx, cy), (ex, ey) = sphere_in(reformat(volume, oblique), oblique, centre, radius)
        assert np.linalg.norm(oblique.to_patient(cx, cy) - np.asarray(centre)) < 2.5
        assert abs(ex - ey) < 2.5


class TestSlabs:
    @pytest.fixture
    def known(self):
        """A 10 x 6 x 8 volume of random values, 1 mm voxels, axial at z = 0..9."""
        infos = [phantoms_info(k) for k in range(10)]
        volume = Volume(volume_geometry(infos))
        rng = np.random.default_rng(7)
        volume.voxels[:] = rng.integers(-500, 500, volume.voxels.shape)
        volume.loaded[:] = True
        volume.minimum, volume.maximum = float(volume.voxels.min()), float(volume.voxels.max())
        return volume

    @pytest.mark.parametrize("mode, reduce", [("mip", np.max), ("minip", np.min), ("avg", np.mean)])
    def test_axial_slab_reduces_the_slices_within_it(self, known, mode, reduce):
        plane = standard_plane(known, "axial", at_mm=4.0)
        image = reformat(known, plane, slab_mm=4.0, mode=mode)
        expected = reduce(known.voxels[2:7].astype(np.float64), axis=0)  # z = 2..6 lie within 4 +- 2 mm
        np.testing.assert_allclose(image, expected, rtol=1e-5)

    @pytest.mark.parametrize("mode, reduce", [("mip", np.max), ("minip", np.min), ("avg", np.mean)])
    def test_coronal_slab_reduces_the_rows_within_it(self, known, mode, reduce):
        plane = standard_plane(known, "coronal", at_mm=3.0)
        image = reformat(known, plane, slab_mm=2.0, mode=mode)
        expected = reduce(known.voxels[:, 2:5, :].astype(np.float64), axis=1)[::-1]  # y = 2..4; head up
        np.testing.assert_allclose(image, expected, rtol=1e-5)

    @pytest.mark.parametrize("mode, reduce", [("mip", np.max), ("minip", np.min), ("avg", np.mean)])
    @pytest.mark.parametrize("chunk", [7, 8192])  # chunk edges inside the volume, and one chunk
    def test_sagittal_slab_reduces_the_columns_within_it(self, known, mode, reduce, chunk, monkeypatch):
        import viewers.dicom.resample as resample

        monkeypatch.setattr(resample, "COLUMN_CHUNK", chunk)
        plane = standard_plane(known, "sagittal", at_mm=3.0)
        image = reformat(known, plane, slab_mm=2.0, mode=mode)
        expected = reduce(known.voxels[:, :, 2:5].astype(np.float64), axis=2)[::-1]  # x = 2..4; head up
        np.testing.assert_allclose(image, expected, rtol=1e-5)

    def test_oblique_slab_mip_is_the_maximum_of_its_samples(self, known):
        plane = rotate_plane(standard_plane(known, "axial", at_mm=4.5), (1, 0, 0), 10, known.centre)
        from viewers.dicom.resample import slab_offsets
        from viewers.dicom.volume_planes import shifted
        offsets = slab_offsets(known.geometry, plane, 3.0)
        assert len(offsets) == 3
        samples = [reformat(known, shifted(plane, o)) for o in offsets]
        np.testing.assert_allclose(reformat(known, plane, 3.0, "mip"), np.max(samples, axis=0), rtol=1e-5)
        np.testing.assert_allclose(reformat(known, plane, 3.0, "avg"), np.mean(samples, axis=0), rtol=1e-5)

    def test_thin_reformat_between_slices_interpolates(self, known):
        image = reformat(known, standard_plane(known, "axial", at_mm=4.25))
        expected = known.voxels[4] * 0.75 + known.voxels[5] * 0.25
        np.testing.assert_allclose(image, expected, rtol=1e-5, atol=1e-3)

    def test_unloaded_slices_are_read_from_the_nearest_loaded_one(self, known):
        known.loaded[:] = False
        known.loaded[[0, 9]] = True
        known.version += 1
        image = reformat(known, standard_plane(known, "axial", at_mm=3.0))
        np.testing.assert_allclose(image, known.voxels[0])


def phantoms_info(k: int, *, orientation=(1, 0, 0, 0, 1, 0), rows: int = 6, columns: int = 8,
                  spacing=(1.0, 1.0), source: str = "PixelSpacing"):
    from viewers.dicom.geometry import SliceInfo, slice_location
    from viewers.dicom.sources import SliceKey
    position = (0.0, 0.0, float(k))
    return SliceInfo(index=k, key=SliceKey(f"1.2.{k}", 0), instance_number=k + 1, rows=rows, columns=columns,
                     position=position, orientation=tuple(float(v) for v in orientation), pixel_spacing=spacing,
                     spacing_source=source, thickness=1.0, location=slice_location(position, orientation),
                     frame_of_reference_uid="1.2.3")


class TestRefusals:
    def test_two_slices(self):
        with pytest.raises(NotAVolumeError, match="at least 3 slices; this series has 2"):
            volume_geometry([phantoms_info(0), phantoms_info(1)])

    def test_mixed_orientations(self):
        infos = [phantoms_info(0), phantoms_info(1, orientation=(1, 0, 0, 0, 0, -1)), phantoms_info(2)]
        with pytest.raises(NotAVolumeError, match="mixed orientations"):
            volume_geometry(infos)

    def test_differing_sizes(self):
        with pytest.raises(NotAVolumeError, match="differ in size"):
            volume_geometry([phantoms_info(0), phantoms_info(1, rows=7), phantoms_info(2)])

    def test_a_projection_image(self):
        with pytest.raises(NotAVolumeError, match="projection"):
            volume_geometry([phantoms_info(k, source="ImagerPixelSpacing") for k in range(3)])

    def test_same_position_twice(self):
        with pytest.raises(NotAVolumeError, match="same position"):
            volume_geometry([phantoms_info(0), phantoms_info(1), phantoms_info(1)])

    def test_a_localiser_series_on_disk(self, tmp_path):
        folder = phantoms.write_series(tmp_path / "scout", [(0, 0, z) for z in (0, 1, 2)],
                                       image_type=("ORIGINAL", "PRIMARY", "LOCALIZER"))
        with pytest.raises(NotAVolumeError, match="localiser"):
            load_volume(phantoms.open_series(folder))

    def test_mixed_orientations_on_disk(self, tmp_path):
        orientations = [(1, 0, 0, 0, 1, 0), (1, 0, 0, 0, 1, 0), (0, 1, 0, 0, 0, -1), (1, 0, 0, 0, 1, 0)]
        folder = phantoms.write_series(tmp_path / "mixed", [(0, 0, z) for z in (0, 1, 2, 3)],
                                       orientations=orientations)
        with pytest.raises(NotAVolumeError, match="mixed orientations"):
            load_volume(phantoms.open_series(folder))

    def test_differing_sizes_on_disk(self, tmp_path):
        folder = phantoms.write_series(tmp_path / "sizes", [(0, 0, z) for z in (0, 1, 2)],
                                       sizes=[(16, 16), (16, 16), (16, 20)])
        with pytest.raises(NotAVolumeError, match="differ in size"):
            load_volume(phantoms.open_series(folder))

    def test_too_large_for_memory(self):
        with pytest.raises(NotAVolumeError, match="too large") as caught:
            check_memory(3000 * 512 * 512 * 2, available=1024 ** 3)
        assert "1700 MB" in str(caught.value) and "1024 MB" in str(caught.value)
        check_memory(3000 * 512 * 512 * 2, available=8 * 1024 ** 3)  # fits: no error


class TestLoading:
    def test_load_order_is_coarse_to_fine_and_complete(self):
        order = load_order(100)
        assert sorted(order) == list(range(100))
        assert order[:4] == [0, 32, 64, 96]

    def test_progress_and_ready_before_the_rest(self, tmp_path):
        series = phantoms.open_series(phantoms.straight(tmp_path / "s", slices=12, rows=16, columns=16))
        seen, ready = [], []
        volume = load_volume(series, progress=lambda done, total: seen.append((done, total)),
                             on_ready=lambda v: ready.append(v.count))
        assert ready == [1]  # handed over with its first slice only
        assert seen[-1] == (12, 12) and volume.complete

    def test_cancel_stops_loading(self, tmp_path):
        from app.core.tasks import Cancelled
        series = phantoms.open_series(phantoms.straight(tmp_path / "s", slices=12, rows=16, columns=16))
        with pytest.raises(Cancelled):
            load_volume(series, cancelled=lambda: True)


def test_a_multi_frame_file_is_a_volume_of_its_frames(tmp_path):
    """pydicom's RT dose: 15 frames placed by Grid Frame Offset Vector, values that are not
    whole numbers (kept as float32)."""
    import shutil

    import pydicom
    from pydicom.data import get_testdata_file

    from viewers.dicom.pixels import decode_frame

    shutil.copy(get_testdata_file("rtdose.dcm"), tmp_path / "rtdose.dcm")
    volume = load_volume(phantoms.open_series(tmp_path))
    assert volume.geometry.shape == (15, 10, 10) and volume.voxels.dtype == np.float32
    ds = pydicom.dcmread(tmp_path / "rtdose.dcm")
    for k, n in enumerate(volume.geometry.order):
        np.testing.assert_allclose(volume.voxels[k], decode_frame(ds, n).modality, rtol=1e-6)
    assert np.all(np.diff(volume.geometry.locations) > 0)


def test_an_oblique_reformat_of_a_linear_volume_is_exact(tmp_path):
    """Trilinear sampling reproduces a linear function of (k, r, c) exactly: each pixel of an
    oblique plane inside the volume has the value its voxel coordinates say; outside, the fill."""
    infos = [phantoms_info(k, rows=20, columns=24, spacing=(0.9, 0.7)) for k in range(16)]
    volume = Volume(volume_geometry(infos), dtype=np.float32)
    k, r, c = np.meshgrid(np.arange(16), np.arange(20), np.arange(24), indexing="ij")
    volume.voxels[:] = 3.0 * k + 2.0 * r - 1.0 * c + 100
    volume.loaded[:] = True
    volume.minimum = float(volume.voxels.min())
    from viewers.dicom.volume_planes import covering_plane
    turned = rotate_plane(rotate_plane(standard_plane(volume, "coronal"), (0, 0, 1), 35, volume.centre),
                          (1, 0, 0), 20, volume.centre)
    plane = covering_plane(volume.geometry, turned.row, turned.col, volume.centre + (0.3, 0.2, 0.1))
    image = reformat(volume, plane)
    rows, columns = plane.shape
    yy, xx = np.mgrid[0:rows, 0:columns]
    points = plane.origin + xx[..., None] * plane.spacing[1] * plane.row + yy[..., None] * plane.spacing[0] * plane.col
    v = volume.geometry.to_voxel(points)
    inside = ((v >= -0.5) & (v <= np.array([15.5, 19.5, 23.5]))).all(axis=-1)
    assert 0.2 < inside.mean() < 0.9  # the plane crosses the volume and leaves it
    clipped = np.clip(v, 0, [15, 19, 23])
    expected = 3.0 * clipped[..., 0] + 2.0 * clipped[..., 1] - 1.0 * clipped[..., 2] + 100
    np.testing.assert_allclose(image[inside], expected[inside], atol=1e-3)
    assert (image[~inside] == volume.minimum).all()
