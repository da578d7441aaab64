"""2.5D: a 2D mask → image run draws volumes slice by slice; volume quality measures."""

from __future__ import annotations

import dataclasses
import json

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage

from napari_gan_augment.api import images_from_mask_folder
from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.pairset import PairSet, SliceSettings
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.data.slicing import neighbour_slices
from napari_gan_augment.errors import InputError
from napari_gan_augment.evaluation.quality import QualityConfig, evaluate_quality
from napari_gan_augment.evaluation.quality.volumes import slice_consistency
from napari_gan_augment.synthesis import images_for_masks, load_generator, synthesize_volume
from napari_gan_augment.training import train

from .conftest import TINY_DATA, tiny_config
from .test_volumes_3d import AFFINE, _config_3d, _volume_pair


def test_each_slice_along_the_named_axis_is_the_2d_run_s_image_for_that_slice(
    pix2pix_run, tmp_path
):
    generator = load_generator(pix2pix_run, device="cpu")
    _, mask_path = _volume_pair(tmp_path)
    mask = (np.asarray(nib.load(mask_path).dataobj) > 0).astype(np.uint8)  # the run is binary
    for axis in (0, 2):
        volume = synthesize_volume(generator, mask, axis=axis)
        assert volume.shape == mask.shape
        middle = mask.shape[axis] // 2
        drawn = images_for_masks(generator, np.take(mask, middle, axis=axis))
        np.testing.assert_array_equal(np.take(volume, middle, axis=axis), drawn)


def test_a_mask_volume_for_a_2d_run_needs_an_axis_and_keeps_its_affine(pix2pix_run, tmp_path):
    _, mask_path = _volume_pair(tmp_path)
    binary = (np.asarray(nib.load(mask_path).dataobj) > 0).astype(np.uint8)
    nib.save(nib.Nifti1Image(binary, AFFINE), tmp_path / "m_seg.nii.gz")
    with pytest.raises(InputError, match="name the slice axis"):
        images_from_mask_folder(pix2pix_run, tmp_path / "m_seg.nii.gz", tmp_path / "out", "cpu")
    assert not (tmp_path / "out").exists()  # refused before anything was written
    written_count = images_from_mask_folder(
        pix2pix_run, tmp_path / "m_seg.nii.gz", tmp_path / "out", "cpu", axis=0
    )
    assert written_count == 1
    written = nib.load(tmp_path / "out" / "m_seg_synthetic.nii.gz")
    assert written.shape == binary.shape
    np.testing.assert_allclose(written.affine, AFFINE, atol=1e-5)
    provenance = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert provenance["volumes"] == "drawn along axis 0"


def test_slice_consistency_flags_flicker_along_one_axis_only():
    rng = np.random.default_rng(0)
    z, y, x = np.indices((20, 30, 30))
    mask = ((((z - 10) / 8) ** 2 + ((y - 15) / 12) ** 2 + ((x - 15) / 12) ** 2) < 1).astype(int)
    real = ndimage.gaussian_filter(rng.normal(size=mask.shape), 2) * 3 + 0.5 * mask
    same = slice_consistency(real, real, mask)
    assert same["ratio"] == pytest.approx([1, 1, 1])
    flicker = real + rng.normal(0, 0.2, (20, 1, 1))  # one offset per slice along axis 0
    ratio = slice_consistency(flicker, real, mask)["ratio"]
    assert ratio[0] > 1.5 and ratio[1:] == pytest.approx([1, 1])
    smooth = slice_consistency(ndimage.gaussian_filter(real, 3), real, mask)["ratio"]
    assert max(smooth) < 1


def test_quality_of_a_2d_run_drawn_as_volumes_reports_each_orientation(pix2pix_run, tmp_path):
    config = QualityConfig.from_dict(
        {
            "synthetic_run": str(pix2pix_run),
            "data": {"source": "sample"},
            "slice_axis": 0,
            "image_size": 32,
            "extractor_steps": 3,
            "device": "cpu",
        }
    )
    report = evaluate_quality(config, tmp_path / "q")
    (volume,) = report["volumes"]
    assert volume["trained_on"]  # it trained on slices of the sample: said, not hidden
    assert len(volume["consistency"]["ratio"]) == 3
    assert set(report["orientations"]) == {"axis 0", "axis 1", "axis 2"}
    assert all(v["slices"] > 10 for v in report["orientations"].values())
    image, _ = load_sample()
    written = nib.load(tmp_path / "q" / volume["file"])
    assert written.shape == image.data.shape and written.get_data_dtype() == image.data.dtype
    np.testing.assert_allclose(written.affine, image.affine, atol=1e-5)
    page = (tmp_path / "q" / "quality.md").read_text()
    assert "slice by slice along axis 0" in page and "not how it generalises" in page
    assert (tmp_path / "q" / "plots" / "slice_consistency.png").stat().st_size > 1000


def test_quality_of_a_3d_run_draws_each_volume_whole_at_its_place(tmp_path):
    config = _config_3d(tmp_path, "pix2pix")
    train(tmp_path / "run", config)
    quality = QualityConfig.from_dict(
        {
            "synthetic_run": str(tmp_path / "run"),
            "data": config.data,
            "image_size": 16,
            "extractor_steps": 3,
            "device": "cpu",
        }
    )
    report = evaluate_quality(quality, tmp_path / "q")
    (volume,) = report["volumes"]
    assert volume["trained_on"]
    assert "whole, by sliding window" in report["samples"]
    written = nib.load(tmp_path / "q" / volume["file"])
    np.testing.assert_allclose(written.affine, AFFINE, atol=1e-5)
    with pytest.raises(InputError, match="3D and draws the volume whole"):
        evaluate_quality(dataclasses.replace(quality, slice_axis=1), tmp_path / "q2")
    assert not (tmp_path / "q2").exists()


def test_neighbour_slices_are_nearest_first_and_repeat_the_end_slice():
    stack = np.arange(5)[:, None, None] * np.ones((5, 2, 2), int)
    picked = neighbour_slices(stack, [0, 2, 4], 2)[:, :, 0, 0]
    np.testing.assert_array_equal(picked, [[0, 0, 1, 2], [1, 0, 3, 4], [3, 2, 4, 4]])


def test_slices_with_context_carry_their_real_neighbours(sample_volumes):
    image, mask = sample_volumes
    settings = SliceSettings(axis=0, step=7, min_foreground=0.05, context=1)
    pairs = PairSet.from_volume(image, mask, (2.0, 2.0, 2.0), "sample", settings)
    assert len(pairs.context) == len(pairs) and pairs.context[0].shape == (2, *pairs.masks[0].shape)
    index = int(pairs.provenance[3].split("slice ")[1].rstrip("]"))
    np.testing.assert_array_equal(pairs.context[3][0], mask[index - 1])
    np.testing.assert_array_equal(pairs.context[3][1], mask[index + 1])
    assert pairs.training_context(32).shape == (len(pairs), 2, 32, 32)


def test_a_context_run_draws_each_slice_from_its_neighbours_too(tmp_path, sample_volumes):
    data = dataclasses.replace(TINY_DATA, context=1)
    train(tmp_path / "run", tiny_config(family="pix2pix", data=data, options={"base_filters": 4}))
    generator = load_generator(tmp_path / "run", device="cpu")
    assert generator.spec.condition_channels == 2 * 3  # two classes × (slice + 2 neighbours)
    _, mask = sample_volumes
    volume = synthesize_volume(generator, mask[40:50], axis=0)
    changed = mask[40:50].copy()
    changed[6] = 0  # a neighbour of slice 5 loses its tissue; slice 5 itself is unchanged
    redrawn = synthesize_volume(generator, changed, axis=0)
    assert not np.array_equal(volume[5], redrawn[5])
    np.testing.assert_array_equal(volume[2], redrawn[2])  # two slices away: untouched
    with pytest.raises(InputError, match="neighbouring mask slices.*mask volume and a slice axis"):
        images_for_masks(generator, mask[45])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spatial_dims": 3}, "3D run sees whole patches"),
        ({"family": "pair-wgan"}, "takes no neighbouring slices"),
    ],
)
def test_context_where_it_cannot_apply_is_refused(tmp_path, changes, message):
    config = tiny_config(data=dataclasses.replace(TINY_DATA, context=1))
    with pytest.raises(InputError, match=message):
        train(tmp_path / "run", config.replace(**changes))
    assert not (tmp_path / "run" / "config.yaml").exists()


def test_context_needs_a_volume_source():
    with pytest.raises(InputError, match="context.*needs a volume"):
        DataConfig(source="folder", path="x", context=1)
