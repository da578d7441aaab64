"""The benchmark's second dataset: the 3D fluorescence-nuclei volume the stardist wheel ships.

``stardist/data/images/img3d.tif`` with its instance labels ``mask3d.tif`` (31 × 61 × 57;
stardist 0.9.2, BSD-3-Clause, (c) Uwe Schmidt and Martin Weigert). The wheel is fetched with
``pip download --no-deps stardist==0.9.2`` (a package registry; nothing is downloaded at
import time), only these two files are read from it (the package's other images are kept for
an independent check), the instances are binarised (nucleus vs background) and both are
written as NIfTI with a nominal 1 mm voxel (the wheel records none), so guard gaps along z
are in slices. Run: ``python benchmarks/nuclei_data.py [folder]`` (default
``benchmarks/data/nuclei``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import tifffile

from napari_gan_augment.data.io import write_nifti

WHEEL = "stardist==0.9.2"
MEMBERS = ("stardist/data/images/img3d.tif", "stardist/data/images/mask3d.tif")
DEFAULT = Path(__file__).parent / "data" / "nuclei"


def prepare(folder: Path = DEFAULT) -> tuple[Path, Path]:
    """Write ``nuclei.nii.gz`` and ``nuclei_seg.nii.gz`` into ``folder`` (once)."""
    image_path, mask_path = folder / "nuclei.nii.gz", folder / "nuclei_seg.nii.gz"
    if image_path.exists() and mask_path.exists():
        return image_path, mask_path
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", WHEEL, "-d", scratch],
            check=True,
        )
        (wheel,) = Path(scratch).glob("stardist-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            image, instances = (tifffile.imread(archive.open(m)) for m in MEMBERS)
    if image.shape != instances.shape or image.ndim != 3:
        raise SystemExit(f"unexpected stardist volumes {image.shape} and {instances.shape}")
    folder.mkdir(parents=True, exist_ok=True)
    affine = np.eye(4)
    write_nifti(image_path, image.astype(np.float32), affine=affine, description="stardist img3d")
    binary = (instances > 0).astype(np.uint8)
    write_nifti(mask_path, binary, affine=affine, description="stardist mask3d > 0")
    return image_path, mask_path


if __name__ == "__main__":
    print(*prepare(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT), sep="\n")
