"""``gan-augment families`` and ``gan-augment config``: what can be trained, and a default
config."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from ..config import TrainConfig


def _cmd_families(args: argparse.Namespace) -> int:
    from ..models.registry import available_families, get_family

    for name in available_families():
        info = get_family(name)
        print(f"{name:12s} {info.summary} ({info.reference})")
        dims = " and ".join(f"{d}D" for d in info.spatial_dims)
        print(f"{'':12s} {dims}; sizes {info.sizes}; options {dict(info.defaults)}")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from ..models.registry import get_family

    family = get_family(args.family)
    config = TrainConfig(family=family.name, options=dict(family.defaults))
    print(yaml.safe_dump(config.to_dict(), sort_keys=False), end="")
    return 0


def add_parsers(commands: Any) -> None:
    families = commands.add_parser("families", help="list the GAN families")
    families.set_defaults(func=_cmd_families)

    config = commands.add_parser("config", help="print a default TrainConfig as YAML")
    config.add_argument("--family", default=TrainConfig.family, help="default: %(default)s")
    config.set_defaults(func=_cmd_config)
