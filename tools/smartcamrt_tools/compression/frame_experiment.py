"""The unlabelled-distillation experiment of docs/compression.md ("Distillation on video frames").

``python -m smartcamrt_tools.compression.frame_experiment check``: the *unpruned* model distilled on the
frames (does it keep fp32's mAP, where fine-tuning on 64 labelled images loses ~4.5 points?).
``... prune --target 0.6``: per-group sensitivity on the training split, the greedy plan to ``target`` x
FLOPs, pruning, distillation on the frames. Each writes ``<out>/<stem>-320.safetensors`` and the ONNX export
(parity-checked, with a manifest) for ``smartcamrt eval`` / ``smartcamrt bench``, and a JSON record. mAP
printed here is PyTorch's on the *training* split (a progress check only); the figures reported are the
engine's (``smartcamrt eval``) on the evaluation split.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ..assets import resolve_weights, smartcamrt_home
from ..checkpoint import load_checkpoint
from ..yolov5 import build_from_checkpoint
from .export import export_compressed
from .frame_distill import distill_unlabelled
from .frames import load_distillation_images
from .group_plan import GroupCost, group_sensitivity, plan_ratios, prune_groups
from .prune import count_cost
from .store import save_compressed
from .train import FineTuneConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("check", "prune"))
    parser.add_argument("--target", type=float, default=0.6, help="FLOPs ratio to reach (prune)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=FineTuneConfig.lr)
    parser.add_argument(
        "--weight-decay", type=float, default=FineTuneConfig.weight_decay, help="on convolution weights"
    )
    parser.add_argument("--frame-step", type=int, default=2, help="every n-th video frame")
    parser.add_argument("--train-bn", action="store_true", help="BatchNorm statistics follow the frames")
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1 on a contended machine)")
    parser.add_argument("--sensitivity", help="reuse the sensitivity of an earlier run's .experiment.json")
    parser.add_argument("--out", default=str(smartcamrt_home() / "compression"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = load_checkpoint(resolve_weights("yolov5n.pt"))
    teacher, student = build_from_checkpoint(base), build_from_checkpoint(base)
    before = count_cost(student, args.imgsz)
    record: dict = {"step": args.step, "args": vars(args)}

    if args.step == "prune":
        from ..quantization.torch_map import load_split, model_map

        train_split = load_split("train", (args.imgsz, args.imgsz))

        def score(model) -> float:
            return model_map(model.eval(), train_split)[0]

        def show(done: int, total: int, name: str) -> None:
            print(f"\rsensitivity {done}/{total} {name:<24}", end="", file=sys.stderr, flush=True)

        start = time.monotonic()
        if args.sensitivity:
            earlier = json.loads(Path(args.sensitivity).read_text())
            base_score = earlier["train_map_base"]
            costs = [GroupCost(**c) for c in earlier["sensitivity"]]
        else:
            base_score, costs = group_sensitivity(student, score, imgsz=args.imgsz, progress=show)
            print(file=sys.stderr)
        plan, flops_ratio = plan_ratios(student, costs, args.target, args.imgsz)
        prune_groups(student, plan, args.imgsz)
        pruned_score = score(student)
        print(
            f"plan: {len(plan)} groups, FLOPs {flops_ratio:.3f}x; train-split mAP50-95 {base_score:.4f} -> "
            f"{pruned_score:.4f} before distillation ({time.monotonic() - start:.0f} s)"
        )
        record.update(
            sensitivity=[c.to_dict() for c in costs],
            plan=plan,
            train_map_base=base_score,
            train_map_pruned=pruned_score,
        )

    images = load_distillation_images(args.imgsz, step=args.frame_step)
    print(f"distilling {args.epochs} epochs on {images.shape[0]} unlabelled images")
    config = FineTuneConfig(epochs=args.epochs, lr=args.lr, weight_decay=args.weight_decay)
    start = time.monotonic()
    history = distill_unlabelled(student, teacher, images, config, freeze_bn=not args.train_bn)
    after = count_cost(student, args.imgsz)
    kind = f"p{round(args.target * 100)}" if args.step == "prune" else "r0"
    stem = f"yolov5n-framekd-{kind}-e{args.epochs}"
    stem += "-bn" if args.train_bn else ""
    # only the settings that differ from the defaults, so the earlier runs' names stay what they were
    stem += f"-lr{args.lr:g}" if args.lr != FineTuneConfig.lr else ""
    stem += f"-wd{args.weight_decay:g}" if args.weight_decay != FineTuneConfig.weight_decay else ""
    record.update(
        config=config.to_dict(),
        history=history,
        train_seconds=round(time.monotonic() - start, 1),
        images=int(images.shape[0]),
        base=before.to_dict(),
        pruned=after.to_dict(),
        flops_ratio=round(after.flops / before.flops, 4),
        params_ratio=round(after.params / before.params, 4),
    )
    weights = save_compressed(
        out / f"{stem}-{args.imgsz}.safetensors",
        student,
        base.names,
        base.stride,
        base.bn_eps,
        {"cache_key": "frame-experiment", "compression": record},
    )
    (out / f"{stem}-{args.imgsz}.experiment.json").write_text(json.dumps(record, indent=1))
    export_compressed(student, base, weights, "onnx", out, stem, args.imgsz, record)


if __name__ == "__main__":
    main()
