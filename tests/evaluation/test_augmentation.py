from __future__ import annotations

import numpy as np

from napari_gan_augment.evaluation.augmentation import augment_batch, standard_augmentation


def _batch() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:64, :64]
    labels = np.zeros((4, 64, 64), np.int64)
    labels[:, 20:44, 16:40] = 1
    labels[:, 28:36, 24:32] = 2
    images = (labels[:, None] * 0.6 - 0.8 + 0.01 * (yy + xx)[None, None]).astype(np.float32)
    return images, labels


def test_augmentation_moves_images_and_labels_together_and_keeps_labels_integer() -> None:
    images, labels = _batch()
    moved_images, moved_labels = augment_batch(standard_augmentation(64, 0), images, labels)
    assert moved_images.shape == images.shape and moved_labels.shape == labels.shape
    assert set(np.unique(moved_labels)) <= {0, 1, 2}  # nearest: no new label values
    assert not np.array_equal(moved_labels, labels) and not np.allclose(moved_images, images)
    # the object moved with its label: bright pixels sit where label 2 went
    assert (
        moved_images[:, 0][moved_labels == 2].mean() > moved_images[:, 0][moved_labels == 0].mean()
    )


def test_augmentation_is_seeded() -> None:
    images, labels = _batch()
    first = augment_batch(standard_augmentation(64, 5), images, labels)
    again = augment_batch(standard_augmentation(64, 5), images, labels)
    other = augment_batch(standard_augmentation(64, 6), images, labels)
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_allclose(first[0], again[0])
    assert not np.array_equal(first[1], other[1])


def test_augmentation_settings_switch_transforms_and_flip() -> None:
    from napari_gan_augment.evaluation.augmentation import AugmentationSettings

    images, labels = _batch()
    off = AugmentationSettings(intensity_shift=0, intensity_scale=0, translate_px=0, elastic_px=0)
    same = augment_batch(standard_augmentation(64, 0, off), images, labels)
    np.testing.assert_array_equal(same[1], labels)
    np.testing.assert_allclose(same[0], images)
    flips = augment_batch(
        standard_augmentation(
            64,
            1,
            AugmentationSettings(
                intensity_shift=0, intensity_scale=0, translate_px=0, elastic_px=0, flip=True
            ),
        ),
        images,
        labels,
    )
    flipped = [np.array_equal(f, np.fliplr(lab)) for f, lab in zip(flips[1], labels, strict=True)]
    unchanged = [np.array_equal(f, lab) for f, lab in zip(flips[1], labels, strict=True)]
    assert all(a or b for a, b in zip(flipped, unchanged, strict=True)) and any(flipped)


def test_experiment_config_reads_augmentation_settings() -> None:
    import pytest

    from napari_gan_augment.errors import InputError
    from napari_gan_augment.evaluation.experiment import ExperimentConfig

    config = ExperimentConfig.from_dict({"arms": ["real"], "augmentation": {"flip": True}})
    assert config.augmentation.flip and config.augmentation.translate_px == 10
    with pytest.raises(InputError, match="unknown experiment setting .augmentation.rotate.; known"):
        ExperimentConfig.from_dict({"arms": ["real"], "augmentation": {"rotate": 5}})


def test_3d_augmentation_moves_patches_and_labels_together_by_about_the_set_distance() -> None:
    from napari_gan_augment.evaluation.augmentation import AugmentationSettings

    size = 32
    ramp = np.broadcast_to(np.arange(size, dtype=np.float32)[:, None, None], (size,) * 3)
    images = np.repeat(ramp[None, None], 6, axis=0).copy()
    labels = np.zeros((6, size, size, size), np.int64)
    labels[:, 10:22, 8:24, 9:23] = 1
    elastic = AugmentationSettings(intensity_shift=0, intensity_scale=0, translate_px=0)
    moved, moved_labels = augment_batch(standard_augmentation(size, 0, elastic, 3), images, labels)
    assert moved.shape == images.shape and set(np.unique(moved_labels)) <= {0, 1}
    # the ramp's value is the first coordinate: its change is how far voxels moved that way
    inner = (slice(None), 0, *(slice(6, -6),) * 3)
    shift = np.percentile(np.abs(moved - images)[inner].reshape(6, -1), 95, axis=1)
    target = elastic.elastic_px * size / 256
    assert shift.max() < 1.5 * target and shift.max() > 0.3 * target
    assert not np.array_equal(moved_labels, labels)
    again = augment_batch(standard_augmentation(size, 0, elastic, 3), images, labels)
    np.testing.assert_array_equal(again[1], moved_labels)


def test_flips_are_refused_for_volumes() -> None:
    import pytest

    from napari_gan_augment.errors import InputError
    from napari_gan_augment.evaluation.augmentation import AugmentationSettings

    with pytest.raises(InputError, match="left–right"):
        standard_augmentation(32, 0, AugmentationSettings(flip=True), 3)
