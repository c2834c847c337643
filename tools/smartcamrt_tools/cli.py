"""``smartcamrt-tools``: argument parsing only; each command calls one library function."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import ToolError


def _export(args: argparse.Namespace) -> None:
    from .export import export_model  # torch is slow to import: only commands that need it pay

    imgsz = args.imgsz[0] if len(args.imgsz) == 1 else args.imgsz
    artifact = export_model(
        args.weights,
        args.format,
        args.out,
        imgsz=imgsz,
        opset=args.opset,
        agreement_images=args.agreement_images,
        quant_preset=args.quant_preset,
        calibration_count=args.calibration_images,
        target_isa=args.target_isa,
    )
    print(artifact)  # the last line is the artifact path, for scripts


def _ref_run(args: argparse.Namespace) -> int:
    from .refrun import RefRunOptions, run_reference

    options = RefRunOptions(
        model=args.model,
        source=args.source,
        frames=args.frames,
        out=args.out,
        realtime=args.realtime,
        threads=args.threads,
        conf=args.conf,
        iou=args.iou,
        annotate=not args.no_annotate,
        imgsz=(args.imgsz[0], args.imgsz[-1]),
    )
    folder = run_reference(options)
    print(folder)  # the last line is the run folder
    # Like the engine: 130 when Ctrl-C/SIGTERM stopped the run (the folder is complete up to there).
    return 130 if json.loads((folder / "summary.json").read_text())["interrupted"] else 0


def _plot(args: argparse.Namespace) -> None:
    from .plot import plot_runs  # matplotlib is slow to import: only this command pays

    for path in plot_runs(args.runs, args.out):
        print(path)
    print(args.out)  # the last line is the output folder, for scripts


def _plot_stress(args: argparse.Namespace) -> None:
    from .plot.stress import plot_stress  # matplotlib is slow to import: only this command pays

    print(plot_stress(args.folder, args.out))  # the last line is the PNG, for scripts


def _bench_runtimes(args: argparse.Namespace) -> None:
    from .benchmark import RuntimeBenchOptions, bench_runtimes

    options = RuntimeBenchOptions(
        models=tuple(args.models),
        out=args.out,
        source=args.source,
        frames=args.frames,
        runs=args.runs,
        warmup=args.warmup,
        threads=args.threads,
        rounds=args.rounds,
        cooldown_s=args.cooldown,
    )
    out = bench_runtimes(options)
    print((out / "runtimes.md").read_text())
    print(out)  # the last line is the output folder


def _eval(args: argparse.Namespace) -> None:
    from .evaluation.evaluate import EvalOptions, format_table, run_eval

    options = EvalOptions(
        model=args.model,
        data=args.data,
        split=args.split,
        json_path=args.json,
        runtime=args.runtime,
        imgsz=args.imgsz,
        record=args.record,
    )
    result, document = run_eval(options)
    print(format_table(result, document))  # the last line is the result file, for scripts


def _version(_args: argparse.Namespace) -> None:
    print(f"smartcamrt-tools {__version__}")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from .export.formats import FORMATS  # the table only: cheap to import, keeps help in step
    from .quantization.config import QuantConfig
    from .quantization.isa import DEFAULT_TARGET_ISA, TARGET_ISAS
    from .quantization.presets import QUANT_PRESETS

    parser = argparse.ArgumentParser(
        prog="smartcamrt-tools", description="SmartCamRT model tooling and the Python reference loop."
    )
    parser.add_argument("--version", action="version", version=f"smartcamrt-tools {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    export = commands.add_parser("export", help="export a YOLOv5 checkpoint, check parity, write a manifest")
    export.add_argument("--weights", required=True, help="a .pt path or a name such as yolov5n.pt")
    export.add_argument("--format", required=True, help=f"artifact format: {', '.join(sorted(FORMATS))}")
    export.add_argument(
        "--imgsz", type=int, nargs="+", default=[640], metavar="N", help="input size: N, or H W (default 640)"
    )
    export.add_argument("--opset", type=int, default=None, help="ONNX opset (default 17, minimum 17)")
    export.add_argument(
        "--agreement-images",
        type=_positive_int,
        default=None,
        help="coco128 images for the detection-agreement check (default: all 128)",
    )
    quantized = ", ".join(sorted(name for name, row in FORMATS.items() if row.quantized))
    export.add_argument(
        "--quant-preset",
        default=None,
        metavar="NAME",
        help=f"quantization preset for {quantized}: {', '.join(sorted(QUANT_PRESETS))} "
        f"(default: the one --target-isa picks; checked against it when named)",
    )
    export.add_argument(
        "--target-isa",
        default=None,
        choices=list(TARGET_ISAS),
        type=str.lower,
        help=f"CPUs the {quantized} model is for: "
        + "; ".join(f"{name}: {what}" for name, what in TARGET_ISAS.items())
        + f" (default {DEFAULT_TARGET_ISA}; docs/quantization.md)",
    )
    export.add_argument(
        "--calibration-images",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"coco128 images that calibrate the int8 ranges (default: the preset's, "
        f"{QuantConfig().calibration_images})",
    )
    export.add_argument("--out", required=True, help="output folder")
    export.set_defaults(handler=_export)

    ref = commands.add_parser("ref-run", help="run the Python reference loop and write a run folder")
    ref.add_argument("--model", required=True, help="ONNX model file")
    ref.add_argument(
        "--source",
        required=True,
        help="video file, image file, image folder or camera index; for a text model a .txt/.tsv file "
        "or - (stdin)",
    )
    ref.add_argument("--frames", type=_positive_int, default=None, help="stop after N source frames")
    ref.add_argument("--out", default=None, help="run folder (default runs/<run_id>)")
    ref.add_argument(
        "--realtime", action="store_true", help="pace at the source fps, drop frames when behind"
    )
    ref.add_argument("--threads", type=_positive_int, default=None, help="ONNX Runtime intra-op threads")
    ref.add_argument("--conf", type=float, default=0.25, help="confidence threshold (default 0.25)")
    ref.add_argument("--iou", type=float, default=0.45, help="NMS IoU threshold (default 0.45)")
    ref.add_argument(
        "--imgsz",
        type=int,
        nargs="+",
        default=[640],
        metavar="N",
        help="input size H W for dynamic-shape models",
    )
    ref.add_argument("--no-annotate", action="store_true", help="skip annotated.mp4 / annotated/")
    ref.set_defaults(handler=_ref_run)

    plot = commands.add_parser("plot", help="draw PNG figures (latency, FPS, resources) from run folders")
    plot.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folder(s); 2+ also get comparisons")
    plot.add_argument("--out", required=True, help="folder for the PNGs (created if missing)")
    plot.set_defaults(handler=_plot)

    stress = commands.add_parser(
        "plot-stress", help="draw the timeline of a smartcamrt stress folder (latency, SLO, load, model)"
    )
    stress.add_argument("folder", metavar="DIR", help="the folder smartcamrt stress wrote (with stress.json)")
    stress.add_argument("--out", default=None, help="PNG path (default DIR/stress-timeline.png)")
    stress.set_defaults(handler=_plot_stress)

    runtimes = commands.add_parser(
        "bench-runtimes", help="time every prepared model on every runtime; one table (md, csv, json)"
    )
    runtimes.add_argument("models", nargs="+", metavar="MODEL", help="artifact files or folders of them")
    runtimes.add_argument("--out", required=True, help="folder for runtimes.md/.csv/.json")
    runtimes.add_argument("--source", help="video for the pipeline runs (default: vtest.avi from the assets)")
    runtimes.add_argument("--frames", type=_positive_int, default=100, help="pipeline frames per model")
    runtimes.add_argument("--runs", type=_positive_int, default=100, help="timed session runs per model")
    runtimes.add_argument("--warmup", type=int, default=10, help="untimed runs first")
    runtimes.add_argument(
        "--threads", type=_positive_int, default=os.cpu_count() or 1, help="inference threads"
    )
    runtimes.add_argument(
        "--rounds",
        type=_positive_int,
        default=1,
        help="passes over every model, interleaved; each figure is the median over them",
    )
    runtimes.add_argument(
        "--cooldown",
        type=_non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="idle time before each timed engine command, so that a CPU quota or thermal limit earned by "
        "the previous one does not slow the next (default 0)",
    )
    runtimes.set_defaults(handler=_bench_runtimes)

    evaluate = commands.add_parser(
        "eval", help="COCO mAP50-95/mAP50 of a detector on labelled images (coco128's eval split by default)"
    )
    evaluate.add_argument(
        "--model", required=True, help="model file (or a file name in $SMARTCAMRT_HOME/models)"
    )
    evaluate.add_argument(
        "--data", default=None, metavar="DIR", help="images + YOLO labels (default: coco128 from the assets)"
    )
    evaluate.add_argument(
        "--split",
        default="eval",
        choices=["eval", "train", "all"],
        help="eval: first half by name (64 coco128 images, never used for calibration); train: the other "
        "half; all (default eval; docs/evaluation.md)",
    )
    evaluate.add_argument(
        "--json",
        default=None,
        metavar="FILE",
        help="result file (default runs/eval/<model>.<data>-<split>.json)",
    )
    evaluate.add_argument(
        "--runtime",
        default=None,
        help="engine backend (default: by file suffix), or 'python' for the reference",
    )
    evaluate.add_argument(
        "--imgsz", type=_positive_int, default=None, metavar="N", help="input size for dynamic-shape models"
    )
    evaluate.add_argument("--record", action="store_true", help="write the result into the model's manifest")
    evaluate.set_defaults(handler=_eval)

    from .text.cli import add_text_commands  # train-text (docs/text-models.md)

    add_text_commands(commands)

    from .compression.cli import add_compress_commands  # compress prune|distill (docs/compression.md)

    add_compress_commands(commands)

    from .quantization.cli import add_quantization_commands  # int8-sensitivity, qat (docs/quantization.md)

    add_quantization_commands(commands)

    from .report.cli import add_report_command  # report (docs/report.md)

    add_report_command(commands)

    version = commands.add_parser("version", help="print the version")
    version.set_defaults(handler=_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
    except ToolError as exc:
        print(f"smartcamrt-tools {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # outside the loop's own handling (e.g. during export)
        print(f"smartcamrt-tools {args.command}: interrupted", file=sys.stderr)
        return 130
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
