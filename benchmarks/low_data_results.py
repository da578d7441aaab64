"""Gather a low-data curve's run directory into ``benchmarks/results/low_data/<dataset>.json``
and a Markdown table (for docs/evaluation.md), numbers as they came out.

Each run is one network's mean Dice over the test slices (``results.csv``); the table gives,
per count, each arm's mean over seeds and each synthetic arm's paired gain over tuned
``real+aug`` with its bootstrap 95% CI and Wilcoxon p (``summary.json``). Counts that did not
finish are listed as missing, not left out silently. A curve run in pieces
(``low_data_counts.py``) keeps, from the committed JSON, the counts whose run directory is
gone; ``kept_from_committed`` names them.

Usage: python benchmarks/low_data_results.py DATASET RUN_DIR
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "results" / "low_data"

#: the issue's arm names for the config's (the guided generator is the ``guided`` entry)
NAMES = {"real+synthetic@guided+aug": "real+guided+aug"}


def gather(dataset: str, run_dir: Path) -> dict:
    experiment = json.loads((run_dir / "experiment.json").read_text())
    committed_path = OUT / f"{dataset}.json"
    committed = json.loads(committed_path.read_text()) if committed_path.exists() else {}
    runs, missing, notes, kept = [], [], {}, []
    split = committed.get("split")
    for count in experiment["real_counts"]:
        name = "all" if count is None else f"{count:03d}"
        sub = run_dir / f"real_{name}"
        if not (sub / "summary.json").exists():
            if name in committed.get("counts", {}):
                kept.append(count)
                notes[name] = committed["counts"][name]
                runs += [r for r in committed["runs"] if r["count"] == count]
            else:
                missing.append(count)
            continue
        dice: dict[tuple[str, int], list[float]] = defaultdict(list)
        with open(sub / "results.csv") as handle:
            for row in csv.DictReader(handle):
                dice[(row["arm"], int(row["seed"]))].append(float(row["mean_dice"]))
        for (arm, seed), values in dice.items():
            runs.append(
                {
                    "arm": NAMES.get(arm, arm),
                    "count": count,
                    "seed": seed,
                    "dice": round(float(np.nanmean(values)), 4),
                }
            )
        summary = json.loads((sub / "summary.json").read_text())
        notes[name] = {
            "training_pool": summary["real_pairs"]["training_pool"][0],
            "tuned_augmentation": {
                fold: record["chosen"]
                for fold, record in summary.get("augmentation_tuning", {}).items()
            },
            "epoch_cap_hits": {NAMES.get(k, k): v for k, v in summary["epoch_cap"].items()},
            "comparisons": {
                _rename(k): {
                    key: v[key]
                    for key in ("mean_difference", "ci_low", "ci_high", "wilcoxon_p")
                    if key in v
                }
                for k, v in summary["comparisons"].items()
            },
        }
        split = {k: v for k, v in summary["split"].items() if k != "folds"} | {
            "test": summary["split"]["folds"][0]["test"],
            "guard_band": summary["split"]["folds"][0]["guard_band"],
        }
        if committed.get("split") not in (None, split):
            sys.exit(f"{sub}: its split differs from the committed {committed_path}'s")
    result = {
        "dataset": dataset,
        "split": split,
        "runs": runs,
        "counts": notes,
        "missing_counts": missing,
        "kept_from_committed": kept,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{dataset}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _rename(text: str) -> str:
    for old, new in NAMES.items():
        text = text.replace(old, new)
    return text


def _gain(c: dict) -> str:
    low, high = 100 * c["ci_low"], 100 * c["ci_high"]
    return f"{100 * c['mean_difference']:+.1f} [{low:+.1f}, {high:+.1f}], p {c['wilcoxon_p']:.3f}"


def table(result: dict) -> str:
    counts = list(result["counts"])
    arms = list(dict.fromkeys(r["arm"] for r in result["runs"]))
    head = [result["counts"][c]["training_pool"] for c in counts]
    lines = [
        "| mean Dice (5 seeds) | " + " | ".join(f"{h} real" for h in head) + " |",
        "|---|" + "---|" * len(counts),
    ]
    for arm in arms:
        cells = []
        for count in counts:
            key = None if count == "all" else int(count)
            values = [r["dice"] for r in result["runs"] if r["arm"] == arm and r["count"] == key]
            cells.append(f"{np.mean(values):.3f}" if values else "")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| gain over tuned real+aug (Dice points, 95% CI, p) | "
        + " | ".join(f"{h} real" for h in head)
        + " |",
        "|---|" + "---|" * len(counts),
    ]
    for arm in arms:
        if arm in ("real", "real+aug"):
            continue
        cells = []
        for count in counts:
            c = result["counts"][count]["comparisons"].get(f"{arm} vs real+aug")
            cells.append(_gain(c) if c else "")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    tuned = {c: n["tuned_augmentation"].get("fold0") for c, n in result["counts"].items()}
    lines += [
        "",
        "tuned augmentation per count: "
        + ", ".join(f"{result['counts'][c]['training_pool']} → {t}" for c, t in tuned.items()),
    ]
    if result["missing_counts"]:
        lines.append(f"did not finish: counts {result['missing_counts']}")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> Path:
    """Mean Dice ± sd over seeds against the real training pairs, one line per arm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.5, 4))
    for arm in dict.fromkeys(r["arm"] for r in result["runs"]):
        xs, means, sds = [], [], []
        for name, note in result["counts"].items():
            key = None if name == "all" else int(name)
            values = [r["dice"] for r in result["runs"] if r["arm"] == arm and r["count"] == key]
            xs.append(note["training_pool"])
            means.append(np.mean(values))
            sds.append(np.std(values, ddof=1) if len(values) > 1 else 0.0)
        axes.errorbar(xs, means, yerr=sds, label=arm, capsize=3, marker="o")
    axes.set_xscale("log", base=2)
    axes.set_xlabel("real training pairs (log scale)")
    axes.set_ylabel("mean Dice, blocked test slices")
    axes.set_title(f"{result['dataset']}: split {result['split']['kind']}")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


if __name__ == "__main__":
    gathered = gather(sys.argv[1], Path(sys.argv[2]))
    docs = Path(__file__).parents[1] / "docs" / "images" / "evaluation"
    plot(gathered, docs / f"curve_{sys.argv[1]}.png")
    print(table(gathered))
