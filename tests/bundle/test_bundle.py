"""Bundles of every family (2D and 3D) checked by MONAI's own tools, run by MONAI, and read
back by ``generate``: what a MONAI user and the model zoo's CI would do with them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nibabel
import numpy as np
import pytest
import torch
from monai.bundle import ckpt_export, load, run, verify_metadata, verify_net_in_out

from napari_gan_augment.bundle import export_bundle
from napari_gan_augment.bundle.reading import ForeignBundleWarning, read_bundle
from napari_gan_augment.cli import main
from napari_gan_augment.config import DataConfig
from napari_gan_augment.data.io import write_nifti
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.errors import CheckpointError, InputError
from napari_gan_augment.synthesis import load_generator, synthesize_pairs
from napari_gan_augment.synthesis.volumes import synthesize_volume
from napari_gan_augment.training import train
from tests.conftest import tiny_config
from tests.test_volumes_3d import _config_3d

# MONAI's schema, kept beside the checkout (in CI too): verify_metadata would download it
SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "monai" / "meta_schema_20240725.json"
BOTH_CLASSES = DataConfig(source="sample", axis=0, step=4, empty_fraction=0.5)
#: family, spatial dims, what dataset_dir holds (None: it draws latents)
CASES = [
    ("pair-wgan", 2, None), ("mask-dcgan", 2, None), ("fastgan", 2, None),
    ("pix2pix", 2, "masks"), ("ugan", 2, "images"), ("cyclegan", 2, "images"),
    ("inpaint", 2, "holes"), ("pair-wgan", 3, None), ("pix2pix", 3, "masks"),
    ("inpaint", 3, "holes"),
]  # fmt: skip


def _train(root: Path, family: str, dims: int) -> Path:
    if dims == 3:
        (root / "data").mkdir(parents=True)
        config = _config_3d(root / "data", family, steps=2)
    else:
        options = {"base_filters": 4} | (
            {"critic_steps": 1} if family in ("pair-wgan", "ugan") else {}
        )
        data = BOTH_CLASSES if family in ("ugan", "cyclegan") else tiny_config().data
        config = tiny_config(family=family, options=options, steps=2, data=data)
    assert train(root / "run", config)["status"] == "finished"
    return root / "run"


def _inputs(folder: Path, what: str, dims: int) -> Path:
    """Real slices or sub-volumes of the sample, near a tiny run's pixel size."""
    image, mask = load_sample()
    folder.mkdir(parents=True)
    if dims == 2:
        pick = (45, slice(None, None, 4), slice(None, None, 4))
        arrays = {"image": image.data[pick], "mask": mask.data[pick].astype(np.uint8)}
        spacing = (8.0, 8.0)
    else:
        pick = (slice(30, 50), slice(40, 66), slice(30, 52))
        arrays = {"image": image.data[pick], "mask": mask.data[pick].astype(np.uint8)}
        spacing = image.spacing
    if what == "masks":
        write_nifti(folder / "a.nii.gz", arrays["mask"], spacing)
    else:
        write_nifti(folder / "a.nii.gz", arrays["image"], spacing)
    if what == "holes":
        hole = np.zeros_like(arrays["mask"])
        hole[tuple(slice(n // 4, n // 2) for n in hole.shape)] = 1
        write_nifti(folder / "a_hole.nii.gz", hole, spacing)
    return folder


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{d}d" for f, d, _ in CASES])
def exported(request, tmp_path_factory) -> tuple[Path, Path, str | None, int]:
    family, dims, takes = request.param
    root = tmp_path_factory.mktemp(f"{family}{dims}d")
    run_dir = _train(root, family, dims)
    bundle = export_bundle(run_dir, root / "bundle", num_samples=2)
    inputs = _inputs(root / "inputs", takes, dims) if takes else None
    return run_dir, bundle, inputs, dims


def test_monai_verifies_exports_loads_and_runs_the_bundle(exported, tmp_path):
    run_dir, bundle, inputs, dims = exported
    meta, config = str(bundle / "configs/metadata.json"), str(bundle / "configs/inference.json")
    for required in ("configs/metadata.json", "configs/inference.json", "models/model.pt",
                     "models/model.ts", "docs/README.md", "LICENSE", "changelog"):  # fmt: skip
        assert (bundle / required).is_file(), required
    metadata = json.loads(Path(meta).read_text())
    assert metadata["version"] in metadata["changelog"]  # the model zoo's CI checks this
    assert SCHEMA.is_file(), f"MONAI's metadata schema is expected at {SCHEMA}"
    verify_metadata(meta_file=meta, filepath=str(SCHEMA))
    verify_net_in_out(net_id="network_def", meta_file=meta, config_file=config, device="cpu",
                      bundle_root=str(bundle))  # fmt: skip
    trace = metadata["napari_gan_augment"]["torchscript"] == "trace"
    exported_ts = tmp_path / "exported.ts"
    ckpt_export(net_id="network_def", filepath=str(exported_ts), meta_file=meta,
                config_file=config, ckpt_file=str(bundle / "models/model.pt"),
                bundle_root=str(bundle), use_trace=trace)  # fmt: skip
    assert torch.jit.load(str(exported_ts)) is not None
    network = load(name=bundle.name, bundle_dir=str(bundle.parent), workflow_type="inference",
                   device="cpu")  # fmt: skip
    trained = load_generator(run_dir, device="cpu", precision="fp32").model.bundle_network
    for name, value in trained.state_dict().items():  # the trained module, its weights
        assert torch.equal(network.state_dict()[name].cpu(), value.cpu()), name

    out = tmp_path / "out"
    extra = {"dataset_dir": str(inputs)} if inputs else {"num_samples": 2}
    run(config_file=config, bundle_root=str(bundle), output_dir=str(out), **extra)
    written = sorted(p.name for p in out.glob("*.nii.gz"))
    assert written, "the bundle wrote nothing"
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["files"] == written and provenance["synthetic"] is True
    first = nibabel.load(out / written[0])
    assert len(first.shape) == dims
    if inputs:  # each output keeps its input's geometry
        source = nibabel.load(inputs / "a.nii.gz")
        assert np.allclose(first.affine, source.affine) and first.shape >= source.shape


def test_a_pair_bundle_draws_exactly_what_generate_draws(tmp_path):
    run_dir = _train(tmp_path, "pair-wgan", 2)
    bundle = export_bundle(run_dir, tmp_path / "bundle")
    run(config_file=str(bundle / "configs/inference.json"), bundle_root=str(bundle),
        output_dir=str(tmp_path / "out"), num_samples=3, seed=5)  # fmt: skip
    images, masks = synthesize_pairs(
        load_generator(run_dir, device="cpu", precision="fp32"), 3, seed=5
    )
    for i in range(3):
        image = nibabel.load(tmp_path / "out" / f"pair_{i:04d}_image.nii.gz")
        mask = nibabel.load(tmp_path / "out" / f"pair_{i:04d}_mask.nii.gz")
        assert np.array_equal(np.asarray(image.dataobj), images[i])
        assert np.array_equal(np.asarray(mask.dataobj), masks[i])
        assert image.get_data_dtype() == images.dtype

    # read back (folder and zip) it is the same generator; a changed model.pt is refused
    zipped = export_bundle(run_dir, tmp_path / "zipped", as_zip=True)
    for source in (bundle, zipped):
        again = synthesize_pairs(read_bundle(source, "cpu", "fp32"), 3, seed=5)
        assert np.array_equal(again[0], images) and np.array_equal(again[1], masks)
    shutil.copytree(bundle, tmp_path / "tampered")
    weights = tmp_path / "tampered" / "models" / "model.pt"
    state = torch.load(weights, weights_only=True)
    next(iter(state.values())).add_(1.0)
    torch.save(state, weights)
    with pytest.raises(CheckpointError, match="SHA-256 differs"):
        read_bundle(tmp_path / "tampered")


def test_a_3d_mask_bundle_draws_the_volume_generate_draws(tmp_path):
    run_dir = _train(tmp_path, "pix2pix", 3)
    bundle = export_bundle(run_dir, tmp_path / "bundle")
    inputs = _inputs(tmp_path / "inputs", "masks", 3)
    run(config_file=str(bundle / "configs/inference.json"), bundle_root=str(bundle),
        output_dir=str(tmp_path / "out"), dataset_dir=str(inputs))  # fmt: skip
    mask = np.asarray(nibabel.load(inputs / "a.nii.gz").dataobj)
    expected = synthesize_volume(load_generator(run_dir, device="cpu", precision="fp32"), mask)
    drawn = np.asarray(nibabel.load(tmp_path / "out" / "a_image.nii.gz").dataobj)
    assert np.array_equal(drawn, expected)


def test_model_ts_runs_in_a_fresh_interpreter_without_this_package(tmp_path):
    run_dir = _train(tmp_path, "fastgan", 2)
    bundle = export_bundle(run_dir, tmp_path / "bundle")
    generator = load_generator(run_dir, device="cpu", precision="fp32")
    latent = torch.randn(2, int(generator.spec.options["latent_dim"]))
    torch.save({"latent": latent, "pred": generator.model.generate(latent)}, tmp_path / "io.pt")
    script = (
        "import sys; sys.modules['napari_gan_augment'] = None\n"  # any import of it fails
        "import torch\n"
        f"net = torch.jit.load({str(bundle / 'models/model.ts')!r})\n"
        f"io = torch.load({str(tmp_path / 'io.pt')!r})\n"
        "assert torch.allclose(net(io['latent']), io['pred'], atol=1e-5)\n"
        "try:\n    import napari_gan_augment\nexcept ImportError:\n    print('package absent')\n"
    )  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "package absent" in done.stdout


def test_monai_cli_and_generate_run_a_bundle_and_foreign_ones_warn_first(tmp_path, capsys):
    run_dir = _train(tmp_path, "pair-wgan", 2)
    assert main(["export", "--run-dir", str(run_dir), "--out", str(tmp_path / "b")]) == 0
    bundle = tmp_path / "b"
    command = [sys.executable, "-m", "monai.bundle", "run", "--config_file",
               "configs/inference.json", "--bundle_root", ".", "--output_dir",
               str(tmp_path / "cli"), "--num_samples", "2"]  # fmt: skip
    done = subprocess.run(command, cwd=bundle, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "cli").glob("pair_*_image.nii.gz"))) == 2
    assert main(["generate", "--run-dir", str(bundle), "--count", "2", "--out",
                 str(tmp_path / "ours"), "--device", "cpu"]) == 0  # fmt: skip
    assert len(list((tmp_path / "ours" / "images").glob("*.nii.gz"))) == 2
    # never over an existing destination
    before = sorted(p.name for p in bundle.rglob("*"))
    assert main(["export", "--run-dir", str(run_dir), "--out", str(bundle)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.name for p in bundle.rglob("*")) == before

    foreign = tmp_path / "foreign"
    shutil.copytree(bundle, foreign)
    metadata = json.loads((foreign / "configs/metadata.json").read_text())
    del metadata["napari_gan_augment"]
    (foreign / "configs/metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(InputError, match="did not export"):
        read_bundle(foreign)
    assert main(["generate", "--run-dir", str(foreign), "--count", "2", "--out",
                 str(tmp_path / "refused")]) == 2  # fmt: skip
    assert "--trust-bundle" in capsys.readouterr().err and not (tmp_path / "refused").exists()
    with pytest.warns(ForeignBundleWarning):
        assert main(["generate", "--run-dir", str(foreign), "--count", "2", "--out",
                     str(tmp_path / "trusted"), "--trust-bundle"]) == 0  # fmt: skip
    assert len(list((tmp_path / "trusted").glob("*_image.nii.gz"))) == 2


def test_evidence_from_another_run_is_refused(tmp_path):
    run_dir = _train(tmp_path, "pair-wgan", 2)
    other = tmp_path / "quality"
    other.mkdir()
    (other / "quality.json").write_text(json.dumps({"synthetic_run": "/elsewhere/run"}))
    with pytest.raises(InputError, match="did not measure"):
        export_bundle(run_dir, tmp_path / "bundle", evidence=[other])
    assert not (tmp_path / "bundle").exists()
    (other / "quality.json").write_text(json.dumps({"synthetic_run": str(run_dir.resolve()),
                                                    "fd_ae": 1.5}))  # fmt: skip
    bundle = export_bundle(run_dir, tmp_path / "bundle", evidence=[other])
    metadata = json.loads((bundle / "configs/metadata.json").read_text())
    assert metadata["eval_metrics"]["quality:quality"]["fd_ae"] == 1.5
