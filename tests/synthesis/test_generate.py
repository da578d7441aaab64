from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from napari_gan_augment.api import synthesize
from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.errors import CheckpointError, InputError
from napari_gan_augment.synthesis import iter_synthesis, load_generator, write_pairs


def test_same_seed_same_pairs_and_dtype(trained_run: Path) -> None:
    images, masks = synthesize(trained_run, count=5, seed=7, device="cpu")
    again, again_masks = synthesize(trained_run, count=5, seed=7, device="cpu")
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(masks, again_masks)
    assert images.shape == (5, 32, 32) and masks.shape == (5, 32, 32)
    assert images.dtype == np.uint8  # the sample's dtype comes back
    assert set(np.unique(masks)) <= {0, 1, 2}
    other, _ = synthesize(trained_run, count=5, seed=8, device="cpu")
    assert not np.array_equal(images, other)


def test_pairs_do_not_depend_on_batch_size_or_count(trained_run: Path) -> None:
    generator = load_generator(trained_run, device="cpu")
    small = np.concatenate([b.images for b in iter_synthesis(generator, 7, 3, batch_size=2)])
    large = np.concatenate([b.images for b in iter_synthesis(generator, 10, 3, batch_size=10)])
    np.testing.assert_array_equal(small, large[:7])


def test_intensities_in_source_range(trained_run: Path) -> None:
    generator = load_generator(trained_run, device="cpu")
    images, _ = synthesize(trained_run, count=8, seed=0, device="cpu")
    assert images.min() >= generator.normaliser.low
    assert images.max() <= generator.normaliser.high


@pytest.mark.parametrize("fmt", ["nii.gz", "tif", "png"])
def test_written_pairs_read_back_as_a_folder(trained_run: Path, tmp_path: Path, fmt: str) -> None:
    generator = load_generator(trained_run, device="cpu")
    count = write_pairs(
        iter_synthesis(generator, 5, 1, batch_size=2), tmp_path, fmt, generator.spacing
    )
    assert count == 5
    _, masks = synthesize(trained_run, count=5, seed=1, device="cpu")
    assert masks.any()
    pairs = PairSet.from_folder(tmp_path)
    assert len(pairs) == 5
    for written, expected in zip(pairs.masks, masks, strict=True):
        np.testing.assert_array_equal(written, expected)
    names = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert names[0] == f"pair_00000.{fmt}"


def test_refuses_to_overwrite_existing_output(trained_run: Path, tmp_path: Path) -> None:
    generator = load_generator(trained_run, device="cpu")
    write_pairs(iter_synthesis(generator, 2, 0), tmp_path)
    before = sorted((tmp_path / "images").iterdir())
    with pytest.raises(InputError, match="already holds files"):
        write_pairs(iter_synthesis(generator, 2, 9), tmp_path)
    assert sorted((tmp_path / "images").iterdir()) == before


@pytest.mark.parametrize("count", [0, -3])
def test_bad_counts(trained_run: Path, count: int) -> None:
    with pytest.raises(InputError, match="positive"):
        synthesize(trained_run, count=count)


def test_missing_checkpoint(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with pytest.raises(CheckpointError, match="does not exist"):
        load_generator(tmp_path / "run")
    with pytest.raises(CheckpointError, match="neither a run directory"):
        load_generator(tmp_path / "nowhere")


def test_memory_does_not_grow_with_count(trained_run: Path) -> None:
    generator = load_generator(trained_run, device="cpu")
    sizes = [b.images.nbytes for b in iter_synthesis(generator, 50, 0, batch_size=8)]
    assert max(sizes) == 8 * 32 * 32  # one batch at a time, never the whole set
