"""The widgets in a real napari viewer (needs a display: run under xvfb-run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from npe2 import PluginManifest

from napari_gan_augment._qt.synthesize_widget import SynthesizeWidget
from napari_gan_augment._qt.train_widget import TrainWidget
from napari_gan_augment.jobs import attach
from napari_gan_augment.synthesis import load_generator
from napari_gan_augment.training import RunDirectory

from ..conftest import tiny_config
from .conftest import assert_in_view


@pytest.fixture
def viewer_with_sample(make_napari_viewer, sample_volumes):
    viewer = make_napari_viewer()
    image, labels = sample_volumes
    viewer.add_image(image[::4], name="t1", scale=(8, 2, 2))
    viewer.add_labels(labels[::4], name="tissue", scale=(8, 2, 2))
    return viewer


def _wait_for_job(qtbot, widget, timeout: int = 180_000) -> tuple:
    """Wait for the job a Train/Evaluate/Quality widget follows; returns (job, status, msg)."""
    ended: list[tuple] = []
    widget.job.finished.connect(lambda *outcome: ended.append(outcome))
    qtbot.waitUntil(lambda: bool(ended), timeout=timeout)
    return ended[0]


def test_train_from_layers_in_a_child_process(viewer_with_sample, qtbot, tmp_path: Path):
    viewer = viewer_with_sample
    image_before = viewer.layers["t1"].data.copy()
    labels_before = viewer.layers["tissue"].data.copy()
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._data.image_layer.value = viewer.layers["t1"]
    widget._data.labels_layer.value = viewer.layers["tissue"]
    widget._size.value = 32
    widget._steps.value = 6
    widget._batch.value = 4
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "run"
    widget._start_button.clicked.emit()
    assert widget.job.job is not None and widget._stop_button.enabled
    _wait_for_job(qtbot, widget)

    events = RunDirectory(tmp_path / "run").read_events()
    assert events[-1]["event"] == "end" and events[-1]["status"] == "finished"
    assert widget._progress.value == 6
    plot = widget._loss_plot  # every step's losses drawn, one curve per loss
    qtbot.waitUntil(lambda: len(plot.drawn()) >= 2 and len(plot.drawn()["loss_critic"][0]) == 6)
    for steps, values in plot.drawn().values():
        assert list(steps) == [1, 2, 3, 4, 5, 6] and np.isfinite(values).all()
    # the latest grid goes up on a later event-loop turn than the loss curves
    qtbot.waitUntil(lambda: "run preview" in viewer.layers)
    preview = viewer.layers["run preview"]
    qtbot.waitUntil(lambda: preview.metadata["step"] == 6)
    assert preview.rgb
    assert_in_view(viewer, preview)  # beside the brain, framed without pressing Home
    assert preview.translate[-1] > viewer.layers["t1"].extent.world[1][-1]  # not on top of it
    assert widget._start_button.enabled and not widget._stop_button.enabled
    np.testing.assert_array_equal(viewer.layers["t1"].data, image_before)
    np.testing.assert_array_equal(viewer.layers["tissue"].data, labels_before)
    assert (tmp_path / "run" / "pairs.npz").exists()


def test_stop_then_resume(viewer_with_sample, qtbot, tmp_path: Path):
    viewer = viewer_with_sample
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._data.source.value = "sample"
    widget._size.value = 32
    widget._steps.value = 100_000
    widget._batch.value = 2
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "run"
    widget._start_button.clicked.emit()
    qtbot.waitUntil(lambda: widget._progress.value >= 3, timeout=120_000)
    widget._stop_button.clicked.emit()
    _wait_for_job(qtbot, widget)
    stopped = RunDirectory(tmp_path / "run").read_events()[-1]
    assert stopped["status"] == "stopped"

    widget._steps.value = stopped["step"] + 3
    widget._resume_button.clicked.emit()
    _wait_for_job(qtbot, widget)
    final = RunDirectory(tmp_path / "run").read_events()[-1]
    assert final["status"] == "finished" and final["step"] == stopped["step"] + 3
    logged = [
        e["step"] for e in RunDirectory(tmp_path / "run").read_events() if e["event"] == "step"
    ]
    assert min(logged) <= stopped["step"] < max(logged)  # losses of both sessions were logged
    qtbot.waitUntil(lambda: list(widget._loss_plot.drawn()["loss_critic"][0]) == logged)


def test_attach_to_a_job_started_elsewhere_and_stop_it_when_the_viewer_closes(
    make_napari_viewer, qtbot, tmp_path: Path
):
    config, run_dir = tmp_path / "c.yaml", tmp_path / "run"
    tiny_config(steps=100_000, sample_every=1000).save(config)
    command = [sys.executable, "-m", "napari_gan_augment.cli", "train"]
    terminal = subprocess.Popen(command + ["--config", str(config), "--run-dir", str(run_dir)])
    try:
        qtbot.waitUntil(lambda: attach(run_dir) is not None, timeout=120_000)
        viewer = make_napari_viewer()
        widget = TrainWidget(viewer)
        viewer.window.add_dock_widget(widget)
        widget._run_dir.value = run_dir  # choosing the directory attaches
        assert widget.job.job is not None and widget.job.job.pid == terminal.pid
        assert widget._stop_button.enabled and not widget._start_button.enabled
        qtbot.waitUntil(lambda: widget._progress.value >= 2, timeout=120_000)

        widget.job.ask = lambda parent, job: "cancel"
        assert not widget.job.allow_close(widget.native)  # the viewer stays, the job runs on
        assert terminal.poll() is None
        widget.job.ask = lambda parent, job: "stop"
        viewer.close()
        assert terminal.wait(timeout=60) == 0
    finally:
        terminal.kill()
    assert RunDirectory(run_dir).read_events()[-1]["status"] == "stopped"


def test_bad_layers_show_an_error_and_start_nothing(make_napari_viewer, tmp_path: Path):
    viewer = make_napari_viewer()
    viewer.add_image(np.random.rand(40, 40).astype(np.float32), name="img")
    viewer.add_labels(np.zeros((40, 30), np.uint8), name="lab")
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._run_dir.value = tmp_path / "run"
    widget._start_button.clicked.emit()
    assert widget.job.job is None
    assert not (tmp_path / "run").exists()


def test_precision_and_compile_reach_the_run_config(make_napari_viewer):
    widget = TrainWidget(make_napari_viewer())
    widget._data.source.value = "sample"
    assert (widget.build_config().precision, widget.build_config().compile) == ("auto", False)
    widget._precision.value = "amp"
    widget._compile.value = True
    config = widget.build_config()
    assert (config.precision, config.compile) == ("amp", True)
    assert "fp16" in widget._precision.tooltip and "torch.compile" in widget._compile.tooltip


def test_guidance_is_offered_for_pix2pix_only_and_reaches_the_run_config(make_napari_viewer):
    widget = TrainWidget(make_napari_viewer())
    widget._data.source.value = "sample"
    widget._family.value = "pair-wgan"
    assert widget._guidance.native.isHidden() and widget.build_config().guidance == "none"
    widget._family.value = "pix2pix"
    assert not widget._guidance.native.isHidden()
    widget._guidance.value = "segmentation"
    assert widget.build_config().guidance == "segmentation"
    assert "GenSeg" in widget._guidance.tooltip
    widget._family.value = "fastgan"  # a family that cannot take it drops it
    assert widget.build_config().guidance == "none"


def _cli(*arguments) -> None:
    from napari_gan_augment.cli import main

    assert main([str(a) for a in arguments]) == 0


def _read(path: Path) -> np.ndarray:
    from napari_gan_augment.data.io import read_image_file

    return read_image_file(path).data


def _synthesize(widget: SynthesizeWidget, qtbot) -> None:
    """Click Synthesize and wait for the job to end and its layers to be added."""
    widget._run_button.clicked.emit()
    assert not widget._run_button.enabled, widget._status.value  # a job started
    qtbot.waitUntil(lambda: widget._run_button.enabled, timeout=180_000)


def test_synthesize_adds_new_layers(make_napari_viewer, qtbot, trained_run: Path, tmp_path):
    viewer = make_napari_viewer()
    brain = viewer.add_image(np.zeros((40, 90, 110), np.float32), scale=(2, 2, 2), name="brain")
    viewer.dims.set_point(0, 60)  # the user looks at a slice the 5 new pairs do not reach
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._run_dir.value = trained_run
    assert "last.pt" in widget._checkpoint.choices
    widget._count.value = 5
    widget._seed.value = 3
    widget._device.value = "cpu"
    _synthesize(widget, qtbot)
    images = viewer.layers["tiny seed 3 images"]
    masks = viewer.layers["tiny seed 3 masks"]
    # the pairs have a slider of their own (axis 0, "pair"): the brain's stays at 60
    assert images.data.shape == masks.data.shape == (5, 1, 32, 32)
    assert viewer.dims.axis_labels[0] == "pair" and viewer.dims.point[1] == 60
    assert masks.metadata["seed"] == 3 and masks.metadata["family"] == "pair-wgan"
    assert images.metadata["checkpoint"].endswith("last.pt")
    assert widget._progress.value == 5
    assert_in_view(viewer, images)
    assert images.extent.world[0][-1] > brain.extent.world[1][-1]  # beside, not on top
    for pair, brain_slice in ((3, 60), (3, 0), (1, 78)):  # browsing one never moves the other
        viewer.dims.set_point(0, pair)
        viewer.dims.set_point(1, brain_slice)
        np.testing.assert_array_equal(images._slice.image.raw, images.data[pair, 0])
        assert brain._slice.image.raw.shape == (90, 110)
    # the CLI twin draws the same pairs
    _cli("generate", "--run-dir", trained_run, "--count", 5, "--seed", 3, "--device", "cpu",
         "--out", tmp_path / "cli")  # fmt: skip
    files = sorted((tmp_path / "cli" / "images").iterdir())
    mask_files = sorted((tmp_path / "cli" / "masks").iterdir())
    np.testing.assert_array_equal(np.stack([_read(f) for f in files]), images.data[:, 0])
    np.testing.assert_array_equal(np.stack([_read(f) for f in mask_files]), masks.data[:, 0])


def test_synthesis_is_a_job_that_cancel_stops(make_napari_viewer, qtbot, trained_run: Path):
    viewer = make_napari_viewer()
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._run_dir.value = trained_run
    widget._count.value = 100_000  # minutes of work: the cancel must cut it short
    widget._device.value = "cpu"
    widget._run_button.clicked.emit()
    job = widget.job.job
    assert job is not None and job.process is not None and job.process.pid != os.getpid()
    qtbot.waitUntil(lambda: widget._progress.value > 0, timeout=120_000)
    widget._cancel_button.clicked.emit()
    qtbot.waitUntil(lambda: widget._run_button.enabled, timeout=60_000)
    assert widget._status.value == "cancelled" and len(viewer.layers) == 0
    assert job.outcome()[0] == "stopped"
    assert (job.root / "INCOMPLETE").exists() and not (job.root / "images.npy").exists()


def test_a_worker_error_is_shown_once_without_a_traceback(
    make_napari_viewer, qtbot, tmp_path: Path
):
    from napari.utils.notifications import ErrorNotification, notification_manager

    viewer = make_napari_viewer()
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._run_dir.value = tmp_path / "not-a-run"
    before = len(notification_manager.records)
    widget._run_button.clicked.emit()
    qtbot.waitUntil(lambda: widget._run_button.enabled, timeout=60_000)
    new = notification_manager.records[before:]
    assert len(new) == 1 and not isinstance(new[0], ErrorNotification), new
    assert "not-a-run" in new[0].message and "Traceback" not in new[0].message
    assert widget._status.value.startswith("failed") and widget._run_button.enabled
    assert len(viewer.layers) == 0


def test_a_missing_folder_is_refused_before_a_job_starts(make_napari_viewer, tmp_path: Path):
    from napari.utils.notifications import notification_manager

    viewer = make_napari_viewer()
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._data.source.value = "folder"
    widget._data.folder.value = tmp_path / "no-such-folder"
    widget._run_dir.value = tmp_path / "run"
    before = len(notification_manager.records)
    widget._start_button.clicked.emit()
    assert widget.job.job is None and not (tmp_path / "run").exists()
    (shown,) = notification_manager.records[before:]
    assert "no-such-folder/images does not exist" in shown.message


def test_a_failing_job_reports_its_error_once(make_napari_viewer, qtbot, tmp_path: Path):
    from napari.utils.notifications import notification_manager

    folder = tmp_path / "pairs"
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    (folder / "images" / "a.png").write_bytes(b"not a png")  # found, but corrupt
    (folder / "masks" / "a.png").write_bytes(b"not a png")
    viewer = make_napari_viewer()
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._data.source.value = "folder"
    widget._data.folder.value = folder
    widget._run_dir.value = tmp_path / "run"
    before = len(notification_manager.records)
    widget._start_button.clicked.emit()
    job, status, message = _wait_for_job(qtbot, widget)
    assert status == "error" and "a.png" in message and message == widget._status.value
    assert [r.message for r in notification_manager.records[before:]] == [message]
    assert widget._start_button.enabled and not widget._stop_button.enabled


def test_viewer_opens_nifti_and_sample_through_the_plugin(make_napari_viewer, tmp_path: Path):
    from napari_gan_augment.data.io import write_nifti

    viewer = make_napari_viewer()
    data = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    write_nifti(tmp_path / "ct.nii.gz", data, (2.0, 0.5, 0.5), (1.0, 2.0, 3.0))
    write_nifti(tmp_path / "ct_seg.nii.gz", (data > 60).astype(np.uint8), (2.0, 0.5, 0.5))
    [image] = viewer.open(str(tmp_path / "ct.nii.gz"), plugin="napari-gan-augment")
    [labels] = viewer.open(str(tmp_path / "ct_seg.nii.gz"), plugin="napari-gan-augment")
    assert image._type_string == "image" and labels._type_string == "labels"
    np.testing.assert_allclose(image.scale, (2.0, 0.5, 0.5))
    np.testing.assert_allclose(image.translate, (1.0, 2.0, 3.0))
    np.testing.assert_array_equal(image.data, data)
    viewer.open_sample("napari-gan-augment", "mni152-brain")
    assert "MNI152 T1" in viewer.layers and "MNI152 tissue" in viewer.layers
    assert viewer.layers["MNI152 tissue"]._type_string == "labels"


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from napari_gan_augment.training import train

    from ..conftest import tiny_config

    run_dir = tmp_path_factory.mktemp("paint") / "p2p"
    train(run_dir, tiny_config(family="pix2pix", options={"base_filters": 4}, steps=2))
    return run_dir


def test_painting_redraws_the_image_in_a_new_layer(
    make_napari_viewer, qtbot, pix2pix_run, tmp_path
):
    from napari_gan_augment._qt.paint_widget import PaintToImageWidget

    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((12, 60, 50), np.float32), name="finer grid")
    labels = viewer.add_labels(
        np.zeros((3, 60, 50), np.uint8), name="drawn", scale=(2, 1, 1), translate=(4, 0, 0)
    )
    viewer.dims.set_point(0, 6)  # world z = 6 is the labels' data slice 1 (slider step 6)
    widget = PaintToImageWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._labels_layer.value = labels
    widget._run_dir.value = pix2pix_run
    widget._device.value = "cpu"
    widget._follow_button.clicked.emit()
    qtbot.waitUntil(lambda: "drawn → image" in viewer.layers, timeout=30_000)
    output = viewer.layers["drawn → image"]
    assert output.data.shape == labels.data.shape
    np.testing.assert_allclose(output.scale, labels.scale)
    generator_window = load_generator(pix2pix_run, device="cpu").normaliser
    assert tuple(output.contrast_limits) == (generator_window.low, generator_window.high)
    before = output.data[1].copy()
    count = len(widget.latencies_ms)

    labels.paint((1, 30, 25), 2)  # a brush stroke of white matter on the shown slice
    qtbot.waitUntil(lambda: len(widget.latencies_ms) > count, timeout=30_000)
    assert not np.array_equal(output.data[1], before)  # the image follows the new mask
    assert np.all(output.data[0] == 0) and np.all(output.data[2] == 0)  # only the shown slice
    assert labels.data[1, 30, 25] == 2 and labels.data.sum() > 0  # the user's strokes stay
    from skimage import io as skio

    (tmp_path / "masks").mkdir()
    skio.imsave(tmp_path / "masks" / "slice.tif", labels.data[1])
    _cli(
        "generate",
        "--run-dir",
        pix2pix_run,
        "--masks",
        tmp_path / "masks",
        "--device",
        "cpu",
        "--out",
        tmp_path / "cli",
    )  # fmt: skip (the CLI twin: images for the user's masks)
    (drawn,) = (tmp_path / "cli").glob("*slice*.nii.gz")
    np.testing.assert_array_equal(_read(drawn), output.data[1])


def test_paint_widget_refuses_a_noise_model(make_napari_viewer, trained_run: Path):
    from napari_gan_augment._qt.paint_widget import PaintToImageWidget

    viewer = make_napari_viewer()
    viewer.add_labels(np.zeros((20, 20), np.uint8), name="drawn")
    widget = PaintToImageWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._run_dir.value = trained_run
    widget._follow_button.clicked.emit()
    assert widget._followed is None and len(viewer.layers) == 1


def test_synthesize_pix2pix_with_deformed_or_generated_masks(
    make_napari_viewer, qtbot, pix2pix_run: Path, tmp_path: Path
):
    from napari_gan_augment.training import train

    from ..conftest import tiny_config

    viewer = make_napari_viewer()
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._run_dir.value = pix2pix_run
    widget._device.value = "cpu"
    widget._count.value = 3
    _synthesize(widget, qtbot)
    deformed = viewer.layers["p2p seed 0 masks"]
    assert deformed.data.shape == (3, 32, 32) and deformed.data.any()
    assert "deformed" in deformed.metadata["route"] and deformed.metadata["synthetic"]

    train(tmp_path / "masks", tiny_config(family="mask-dcgan", options={"base_filters": 4}))
    widget._mask_run.value = tmp_path / "masks"
    widget._seed.value = 1
    _synthesize(widget, qtbot)
    assert viewer.layers["p2p seed 1 images"].data.shape == (3, 32, 32)
    # a second draw goes into the same two layers instead of adding two more
    assert len(viewer.layers) == 2 and viewer.layers["p2p seed 1 masks"] is deformed
    drawn = viewer.layers["p2p seed 1 masks"].metadata
    assert drawn["family"] == "pix2pix" and "mask-dcgan" in drawn["route"]

    # the quality gate: min Dice 0 lets every non-copy through, and says what it decided
    widget._mask_run.line_edit.value = ""  # the user empties the field
    widget._seed.value = 2
    widget._gate.value, widget._gate_dice.value = True, 0.0
    _synthesize(widget, qtbot)
    gated = viewer.layers["p2p seed 2 masks"]
    record = gated.metadata["gate"]
    assert len(gated.data) == gated.metadata["count"] == min(3, record["kept"])
    assert record["drawn"] <= 6 and record["dropped_low_fidelity"] == 0
    assert f"gate kept {record['kept']} of {record['drawn']}" in widget._status.value
    viewer.layers.clear()  # the user removed them: the next draw adds new layers
    widget._gate.value = False
    _synthesize(widget, qtbot)
    assert [layer.name for layer in viewer.layers] == ["p2p seed 2 images", "p2p seed 2 masks"]


def test_transform_region_widget_and_its_cli_twin(make_napari_viewer, qtbot, tmp_path: Path):
    from napari_gan_augment._qt.transform_widget import TransformRegionWidget
    from napari_gan_augment.training import train

    from ..conftest import tiny_config
    from ..models.test_ugan import _toy_pairs

    options = {"base_filters": 4, "critic_steps": 1}
    train(
        tmp_path / "ugan", tiny_config(family="ugan", options=options, steps=2), pairs=_toy_pairs()
    )
    viewer = make_napari_viewer()
    data = np.random.default_rng(0).integers(30, 90, (80, 70)).astype(np.uint8)
    image = viewer.add_image(data.copy(), name="xray", scale=(0.5, 0.5))
    shapes = viewer.add_shapes(
        [[[5, 10], [25, 30]], [[28, 5], [38, 20]]], shape_type="rectangle", name="boxes"
    )
    widget = TransformRegionWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._image_layer.value, widget._shapes_layer.value = image, shapes
    widget._run_dir.value = tmp_path / "ugan"
    widget._device.value = "cpu"
    widget._samples.value = 2
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    out = viewer.layers["xray transformed seed 0"]
    masks = viewer.layers["xray transformed seed 0 mask"].data
    assert out.data.shape == masks.shape == (2, 80, 70)
    # world boxes rows 5–25, cols 10–30 and rows 28–38, cols 5–20 at 0.5 mm → pixels rows
    # 10–50, cols 20–60 and rows 56–76, cols 10–40
    assert not masks[:, :10].any() and not masks[:, :, 61:].any()
    for sample, mask in zip(out.data, masks, strict=True):
        np.testing.assert_array_equal(sample[mask == 0], data[mask == 0])
    np.testing.assert_array_equal(image.data, data)  # the user's layer is untouched
    from skimage import io as skio

    skio.imsave(tmp_path / "xray.tif", data)
    _cli("transform", "--run-dir", tmp_path / "ugan", "--image", tmp_path / "xray.tif",
         "--box", 10, 20, 50, 60, "--box", 56, 10, 76, 40, "--samples", 2, "--device", "cpu",
         "--out", tmp_path / "t.nii.gz")  # fmt: skip
    for seed in (0, 1):
        np.testing.assert_array_equal(_read(tmp_path / f"t_seed{seed}.nii.gz"), out.data[seed])
        np.testing.assert_array_equal(_read(tmp_path / f"t_seed{seed}_mask.nii.gz"), masks[seed])

    shapes.data = [[[30, 30], [60, 60]]]  # past the border of a 40×35 mm image
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    assert widget._status.value.startswith("failed") and len(viewer.layers) == 4


def test_inpaint_widget_and_its_cli_twin(make_napari_viewer, qtbot, tmp_path, sample_volumes):
    from napari_gan_augment._qt.inpaint_widget import InpaintWidget
    from napari_gan_augment.training import train

    from ..conftest import tiny_config

    train(tmp_path / "inp", tiny_config(family="inpaint", options={"base_filters": 4}, steps=2))
    viewer = make_napari_viewer()
    data = sample_volumes[0][50].copy()
    image = viewer.add_image(data.copy(), name="t1", scale=(2, 2))
    hole = viewer.add_labels(np.zeros(data.shape, np.uint8), name="hole", scale=(2, 2))
    hole.data[40:60, 30:45] = 1
    widget = InpaintWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._image_layer.value, widget._hole_layer.value = image, hole
    widget._run_dir.value = tmp_path / "inp"
    widget._device.value = "cpu"
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    filled = viewer.layers["t1 inpainted"]
    np.testing.assert_array_equal(filled.data[hole.data == 0], data[hole.data == 0])
    assert not np.array_equal(filled.data, data)
    np.testing.assert_array_equal(image.data, data)
    assert filled.metadata["family"] == "inpaint"
    from skimage import io as skio

    skio.imsave(tmp_path / "t1.tif", data)
    skio.imsave(tmp_path / "hole.tif", hole.data)
    _cli("inpaint", "--run-dir", tmp_path / "inp", "--image", tmp_path / "t1.tif", "--hole",
         tmp_path / "hole.tif", "--device", "cpu", "--out", tmp_path / "filled.nii.gz")  # fmt: skip
    np.testing.assert_array_equal(_read(tmp_path / "filled.nii.gz"), filled.data)

    hole.data[:] = 1  # the whole image: refused with a message, nothing added
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    assert widget._status.value.startswith("failed") and len(viewer.layers) == 3


def test_inpaint_widget_fills_a_hole_in_a_volume_with_a_3d_run(make_napari_viewer, qtbot, tmp_path):
    from napari_gan_augment._qt.inpaint_widget import InpaintWidget
    from napari_gan_augment.training import train

    from ..test_volumes_3d import _config_3d

    config = _config_3d(tmp_path, "inpaint", steps=2, sample_every=2, checkpoint_every=2)
    train(tmp_path / "inp3d", config)
    volume = _read(Path(str(config.data.path)))
    viewer = make_napari_viewer()
    image = viewer.add_image(volume.copy(), name="ct", scale=(2.5, 0.9, 0.8), translate=(4, 0, 1))
    hole = viewer.add_labels(np.zeros(volume.shape, np.uint8), name="hole", scale=image.scale)
    hole.data[8:12, 9:14, 8:12] = 1
    widget = InpaintWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._image_layer.value, widget._hole_layer.value = image, hole
    widget._run_dir.value = tmp_path / "inp3d"
    widget._device.value = "cpu"
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    filled = viewer.layers["ct inpainted"]
    assert filled.data.shape == volume.shape  # the whole volume, not the displayed slice
    np.testing.assert_array_equal(filled.data[hole.data == 0], volume[hole.data == 0])
    assert not np.array_equal(filled.data[hole.data == 1], volume[hole.data == 1])
    np.testing.assert_allclose(filled.scale, image.scale)
    np.testing.assert_allclose(filled.translate, image.translate)
    np.testing.assert_array_equal(image.data, volume)


def test_translate_widget_and_its_cli_twin(make_napari_viewer, qtbot, tmp_path: Path):
    from napari_gan_augment._qt.translate_widget import TranslateWidget
    from napari_gan_augment.training import train

    from ..conftest import tiny_config
    from ..models.test_ugan import _toy_pairs

    options = {"base_filters": 4, "pool_size": 2}
    train(
        tmp_path / "cg",
        tiny_config(family="cyclegan", options=options, steps=2),
        pairs=_toy_pairs(),
    )
    viewer = make_napari_viewer()
    data = np.random.default_rng(0).integers(30, 90, (3, 40, 30)).astype(np.uint8)
    image = viewer.add_image(data.copy(), name="scan", scale=(3, 1, 1))
    widget = TranslateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._image_layer.value = image
    widget._run_dir.value = tmp_path / "cg"
    widget._device.value = "cpu"
    widget._run_button.clicked.emit()
    with qtbot.waitSignal(widget._worker.finished, timeout=60_000):
        pass
    out = viewer.layers["scan a2b"]
    assert out.data.shape == data.shape and out.metadata["family"] == "cyclegan"
    np.testing.assert_allclose(out.scale, (3, 1, 1))
    np.testing.assert_array_equal(image.data, data)
    from skimage import io as skio

    skio.imsave(tmp_path / "scan.tif", data[1])
    _cli("translate", "--run-dir", tmp_path / "cg", "--image", tmp_path / "scan.tif",
         "--device", "cpu", "--out", tmp_path / "a2b.nii.gz")  # fmt: skip
    np.testing.assert_array_equal(_read(tmp_path / "a2b.nii.gz"), out.data[1])


def test_compare_layers_and_its_cli_twin(make_napari_viewer, qtbot, tmp_path: Path, capsys):
    from napari_gan_augment._qt.compare_widget import CompareLayersWidget
    from napari_gan_augment.cli import main
    from napari_gan_augment.data.io import write_nifti
    from napari_gan_augment.evaluation import segmentation_metrics

    viewer = make_napari_viewer()
    truth_data = np.zeros((30, 30), np.uint8)
    truth_data[5:15, 5:15] = 1
    pred_data = np.zeros_like(truth_data)
    pred_data[8:18, 5:15] = 1
    truth = viewer.add_labels(truth_data.copy(), name="truth", scale=(0.5, 2.0))
    pred = viewer.add_labels(pred_data.copy(), name="pred", scale=(0.5, 2.0))
    widget = CompareLayersWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    assert widget._prediction.value is not widget._truth.value  # two layers, two defaults
    widget._prediction.value, widget._truth.value = pred, truth
    widget._compare_button.clicked.emit()
    qtbot.waitUntil(lambda: "pred vs truth errors" in viewer.layers, timeout=30_000)
    rows = widget._table.value["data"]
    assert [r[0] for r in rows[:3]] == ["mean_dice", "mean_iou", "accuracy"]  # summary first
    table = dict(rows)
    expected = segmentation_metrics(pred_data, truth_data, (0.5, 2.0))
    assert float(table["dice_1"]) == pytest.approx(expected["dice_1"], rel=1e-3)
    assert float(table["hd95_mm_1"]) == pytest.approx(expected["hd95_mm_1"], rel=1e-3)
    assert table["fp_1"] == "30"  # a count, not "30.0000"
    layer = viewer.layers["pred vs truth errors"]
    assert int((layer.data == 1).sum()) == expected["fp_1"] == 30
    assert int((layer.data == 2).sum()) == expected["fn_1"] == 30
    tissue_colours = truth.colormap.map(np.array([1, 2]))
    error_colours = layer.colormap.map(np.array([1, 2]))
    assert not np.allclose(error_colours, tissue_colours)  # errors do not look like tissue
    np.testing.assert_array_equal(truth.data, truth_data)
    np.testing.assert_array_equal(pred.data, pred_data)

    # the command-line twin, on the same labels saved with the same spacing
    write_nifti(tmp_path / "truth.nii.gz", truth_data, (0.5, 2.0))
    write_nifti(tmp_path / "pred.nii.gz", pred_data, (0.5, 2.0))
    capsys.readouterr()
    code = main(["compare", str(tmp_path / "pred.nii.gz"), str(tmp_path / "truth.nii.gz")])
    printed = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert code == 0 and printed == table


def test_evaluate_widget_runs_and_reads_an_experiment(
    viewer_with_sample, qtbot, tmp_path: Path, trained_run: Path
):
    from napari_gan_augment._qt.evaluate_widget import EvaluateWidget

    viewer = viewer_with_sample
    labels_before = viewer.layers["tissue"].data.copy()
    widget = EvaluateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._data.source.value = "layers"
    widget._data.image_layer.value = viewer.layers["t1"]
    widget._data.labels_layer.value = viewer.layers["tissue"]
    widget._data.axis.value = 1
    widget._data.step.value = 4
    widget._synthetic_run.value = trained_run
    widget._other_run.value = trained_run  # a second generator: its arms get "@tiny"
    widget._arms.value = ["real", "real+synthetic", "mix:8-8"]
    widget._seeds.value, widget._epochs.value, widget._size.value = 2, 1, 32
    widget._count.value = 8
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "exp"
    widget._start_button.clicked.emit()
    assert widget._stop_button.enabled
    job, status, _ = _wait_for_job(qtbot, widget, 300_000)
    assert status == "finished" and not job.process.poll()  # a child process, ended cleanly
    assert widget._status.value.startswith("done"), widget._status.value
    table = widget._table.to_dict("list")
    arms = ["mix:8-8", "mix:8-8@tiny", "real", "real+synthetic", "real+synthetic@tiny"]
    assert sorted(set(table["arm"])) == arms
    assert len(table["mean_dice"]) == 10 and all(0 <= v <= 1 for v in table["mean_dice"])
    assert "vs real:" in widget._verdict.value and widget._curves
    assert widget._table.native.isSortingEnabled()
    exported = widget.export_table(tmp_path / "table.csv")
    assert exported.read_text().splitlines()[0].startswith("arm,seed,mean_dice")
    widget._plot_metric.value = "hd95_mm"
    qtbot.waitUntil(lambda: not widget._plot_view.busy)  # drawn in a worker thread
    assert widget._arm_axes.get_ylabel() == "HD95 (mm) per seed"
    assert widget._curve_axes.get_lines()  # the validation curves, one per arm and seed
    assert not widget._plot_view.pixmap().isNull()
    assert widget._plot_view.pixmap().width() == round(4.5 * 90)
    assert widget._plot_view.height() >= widget._plot_view.pixmap().height()  # not cut off
    widget.add_prediction_layers()
    prediction = viewer.layers["exp mix:8-8 prediction"]
    assert viewer.layers["exp prediction grid"].rgb
    assert prediction.data.shape == viewer.layers["exp ground truth"].data.shape
    assert_in_view(viewer, viewer.layers["exp test images"])  # not hidden behind the brain
    np.testing.assert_array_equal(viewer.layers["tissue"].data, labels_before)
    # a second start into the same folder is refused, the first run is untouched
    before = (tmp_path / "exp" / "results.csv").read_text()
    widget._start_button.clicked.emit()
    assert widget.job.job is job and not widget._stop_button.enabled
    assert (tmp_path / "exp" / "results.csv").read_text() == before


def test_evaluate_widget_stop_keeps_finished_arms(viewer_with_sample, qtbot, tmp_path: Path):
    from napari_gan_augment._qt.evaluate_widget import EvaluateWidget

    widget = EvaluateWidget(viewer_with_sample)
    widget._data.step.value = 4
    widget._arms.value = ["real"]
    widget._seeds.value, widget._epochs.value, widget._size.value = 50, 3, 32
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "stopped"
    widget._start_button.clicked.emit()
    qtbot.waitUntil(lambda: widget._progress.value >= 1, timeout=120_000)
    widget._stop_button.clicked.emit()
    _, status, _ = _wait_for_job(qtbot, widget, 120_000)
    assert status == "stopped" and widget._status.value.startswith("stopped")
    assert widget._start_button.enabled and not widget._stop_button.enabled
    rows = (tmp_path / "stopped" / "results.csv").read_text().splitlines()
    assert len(rows) > 1 and not (tmp_path / "stopped" / "summary.json").exists()


def test_quality_widget_scores_a_run_into_a_table_and_layers(
    make_napari_viewer, qtbot, tmp_path: Path, trained_run: Path
):
    from napari_gan_augment._qt.quality_widget import QualityWidget

    viewer = make_napari_viewer()
    widget = QualityWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._data.step.value = 4
    widget._run.value = trained_run
    widget._count.value, widget._size.value, widget._device.value = 12, 32, "cpu"
    widget._out.value = tmp_path / "q"
    widget._run_button.clicked.emit()
    assert not widget._run_button.enabled and widget._stop_button.enabled
    job, status, _ = _wait_for_job(qtbot, widget, 300_000)
    assert status == "finished" and job.process is not None  # measured in a child process
    assert widget._status.value.startswith("done"), widget._status.value
    table = widget._table.to_dict("list")
    assert {"FD-AE", "KID-AE", "mask fidelity (Dice)", "share"} <= set(table["measure"])
    assert "q closest pairs" in viewer.layers and widget._run_button.enabled
    assert "train on synthetic" in widget._yardstick.value.lower()
    widget._run.value = tmp_path / "missing"
    widget._out.value = tmp_path / "q2"
    widget._run_button.clicked.emit()  # refused at once with a message: no job starts
    assert widget.job.job is job and not (tmp_path / "q2").exists()


def test_evaluate_widget_can_train_its_generator_per_split(make_napari_viewer, tmp_path: Path):
    from napari_gan_augment._qt.evaluate_widget import EvaluateWidget

    viewer = make_napari_viewer()
    widget = EvaluateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._generator.value = "train pix2pix"
    widget._generator_steps.value = 300
    assert widget._synthetic_run.native.isHidden() and not widget._generator_steps.native.isHidden()
    config = widget.build_config(tmp_path / "exp")
    assert config.synthetic_run is None
    assert config.generator == {
        "family": "pix2pix",
        "steps": 300,
        "image_size": 64,
        "spatial_dims": 2,
    }
    widget._generator.value = "train guided pix2pix"
    widget._augment.value = "with, tuned"
    config = widget.build_config(tmp_path / "exp")
    assert config.generator["guidance"] == "segmentation"
    assert config.augment == (True,)
    assert config.augmentation_levels == ("none", "light", "medium", "strong")


def test_evaluate_widget_runs_a_3d_experiment_and_shows_a_volume_prediction(
    make_napari_viewer, qtbot, tmp_path: Path
):
    from napari_gan_augment._qt.evaluate_widget import EvaluateWidget

    from ..evaluation.test_experiment_3d import SPACING, _volume_folder

    folder = _volume_folder(tmp_path / "volumes")
    viewer = make_napari_viewer()
    widget = EvaluateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget._dims.value = 3
    # 3D: a folder of volumes, segmentation, 3D generators only; augmentation in 3D too
    assert widget._data.source.value == "folder" and not widget._patches.native.isHidden()
    assert not widget._task.enabled and widget._augment.enabled
    assert "train fastgan" not in widget._generator.choices
    assert "train guided pix2pix" not in widget._generator.choices  # 2D only
    assert list(widget._size.choices) == [16, 32, 64]
    widget._data.folder.value = folder
    widget._generator.value = "train pix2pix"
    widget._generator_steps.value = 10
    widget._arms.value = ["real", "real+synthetic"]
    widget._size.value, widget._patches.value, widget._count.value = 16, 8, 4
    widget._seeds.value, widget._folds.value, widget._epochs.value = 1, 2, 1
    widget._batch.value, widget._device.value = 2, "cpu"
    widget._run_dir.value = tmp_path / "exp3d"
    widget._augment.value = "both"
    assert widget.build_config(tmp_path / "exp3d").augment == (False, True)
    widget._augment.value = "without"
    config = widget.build_config(tmp_path / "exp3d")
    assert config.spatial_dims == 3 and config.generator["spatial_dims"] == 3
    widget._start_button.clicked.emit()
    job, status, message = _wait_for_job(qtbot, widget, 300_000)
    assert status == "finished", message
    assert sorted(set(widget._table.to_dict("list")["arm"])) == ["real", "real+synthetic"]
    widget.add_prediction_layers()
    first = (tmp_path / "exp3d" / "results.csv").read_text().splitlines()[1]
    predicted = viewer.layers["exp3d real+synthetic prediction"]
    image = next(layer for layer in viewer.layers if layer.name.startswith("exp3d case"))
    assert image.name.split()[-1] in first
    assert predicted.data.shape == image.data.shape
    np.testing.assert_allclose(predicted.scale, SPACING, rtol=1e-5)
    np.testing.assert_allclose(predicted.translate, image.translate)


@pytest.mark.parametrize("title", ["Train generator", "Evaluate", "Quality check"])
def test_tall_widgets_open_in_a_scroll_area_that_fits_a_small_screen(
    make_napari_viewer, qtbot, title
):
    from napari_gan_augment._qt.scrolling import Scrolling

    viewer = make_napari_viewer(show=True)
    dock, widget = viewer.window.add_plugin_dock_widget("napari-gan-augment", title)
    assert isinstance(widget, Scrolling)
    qtbot.waitUntil(widget.isVisible)
    qtbot.wait(50)  # napari's stylesheet (applied when docked) widens the fields
    content = widget.content.native
    assert widget.viewport().width() >= content.minimumSizeHint().width()  # none cut off
    assert not widget.horizontalScrollBar().isVisible()
    assert dock.minimumSizeHint().height() < 600  # fits a 1,000 px screen with the canvas
    if title == "Evaluate":
        assert widget.content.native.minimumSizeHint().height() > 1000  # so it does scroll
    long_line = "a verdict that runs on and on " * 20
    width = dock.sizeHint().width()
    widget.content._status.value = long_line
    assert dock.sizeHint().width() <= width + 1  # wraps instead of widening the dock


#: every dock the manifest contributes (napari.yaml), as the Plugins menu lists them
DOCKS = [
    widget.display_name
    for widget in PluginManifest.from_distribution("napari-gan-augment").contributions.widgets
]


@pytest.mark.parametrize("title", DOCKS)
def test_every_dock_asks_for_at_most_450_px(make_napari_viewer, qtbot, title):
    """napari docks are usually 350–450 px wide; a wider one leaves the image a narrow column
    (measured after docking: napari's stylesheet widens the fields)."""
    viewer = make_napari_viewer(show=True)
    dock, _ = viewer.window.add_plugin_dock_widget("napari-gan-augment", title)
    qtbot.waitUntil(dock.isVisible)
    qtbot.wait(50)
    assert dock.sizeHint().width() <= 450, (title, dock.sizeHint().width())


def test_every_field_and_button_has_a_plain_tooltip(make_napari_viewer):
    from magicgui.widgets import Container

    from napari_gan_augment._qt import (
        compare_widget,
        evaluate_widget,
        inpaint_widget,
        paint_widget,
        quality_widget,
        transform_widget,
        translate_widget,
    )

    viewer = make_napari_viewer()
    classes = [
        TrainWidget,
        SynthesizeWidget,
        evaluate_widget.EvaluateWidget,
        quality_widget.QualityWidget,
        paint_widget.PaintToImageWidget,
        transform_widget.TransformRegionWidget,
        inpaint_widget.InpaintWidget,
        translate_widget.TranslateWidget,
        compare_widget.CompareLayersWidget,
    ]

    def leaves(container):
        for widget in container:
            yield from leaves(widget) if isinstance(widget, Container) else [widget]

    for cls in classes:
        for widget in leaves(cls(viewer)):
            name = f"{cls.__name__}.{widget.label or getattr(widget, 'text', '') or widget.name}"
            assert widget.tooltip and len(widget.tooltip) > 15, name
            assert "_" not in widget.tooltip.replace(".pt", ""), (name, widget.tooltip)


def test_synthesize_draws_the_image_for_a_painted_mask_volume(
    make_napari_viewer, qtbot, pix2pix_run, sample_volumes, tmp_path
):
    """2.5D in the viewer: a 2D run draws a Labels volume slice by slice along the axis it
    trained on; the image arrives as a new layer at the mask's place, viewed in 3D."""
    viewer = make_napari_viewer()
    _, tissue = sample_volumes
    painted = viewer.add_labels(
        tissue[30:40, ::2, ::2].copy(), name="painted", scale=(2, 4, 4), translate=(60, 1, -3)
    )
    before = painted.data.copy()
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._run_dir.value = pix2pix_run
    assert widget._axis.value == 0  # the axis the run trained on
    widget._mask_layer.value = painted
    assert widget._count.native.isHidden() and not widget._axis.native.isHidden()
    widget._device.value = "cpu"
    _synthesize(widget, qtbot)
    drawn = viewer.layers["painted → synthetic image"]
    assert drawn.data.shape == painted.data.shape
    np.testing.assert_allclose(drawn.scale, painted.scale)
    np.testing.assert_allclose(drawn.translate, painted.translate)
    assert "drawn along axis 0" in drawn.metadata["volumes"]
    assert viewer.dims.ndisplay == 3
    np.testing.assert_array_equal(painted.data, before)  # the user's mask is untouched
    generator = load_generator(pix2pix_run, device="cpu")
    from napari_gan_augment.synthesis import synthesize_volume

    np.testing.assert_array_equal(drawn.data, synthesize_volume(generator, before, axis=0))


def test_synthesize_fills_a_mask_painted_on_a_few_slices_into_a_new_layer(
    make_napari_viewer, qtbot
):
    viewer = make_napari_viewer()
    painted = np.zeros((12, 30, 30), np.uint8)
    yy, xx = np.indices((30, 30))
    painted[2][(yy - 15) ** 2 + (xx - 15) ** 2 <= 16] = 1
    painted[9][(yy - 15) ** 2 + (xx - 15) ** 2 <= 100] = 1
    layer = viewer.add_labels(painted.copy(), name="sketch", scale=(3, 1, 1))
    widget = SynthesizeWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._mask_layer.value = layer
    assert not widget._fill_button.native.isHidden()
    viewer.dims.ndisplay = 3  # no axis is being painted along: refused, nothing added
    widget._fill_button.clicked.emit()
    assert len(viewer.layers) == 1
    viewer.dims.ndisplay = 2
    widget._fill_button.clicked.emit()  # sliding through axis 0, as painted
    qtbot.waitUntil(lambda: "sketch filled" in viewer.layers, timeout=30_000)
    filled = viewer.layers["sketch filled"]
    assert widget._mask_layer.value is filled  # Synthesize now draws for the filled mask
    assert all(filled.data[k].any() for k in range(2, 10)) and not filled.data[10:].any()
    np.testing.assert_array_equal(filled.data[[2, 9]], painted[[2, 9]])
    np.testing.assert_allclose(filled.scale, layer.scale)
    np.testing.assert_array_equal(layer.data, painted)  # the user's layer is untouched


def test_synthesize_refuses_an_empty_mask_layer_before_a_job_starts(
    make_napari_viewer, pix2pix_run
):
    viewer = make_napari_viewer()
    empty = viewer.add_labels(np.zeros((4, 20, 20), np.uint8), name="nothing yet")
    widget = SynthesizeWidget(viewer)
    widget.reset_choices()
    widget._run_dir.value = pix2pix_run
    widget._mask_layer.value = empty
    widget._run_button.clicked.emit()
    assert widget._run_button.enabled and "failed" in widget._status.value
    assert not list((pix2pix_run / "synthesized").glob("nothing yet-*"))  # no job folder


def test_train_3d_from_volume_layers_keeps_their_geometry(
    make_napari_viewer, qtbot, sample_volumes, tmp_path: Path
):
    viewer = make_napari_viewer()
    image, labels = sample_volumes
    t1 = viewer.add_image(
        image[20:60, 20:80, 20:70], name="t1", scale=(2, 2, 2), translate=(5, 0, 0)
    )
    tissue = viewer.add_labels(
        labels[20:60, 20:80, 20:70], name="tissue", scale=(2, 2, 2), translate=(5, 0, 0)
    )
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._data.image_layer.value, widget._data.labels_layer.value = t1, tissue
    widget._family.value = "pix2pix"
    widget._dims.value = 3
    assert widget._size.choices == (16, 32, 64, 128) and not widget._patches.native.isHidden()
    widget._size.value = 16
    widget._patches.value = 8
    widget._steps.value = 3
    widget._batch.value = 2
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "run"
    widget._start_button.clicked.emit()
    assert widget.job.job is not None, widget._status.value
    job, status, message = _wait_for_job(qtbot, widget)
    assert status == "finished", message
    staged = nib.load(tmp_path / "run" / "volume.nii")
    np.testing.assert_allclose(staged.header.get_zooms(), (2, 2, 2))
    np.testing.assert_allclose(staged.affine[:3, 3], (5, 0, 0))
    generator = load_generator(tmp_path / "run", device="cpu")
    assert generator.spec.spatial_dims == 3 and generator.spacing == (2.0, 2.0, 2.0)


def test_train_with_slice_context_from_layers_trains_on_the_volume(
    viewer_with_sample, qtbot, tmp_path: Path
):
    viewer = viewer_with_sample
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._data.image_layer.value = viewer.layers["t1"]
    widget._data.labels_layer.value = viewer.layers["tissue"]
    widget._family.value = "pix2pix"
    widget._context.value = 1
    widget._size.value = 32
    widget._steps.value = 2
    widget._batch.value = 2
    widget._device.value = "cpu"
    widget._run_dir.value = tmp_path / "run"
    widget._start_button.clicked.emit()
    job, status, message = _wait_for_job(qtbot, widget)
    assert status == "finished", message
    config = RunDirectory(tmp_path / "run").load_config()
    assert config.data.source == "volume" and config.data.context == 1
    assert load_generator(tmp_path / "run", device="cpu").spec.context_slices == 1
