"""Load → train → synthesize → measure → export, from a script and without a viewer.

    python examples/headless_pipeline.py --out pipeline-out          # ~10 min on 2 CPU cores
    python examples/headless_pipeline.py --out /tmp/p --tiny         # seconds (what the tests run)

It trains pix2pix (mask → image) on the bundled MNI152 sample, draws synthetic pairs, runs
the quality check (FD/KID on in-domain features, mask fidelity, near-copies) and exports the
run as a MONAI bundle whose eval_metrics hold those numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from napari_gan_augment import api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="pipeline-out", help="new folder for everything")
    parser.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    out, tiny = Path(args.out), args.tiny

    # 1. data: every 2nd axial slice of the sample with at least 5 % tissue
    data = api.DataConfig(source="sample", axis=0, step=4 if tiny else 2, min_foreground=0.05)
    # 2. train
    config = api.TrainConfig(
        family="pix2pix", data=data, image_size=32 if tiny else 64, steps=4 if tiny else 1500,
        batch_size=4 if tiny else 16, options={"base_filters": 4 if tiny else 32},
        device=args.device, sample_every=2 if tiny else 250,
    )  # fmt: skip
    summary = api.train(out / "run", config)
    print(f"trained {summary['step']} steps in {summary['seconds']:.0f} s")
    # 3. synthesize: images for randomly deformed training masks
    images, masks = api.synthesize(out / "run", count=8 if tiny else 64, seed=0)
    print(f"drew {len(images)} pairs of {images.shape[1:]} px")
    # 4. measure: quality of the run's pairs against the real ones
    quality = api.QualityConfig(
        data=data, synthetic_run=str(out / "run"), count=12 if tiny else 400,
        image_size=config.image_size, extractor_steps=5 if tiny else 300,
        segmenter_epochs=1 if tiny else 30, device=args.device,
    )  # fmt: skip
    report = api.evaluate_quality(quality, out / "quality")
    print(f"FD-AE of the images: {report['distances']['images']['FD-AE']:.2f}")
    # 5. share: a MONAI bundle with the quality numbers as its evidence
    bundle = api.export_bundle(out / "run", out / "bundle", evidence=[out / "quality"])
    print(f"exported {bundle}; run it with: python -m monai.bundle run --config_file "
          f"{bundle}/configs/inference.json --bundle_root {bundle} "
          "--dataset_dir MASK_FOLDER")  # fmt: skip


if __name__ == "__main__":
    main()
