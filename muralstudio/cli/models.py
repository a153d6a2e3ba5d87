"""List engines and their weights
"""

from __future__ import annotations

import json
from pathlib import Path

NAME = "models"
HELP = "list engines and their weights"


def add_arguments(parser) -> None:
    models_sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ml = models_sub.add_parser("list", help="every engine, its weights, SHA-256, size, memory")
    ml.add_argument("--json", action="store_true")
    mi = models_sub.add_parser("import", help="convert an official checkpoint into our format",
                               description="Reads EdgeConnect or PConv U-Net checkpoints without "
                                           "unpickling code (weights_only), checks every key and "
                                           "shape against our network and writes safetensors.")
    mi.add_argument("checkpoint", type=Path)
    mi.add_argument("--as", dest="kind", required=True,
                    choices=("edgeconnect-edge", "edgeconnect-inpaint", "pconv"))
    mi.add_argument("--out", type=Path, default=None,
                    help="output .safetensors (default models/KIND.safetensors)")

    ma = models_sub.add_parser("average", help="average weights files of one network (a model soup)",
                               description="The mean of weights files fine-tuned from one start "
                                           "(same network, same tensors), written as safetensors.")
    ma.add_argument("weights", type=Path, nargs="+")
    ma.add_argument("--out", type=Path, required=True)


def run(args) -> int:
    if args.models_command == "import":
        from muralstudio.engines.model_import import import_checkpoint

        out = import_checkpoint(args.checkpoint, args.kind, args.out or Path("models") / f"{args.kind}.safetensors")
        print(f"{args.kind}: {args.checkpoint} -> {out}")
        return 0
    if args.models_command == "average":
        from muralstudio.engines.weights import average_weights

        out = average_weights(args.weights, args.out)
        print(f"mean of {len(args.weights)} weights files -> {out}")
        return 0
    from muralstudio.engines import catalogue

    rows = catalogue.list_engines()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(catalogue.format_table(rows))
    return 0
