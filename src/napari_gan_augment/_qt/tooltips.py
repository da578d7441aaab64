"""Plain-word tooltips for every field, in one place so the same field reads the same in
every widget. A widget may set its own tooltip first where a field means something else
there; :func:`explain` fills in only what is still missing."""

from __future__ import annotations

from magicgui.widgets import Container, Widget

TOOLTIPS = {
    # where the real pairs come from
    "source": "where the real image–mask pairs come from",
    "image": "the image layer to use (it is read, never changed)",
    "labels": "the labels layer painted on the image (0 = background)",
    "folder": "a folder holding images/ and masks/, with files matched by name",
    "volume": "a 3D image file (NIfTI or TIFF) to cut into 2D slices",
    "volume mask": "the label volume that belongs to the image volume",
    "slice axis": "the axis the volume is cut along (0 = the first axis)",
    "slice step": "use every n-th slice (larger: fewer, less similar slices)",
    "min foreground": "keep slices whose mask covers at least this share of the slice",
    "empty share": "also keep this share of slices with (almost) no mask, as negatives",
    # training
    "family": "the kind of GAN to train (docs/models.md). Measured on the sample, 64 px, as "
    "the Dice of a U-Net trained on its pairs over one trained on real pairs (held-out blocks "
    "of slices): pix2pix, the default, 1.23 at 5 CPU-min; fastgan 1.12 and pair-wgan 0.89 and "
    "0.91 (two runs) at 20 CPU-min; docs/benchmarks.md",
    "size": "the side, in pixels, of the square (2D) or cube (3D) the networks see",
    "dims": "2D: images, or slices of volumes; 3D: cubic patches of volumes (volume files, "
    "the sample or 3D layers)",
    "slice context": "2D on volumes: the masks of this many neighbouring slices on each side "
    "go with each slice, so slices drawn one by one for a volume agree (pix2pix)",
    "patches": "3D: how many cubic patches to draw from the volumes, half centred on labels",
    "steps": "how many generator updates to train for",
    "batch": "how many pairs the networks see per update",
    "lr generator": "the generator's learning rate (the family's tested default is filled in)",
    "lr critic": "the critic's (discriminator's) learning rate",
    "device": "where the networks run: auto picks the GPU when there is one",
    "precision": "auto: bf16 where a probe measures it faster on this CPU, else fp32; amp: "
    "bf16 where the device has bf16 units, else fp16 with loss scaling",
    "guidance": "segmentation: a segmenter trains beside the generator on its pairs and steers "
    "it by its loss on held-out real pairs (GenSeg); about 6× the CPU per step, and it did not "
    "beat tuned augmentation on our benchmarks (docs/evaluation.md)",
    "compile": "torch.compile the networks: slower first steps while it compiles; pays off on "
    "some GPUs, not on small CPUs (docs/benchmarks.md)",
    "CPU threads": "CPU threads the job may use; one core is left to the viewer by default",
    "run dir": "the folder the job writes into; choosing a folder with a running job attaches",
    "run": "a trained run folder (it holds checkpoints/)",
    "model run": "a trained pix2pix run that turns label maps into images",
    "ugan run": "a trained class-transform (ugan) run",
    "inpaint run": "a trained inpainting run",
    "cyclegan run": "a trained CycleGAN run",
    "checkpoint": "which saved generator to use: last.pt, best.pt (lowest sample score) or a step",
    # synthesis and editing
    "count": "how many new pairs to make",
    "for mask layer": "a Labels layer (a 2D mask or a painted volume) to draw the image for, "
    "with a mask → image run; empty: draw new pairs",
    "view volume in 3D": "switch the viewer to 3D when the synthetic volume arrives",
    "seed": "the random seed: the same seed makes the same result",
    "regions": "a shapes layer whose rectangles mark the regions to transform",
    "samples": "how many different results to make",
    "feather (px)": "soften the edge of the pasted region over this many pixels (0 = hard edge)",
    "hole": "a labels layer whose painted pixels mark the region to fill",
    "direction": "which way to translate: from domain A to B or back",
    # experiments
    "task": "segmentation (a U-Net per arm) or classification (object present or not)",
    "GAN steps": "training steps of the generator trained on each split",
    "synthetic run": "the trained run whose pairs are added (refused if it saw a test image)",
    "second run": "optional: a second trained run, compared on the same seeds and tests",
    "arms": "the training sets to compare: real only, real plus synthetic, synthetic only…",
    "augmentation": "train each arm without, with, or both with and without standard "
    "augmentation; tuned: its strength (none/light/medium/strong, nnU-Net's transforms) is "
    "chosen per split on the training pool's validation images",
    "seeds": "repeats per arm with different seeds; more seeds give a surer verdict",
    "folds": "1: one fixed test set; more: cross-validation folds, every real pair tested once",
    "max epochs": "the most epochs a segmenter trains (early stopping may end it sooner)",
    "patience": "epochs without a better validation loss before training stops",
    "batches/epoch": "0: one pass over each arm's pairs; a fixed number of batches per "
    "epoch gives every arm the same training budget",
    "GAN pairs": "how many synthetic pairs the synthetic arms get",
    "network": "the segmentation network every arm trains",
    "loss": "the segmentation loss every arm trains with",
    "keep largest component": "keep only the largest connected region of each prediction",
    "plot": "the measure shown per arm in the plot",
    "report dir": "a new folder for the report (quality.md, quality.json, plots)",
    # results
    "progress": "how far the job is",
    "status": "what the job is doing now, or how it ended",
    "verdict": "whether the synthetic pairs helped, with its uncertainty",
    "yardstick": "Dice of a segmenter trained on synthetic pairs vs one trained on real pairs",
}

BUTTONS = {
    "Start": "start a new job in the run dir",
    "Stop": "stop the job (training saves a checkpoint first; an experiment keeps its "
    "finished arms)",
    "Resume": "continue the run in the run dir from its last checkpoint",
    "Open results": "show the results of a finished experiment in the run dir",
    "Export table (CSV)…": "save the per-seed table as a CSV file",
    "Add predictions as layers": "add the test images, ground truth and each arm's "
    "predictions as new layers",
    "Measure": "measure the run's samples against the real pairs (a job in the report dir)",
    "Synthesize": "make new pairs and add them as new layers",
    "Cancel": "stop making pairs; the pairs made so far are kept",
    "Follow painting": "redraw the image each time the labels layer is painted",
    "Transform": "transform the marked regions into new layers",
    "Inpaint": "fill the hole in a new layer",
    "Translate": "translate the image into a new layer",
}


def explain(container: Container) -> None:
    """Give every field and button in ``container`` (recursively) a tooltip, keeping any a
    widget set itself."""
    for widget in container:
        if isinstance(widget, Container):
            explain(widget)
        elif not widget.tooltip:
            widget.tooltip = _tooltip(widget)


def _tooltip(widget: Widget) -> str | None:
    for key in (widget.label, getattr(widget, "text", None), widget.name):
        if key and (tip := TOOLTIPS.get(key) or BUTTONS.get(key)):
            return tip
    return None
