"""The text commands of ``smartcamrt-tools`` (registered by :func:`add_text_commands` from ``cli.py``)."""

from __future__ import annotations

import argparse

ARCH_NAMES = ("lstm", "transformer", "lstm-distilled")  # text.pipeline.ARCHS, without importing torch
FORMAT_NAMES = (
    "onnx",
    "onnx-int8",
    "executorch",
    "tflite",
)  # text.formats.TEXT_FORMATS (checked against it in the tests)


def _train_text(args: argparse.Namespace) -> None:
    from .pipeline import train_text  # torch is slow to import: only this command pays

    artifact = train_text(args.arch, args.out, args.format, threads=args.threads)
    print(artifact)  # the last line is the artifact path, for scripts


def add_text_commands(commands) -> None:
    """Add ``train-text`` to the sub-command parsers."""
    train = commands.add_parser(
        "train-text",
        help="train an SST-2 sentiment classifier (lstm, transformer, lstm-distilled), export and gate it",
        description="Train (or fine-tune) on SST-2 train with a fixed seed, export, check parity against "
        "PyTorch on SST-2 dev, write the manifest with the dev accuracy. Cached: the same inputs give the "
        "same artifact back at once. The last line printed is the artifact path.",
    )
    train.add_argument("--arch", required=True, choices=ARCH_NAMES, help="model to build")
    train.add_argument(
        "--out",
        default=None,
        help="output folder (default $SMARTCAMRT_HOME/models, i.e. ~/.cache/smartcamrt/models)",
    )
    train.add_argument(
        "--format",
        default="onnx",
        choices=FORMAT_NAMES,
        help="artifact format (default onnx: fp32, dynamic length)",
    )
    train.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: on a 2-core machine shared with other work, 2 threads trained 3-15x "
        "slower; on an idle machine 2 is faster)",
    )
    train.set_defaults(handler=_train_text)
