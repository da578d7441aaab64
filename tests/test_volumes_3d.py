"""3D families on volumes: patches, training, sliding-window synthesis, NIfTI geometry."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch

from napari_gan_augment.api import generate_to_folder, images_from_mask_folder
from napari_gan_augment.config import DataConfig, SynthesisConfig, TrainConfig
from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.io import read_nifti, write_raster
from napari_gan_augment.data.sources import volumes_from_config
from napari_gan_augment.errors import InputError
from napari_gan_augment.models.diffaugment import DiffAugment
from napari_gan_augment.synthesis import load_generator, synthesize_volume
from napari_gan_augment.training import train

from .conftest import tiny_config

SHAPE = (22, 26, 24)
SPACING = (2.5, 0.9, 0.8)
# rotated about the first axis and shifted: the output must keep all of it, not just the zooms
ANGLE = np.deg2rad(20)
AFFINE = np.array(
    [
        [SPACING[0], 0, 0, -31.0],
        [0, SPACING[1] * np.cos(ANGLE), -SPACING[2] * np.sin(ANGLE), 12.5],
        [0, SPACING[1] * np.sin(ANGLE), SPACING[2] * np.cos(ANGLE), 40.0],
        [0, 0, 0, 1],
    ]
)


def _volume_pair(root: Path) -> tuple[Path, Path]:
    """A bright ellipsoid (label 1) with a brighter core (label 2) in noise."""
    rng = np.random.default_rng(0)
    z, y, x = np.indices(SHAPE)
    radius = ((z - 11) / 8) ** 2 + ((y - 13) / 9) ** 2 + ((x - 12) / 8) ** 2
    mask = np.where(radius < 0.25, 2, np.where(radius < 1, 1, 0)).astype(np.uint8)
    image = (100 * mask + rng.normal(0, 10, SHAPE)).astype(np.float32)
    image_path, mask_path = root / "ct.nii.gz", root / "ct_seg.nii.gz"
    nib.save(nib.Nifti1Image(image, AFFINE), image_path)
    nib.save(nib.Nifti1Image(mask, AFFINE), mask_path)
    return image_path, mask_path


def _config_3d(root: Path, family: str, **changes: object) -> TrainConfig:
    image, mask = _volume_pair(root)
    options = {"base_filters": 4} | ({"critic_steps": 1} if family == "pair-wgan" else {})
    return tiny_config(
        family=family,
        data=DataConfig(source="volume", path=str(image), mask_path=str(mask)),
        image_size=16,
        spatial_dims=3,
        patches=8,
        batch_size=2,
        options=options,
    ).replace(**changes)


@pytest.fixture(scope="module")
def pix2pix_3d(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pix2pix3d")
    config = _config_3d(root, "pix2pix")
    assert train(root / "run", config)["status"] == "finished"
    return root / "run", Path(config.data.mask_path or "")


def test_patches_are_cubes_of_the_volume_half_of_them_on_foreground(tmp_path):
    config = _config_3d(tmp_path, "pix2pix", patches=40)
    volumes = volumes_from_config(config.data, config.patches, config.seed)
    assert volumes.spacing == pytest.approx(SPACING, rel=1e-5)
    images, masks = volumes.training_arrays(16, volumes.fit_normaliser())
    assert images.shape == (40, 1, 16, 16, 16) and masks.shape == (40, 16, 16, 16)
    # RandCropByPosNegLabel centres half the patches on a foreground voxel
    centres = masks[:, 8, 8, 8]
    assert (centres > 0).sum() >= 20
    assert set(np.unique(masks)) <= {0, 1, 2}


def test_a_3d_mask_to_image_run_draws_a_whole_volume_with_the_mask_files_geometry(
    pix2pix_3d, tmp_path
):
    run, mask_path = pix2pix_3d
    written = images_from_mask_folder(run, mask_path, tmp_path / "out", device="cpu")
    assert written == 1
    out = tmp_path / "out" / "ct_seg_synthetic.nii.gz"
    made, source = nib.load(out), nib.load(mask_path)
    assert made.shape == SHAPE
    np.testing.assert_allclose(made.affine, source.affine, atol=1e-5)  # origin and rotation
    assert made.header.get_zooms() == pytest.approx(SPACING, rel=1e-5)
    assert b"synthetic pix2pix" in made.header["descrip"].tobytes()
    volume = read_nifti(out)
    assert volume.origin == pytest.approx((-31.0, 12.5, 40.0))
    assert np.isfinite(volume.data).all()


def test_sliding_window_equals_direct_inference_where_a_patch_covers_the_volume(pix2pix_3d):
    run, mask_path = pix2pix_3d
    generator = load_generator(run, device="cpu")
    mask = np.asarray(nib.load(mask_path).dataobj)[3:19, 5:21, 4:20].astype(np.int64)
    windowed = synthesize_volume(generator, mask)
    with torch.no_grad():
        direct = generator.model.translate(torch.from_numpy(encode_masks(mask[None], 3)))
    expected = generator.normaliser.inverse(direct[0, 0].numpy())
    np.testing.assert_allclose(windowed, expected, rtol=1e-4, atol=1e-3)
    # a volume smaller than a patch is padded with background and cropped back
    assert synthesize_volume(generator, mask[:10, :12, :9]).shape == (10, 12, 9)


def test_a_3d_noise_pair_run_writes_patch_pairs_with_the_source_spacing(tmp_path):
    config = _config_3d(tmp_path, "pair-wgan")
    assert train(tmp_path / "run", config)["status"] == "finished"
    settings = SynthesisConfig(count=3, device="cpu")
    assert generate_to_folder(tmp_path / "run", tmp_path / "pairs", settings) == 3
    image = nib.load(tmp_path / "pairs" / "images" / "pair_00002.nii.gz")
    mask = nib.load(tmp_path / "pairs" / "masks" / "pair_00002_mask.nii.gz")
    assert image.shape == mask.shape == (16, 16, 16)
    assert image.header.get_zooms() == pytest.approx(SPACING, rel=1e-5)
    assert set(np.unique(np.asarray(mask.dataobj))) <= {0, 1, 2}
    with pytest.raises(InputError, match="PNG holds 2D"):
        generate_to_folder(tmp_path / "run", tmp_path / "png", settings, fmt="png")


def test_a_2d_run_asked_for_a_volume_without_a_slice_axis_says_which_it_trained_on(
    pix2pix_run,
):
    generator = load_generator(pix2pix_run, device="cpu")
    with pytest.raises(
        InputError, match=r"2D.*name the slice axis.*trained on slices along axis 0"
    ):
        synthesize_volume(generator, np.zeros((8, 8, 8), np.uint8))


def test_a_patch_larger_than_the_volume_is_refused_before_anything_is_written(tmp_path):
    config = _config_3d(tmp_path, "pix2pix", image_size=32)
    with pytest.raises(InputError, match=r"32³ patch does not fit.*at most 22"):
        train(tmp_path / "run", config)
    assert not (tmp_path / "run" / "config.yaml").exists()


def test_a_family_written_for_2d_only_refuses_3d_and_says_what_to_do(tmp_path):
    config = _config_3d(tmp_path, "fastgan", options={})
    with pytest.raises(InputError, match="written for 2D.*slices"):
        train(tmp_path / "run", config)


def test_a_nifti_whose_spacing_header_disagrees_with_its_affine_is_refused(tmp_path):
    image = nib.Nifti1Image(np.zeros((4, 5, 6), np.float32), np.diag([2.0, 2.0, 2.0, 1.0]))
    image.header.set_zooms((1.0, 1.0, 3.0))  # pixdim says otherwise; the sform stays
    image.set_sform(np.diag([2.0, 2.0, 2.0, 1.0]), code=2)
    path = tmp_path / "odd.nii.gz"
    nib.save(image, path)
    with pytest.raises(InputError, match="disagrees with its affine"):
        read_nifti(path)


def test_3d_training_needs_a_volume_source(tmp_path):
    with pytest.raises(InputError, match="3D training needs volumes"):
        volumes_from_config(DataConfig(source="pairs", path=str(tmp_path / "pairs.npz")))
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
        write_raster(tmp_path / folder / "a.png", np.eye(8, dtype=np.uint8))
    with pytest.raises(InputError, match="a.png"):
        volumes_from_config(DataConfig(source="folder", path=str(tmp_path)))


def test_diffaugment_moves_image_and_mask_channels_of_a_volume_together():
    augment = DiffAugment("translation,cutout", image_channels=1, seed=1)
    volume = torch.rand(3, 1, 12, 10, 8)
    moved = augment(torch.cat([volume, volume], 1))
    assert moved.shape == (3, 2, 12, 10, 8)
    assert torch.equal(moved[:, 0], moved[:, 1])
    assert not torch.equal(moved[:, :1], volume)
