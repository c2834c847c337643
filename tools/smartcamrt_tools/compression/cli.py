"""``smartcamrt-tools compress prune|distill`` (added by :func:`add_compress_commands` from ``cli.py``)."""

from __future__ import annotations

import argparse

METHOD_NAMES = ("structured", "unstructured")  # pipeline.METHODS, without importing torch


def _compress(args: argparse.Namespace) -> None:
    from .pipeline import Recipe, compress
    from .train import FineTuneConfig

    distill = args.action == "distill"
    train = FineTuneConfig(
        epochs=args.epochs, batch_size=args.batch, lr=args.lr, seed=args.seed, flip=not args.no_flip
    )
    recipe = Recipe(
        method=args.method,
        ratio=args.ratio,
        imgsz=args.imgsz,
        weights=args.weights,
        distill=distill,
        distill_weight=args.distill_weight if distill else 1.0,
        train=train,
    )
    artifact = compress(
        recipe,
        args.format,
        args.out,
        threads=args.threads,
        agreement_images=args.agreement_images,
        show_progress=not args.no_progress,
    )
    print(artifact)  # the last line is the artifact path, for scripts


def _ratio(text: str) -> float:
    value = float(text)
    if value > 1.0:  # 35 means 35 %
        value /= 100.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be a fraction in [0, 1) or a percentage, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_compress_commands(commands) -> None:
    """Add ``compress`` (with ``prune`` and ``distill``) to the sub-command parsers."""
    compress = commands.add_parser(
        "compress",
        help="prune (structured/unstructured) or distill a YOLOv5, fine-tune on coco128 train, export",
        description="Prune the base checkpoint, fine-tune it on coco128's training split (never the "
        "evaluation split), export it through the format table with a parity check and a manifest. Cached: "
        "the same recipe gives the same artifact back at once. The last line printed is the artifact path. "
        "See docs/compression.md.",
    )
    actions = compress.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, help_text in (
        ("prune", "prune, fine-tune with the detection loss, export"),
        ("distill", "prune, fine-tune with the detection loss plus distillation from the fp32 base model"),
    ):
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument("--weights", default="yolov5n.pt", help="base checkpoint (default yolov5n.pt)")
        sub.add_argument(
            "--method",
            default="structured",
            choices=METHOD_NAMES,
            help="structured: remove channels (torch-pruning); unstructured: zero conv weights "
            "(torch.nn.utils.prune, L1) (default structured)",
        )
        sub.add_argument(
            "--ratio",
            type=_ratio,
            default=0.35,
            help="fraction of channels (structured) or conv weights (unstructured) to prune; 35 = 0.35 "
            "(default 0.35)",
        )
        sub.add_argument(
            "--imgsz", type=_positive_int, default=320, help="training and export input size (default 320)"
        )
        sub.add_argument(
            "--epochs",
            type=_non_negative_int,
            default=10,
            help="fine-tuning epochs over the 64 training images (default 10; 0: none)",
        )
        sub.add_argument("--batch", type=_positive_int, default=8, help="batch size (default 8)")
        sub.add_argument("--lr", type=float, default=0.001, help="peak learning rate, SGD (default 0.001)")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.add_argument("--no-flip", action="store_true", help="no horizontal-flip augmentation")
        if action == "distill":
            sub.add_argument(
                "--distill-weight",
                type=float,
                default=1.0,
                help="weight of the distillation loss against the detection loss (default 1.0)",
            )
        sub.add_argument("--format", default="onnx", help="export format of the table (default onnx)")
        sub.add_argument(
            "--out",
            default=None,
            help="output folder (default $SMARTCAMRT_HOME/models, i.e. ~/.cache/smartcamrt/models)",
        )
        sub.add_argument(
            "--agreement-images",
            type=_positive_int,
            default=64,
            help="coco128 images for the export's detection-agreement check (default 64)",
        )
        sub.add_argument(
            "--threads", type=_positive_int, default=None, help="torch threads (default: torch's)"
        )
        sub.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a bar")
        sub.set_defaults(handler=_compress)
