"""Regenerate the bundled sample from the MNI ICBM152 2009a template that nilearn ships.

Run: ``python scripts/make_sample_data.py`` (needs ``pip install nilearn``; no download).

What it does, so the sample is reproducible and honest about its origin:
- takes the T1 template and the grey- and white-matter probability maps (197×233×189, 1 mm),
- downsamples by 2 (block mean) to 2 mm voxels,
- probability maps are stored as 0–255 by nilearn; they are rescaled to 0–1,
- labels: 1 = grey matter, 2 = white matter where that tissue's probability is ≥ 0.5
  (at most one can be, as the maps sum to ≤ 1),
- reorders axes to (z, y, x) with anterior at the top, so napari's first slider steps through
  axial slices and each slice displays upright,
- rescales T1 to uint8 (0–255) to keep the file small.
"""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
from skimage.transform import downscale_local_mean

OUT = Path(__file__).resolve().parents[1] / "src" / "napari_gan_augment" / "sample_data"
NAMES = {
    "t1": "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz",
    "gm": "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz",
    "wm": "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz",
}


def _load(name: str) -> np.ndarray:
    import nilearn

    path = Path(nilearn.__file__).parent / "datasets" / "data" / NAMES[name]
    return np.asarray(nib.load(str(path)).get_fdata(), dtype=np.float32)


def _to_display_order(volume: np.ndarray) -> np.ndarray:
    # (x, y, z) RAS → (z, y, x) with y flipped so anterior is the top row in napari.
    return np.ascontiguousarray(np.transpose(volume, (2, 1, 0))[:, ::-1, :])


def main() -> None:
    t1 = downscale_local_mean(_load("t1"), (2, 2, 2))
    # nilearn's "converted" maps store probabilities scaled to 0–255.
    gm = downscale_local_mean(_load("gm"), (2, 2, 2)) / 255.0
    wm = downscale_local_mean(_load("wm"), (2, 2, 2)) / 255.0
    labels = np.zeros(t1.shape, np.uint8)
    labels[gm >= 0.5] = 1
    labels[wm >= 0.5] = 2
    t1_u8 = np.clip(np.rint(t1 / np.percentile(t1, 99.9) * 255), 0, 255).astype(np.uint8)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    OUT.mkdir(parents=True, exist_ok=True)
    for data, name in ((t1_u8, "mni152_t1_2mm.nii.gz"), (labels, "mni152_tissue_2mm_seg.nii.gz")):
        image = nib.Nifti1Image(_to_display_order(data), affine)
        if data.dtype == np.uint8 and name.endswith("_seg.nii.gz"):
            image.header.set_intent("label")
        nib.save(image, str(OUT / name))
        print(f"wrote {OUT / name} {image.shape}")


if __name__ == "__main__":
    main()
