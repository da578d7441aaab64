"""Run some counts of a low-data curve, each into ``RUN_DIR/real_<count>`` as ``iter_curve``
lays them out, so a curve too long for one sitting runs in pieces with one fixed config.

``low_data_results.py`` then gathers the counts present and keeps, from the committed JSON,
the counts this run directory lacks (it says which).

Usage: python benchmarks/low_data_counts.py CONFIG RUN_DIR COUNT [COUNT ...]   (COUNT: n or all)
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from napari_gan_augment.atomic import write_json
from napari_gan_augment.evaluation.curve import count_name
from napari_gan_augment.evaluation.experiment import ExperimentConfig, iter_experiment


def main(config_path: str, run_dir: str, counts: list[str]) -> None:
    config = ExperimentConfig.load(config_path)
    wanted = [None if c == "all" else int(c) for c in counts]
    unknown = [c for c in wanted if c not in config.real_counts]
    if unknown:
        sys.exit(f"counts {unknown} are not among the config's real_counts {config.real_counts}")
    root = Path(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "experiment.json").exists():
        write_json(root / "experiment.json", asdict(config))
    for count in wanted:
        start = time.perf_counter()
        single = replace(config, real_counts=(), train_limit=count)
        for event in iter_experiment(single, root / f"real_{count_name(count)}"):
            if event["event"] == "arm":
                print(f"{count_name(count)}: {event['done']}/{event['total']} {event['arm']}")
        print(f"count {count_name(count)}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
