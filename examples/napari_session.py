"""A scripted napari session: open the sample, train from the Train widget, synthesize
pairs from the Synthesize widget and save a screenshot — the widgets a user clicks, driven
by ``WidgetDriver``.

    python examples/napari_session.py --out session-out            # ~5 min on 2 CPU cores
    xvfb-run -a python examples/napari_session.py --out /tmp/s --tiny   # headless, seconds
"""

from __future__ import annotations

import argparse
from pathlib import Path

import napari

from napari_gan_augment._qt.controller import WidgetDriver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="session-out", help="new folder for runs and the picture")
    parser.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")
    args = parser.parse_args()
    out, tiny = Path(args.out), args.tiny
    out.mkdir(parents=True, exist_ok=True)

    viewer = napari.Viewer()
    viewer.open_sample("napari-gan-augment", "mni152-brain")

    train = WidgetDriver(viewer, "Train generator")
    train.set(data__source="sample", data__step=4 if tiny else 2, family="pix2pix",
              size=32 if tiny else 64, steps=4 if tiny else 600, batch=4 if tiny else 16,
              run_dir=out / "run")  # fmt: skip
    train.press("start")
    status = train.wait_for_job(timeout=3600)
    print(f"training {status}")
    if status != "finished":
        raise SystemExit(1)

    synthesize = WidgetDriver(viewer, "Synthesize pairs")
    synthesize.set(run_dir=out / "run", count=8 if tiny else 32, seed=0)
    before = len(viewer.layers)
    synthesize.press("run")
    print(f"synthesis {synthesize.wait_for_job()}")
    synthesize.wait_until(lambda: len(viewer.layers) >= before + 2, timeout=120)
    print("new layers:", ", ".join(layer.name for layer in viewer.layers[before:]))
    viewer.screenshot(str(out / "session.png"), canvas_only=False)
    print(f"saved {out / 'session.png'}")
    viewer.close()


if __name__ == "__main__":
    main()
