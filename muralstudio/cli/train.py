"""Train the networks; every run writes safetensors weights and a model card (data, command,
steps, time, metrics)."""

from __future__ import annotations

import importlib
import logging

NAME = "train"
#: its options come from the trainers' modules, which import torch: added only when it runs
HEAVY = True

#: ``muralstudio train NAME`` → module ``muralstudio.train.NAME``
TRAINERS = (("detect", "Res-UNet craquelure / paint-loss detector"),
            ("flecks", "fleck vetter of the flecks-vetted paint-loss detector"),
            ("clicks", "ClickNet click-segmentation model"),
            ("backbone", "pre-train PSP-M's backbone without labels"),
            ("label", "PSP-M element labeler"),
            ("inpaint", "inpainting networks (fourier, pconv, edgeconnect)"))


HELP = "train the networks (" + ", ".join(n for n, _ in TRAINERS) + ")"


def add_arguments(parser, full: bool = True) -> None:
    train_sub = parser.add_subparsers(dest="train_command", metavar="MODEL", required=True)
    for name, what in TRAINERS if full else ():
        trainer = importlib.import_module(f"muralstudio.train.{name}")
        trainer.add_arguments(train_sub.add_parser(name, help=what, description=trainer.__doc__))


def run(args) -> int:
    logging.getLogger("muralstudio").setLevel(logging.INFO)
    trainer = importlib.import_module(f"muralstudio.train.{args.train_command}")
    weights = trainer.train(args)
    if weights is not None:  # None: an evaluation, which printed its own table
        print(f"weights: {weights}")
    return 0
