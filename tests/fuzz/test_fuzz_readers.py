"""Damaged NIfTI, TIFF and PNG files (truncated, bytes overwritten, random headers): the
reader returns an array or says in one line that the file cannot be read — never another
exception, never a hang."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
import tifffile
from hypothesis import given
from hypothesis import strategies as st
from skimage import io as skio

from napari_gan_augment.data.io import Volume, read_image_file
from napari_gan_augment.errors import InputError


def _valid_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (12, 10), dtype=np.uint8)
    volume = rng.normal(size=(6, 5, 4)).astype(np.float32)
    files: dict[str, bytes] = {}
    for suffix, data in ((".nii", volume), (".nii.gz", image)):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"x{suffix}"
            nib.save(nib.Nifti1Image(data, np.diag([0.5, 0.5, 2.0, 1.0])), str(path))
            files[suffix] = path.read_bytes()
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, volume)
    files[".tif"] = buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.png"
        skio.imsave(str(path), image, check_contrast=False)
        files[".png"] = path.read_bytes()
    return files


VALID = _valid_files()


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(sorted(VALID)))
    content = bytearray(VALID[suffix])
    damage = draw(st.sampled_from(["truncate", "overwrite", "header", "random"]))
    if damage == "truncate":
        content = content[: draw(st.integers(0, len(content) - 1))]
    elif damage in ("overwrite", "header"):  # "header": the first 352 bytes (NIfTI's header)
        end = min(len(content), 352) if damage == "header" else len(content)
        for _ in range(draw(st.integers(1, 8))):
            content[draw(st.integers(0, end - 1))] = draw(st.integers(0, 255))
    else:
        content = bytearray(draw(st.binary(max_size=600)))
    return suffix, bytes(content)


@given(damaged_files())
def test_damaged_files_read_or_fail_in_one_line(case: tuple[str, bytes]) -> None:
    suffix, content = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"damaged{suffix}"
        path.write_bytes(content)
        try:
            volume = read_image_file(path)
        except InputError as exc:
            assert "\n" not in str(exc) and path.name in str(exc)
            return
        assert isinstance(volume, Volume) and isinstance(volume.data, np.ndarray)
        assert len(volume.spacing) == volume.data.ndim == len(volume.origin)
        assert path.read_bytes() == content  # reading never writes
