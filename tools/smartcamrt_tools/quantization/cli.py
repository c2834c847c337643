"""``int8-sensitivity`` and ``qat``: the measured choices behind the PT2E/NNCF int8 rows.

See docs/quantization.md."""

from __future__ import annotations

import argparse


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _sensitivity(args: argparse.Namespace) -> int:
    if args.scheme == "ort":
        from . import ort_sensitivity

        ort_config = ort_sensitivity.OrtSensitivityConfig(
            weights=args.weights,
            imgsz=args.imgsz,
            preset=args.quant_preset,
            calibration_images=args.calibration_images,
            max_drop=args.max_drop,
            max_blocks=args.max_blocks,
            folds=args.folds,
        )
        ort_sensitivity.main_analyse(ort_config, force=args.force)
        return 0
    if args.quant_preset != "qdq-u8s8":
        from ..errors import ToolError

        raise ToolError("--quant-preset applies to --scheme ort (the onnx-int8 row) only")
    from .sensitivity import SensitivityConfig, main_analyse

    config = SensitivityConfig(
        weights=args.weights,
        imgsz=args.imgsz,
        calibration_images=args.calibration_images,
        max_drop=args.max_drop,
        max_blocks=args.max_blocks,
        scheme=args.scheme,
    )
    main_analyse(config, force=args.force)
    return 0


def _qat(args: argparse.Namespace) -> int:
    from .qat import QatConfig, main_qat

    config = QatConfig(
        weights=args.weights,
        imgsz=args.imgsz,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch,
        seed=args.seed,
        all_int8=args.all_int8,
    )
    main_qat(config, out=args.out, force=args.force, export=args.export)
    return 0


def add_quantization_commands(commands) -> None:
    sens = commands.add_parser(
        "int8-sensitivity",
        help="measure which blocks int8 hurts; the int8 export rows keep those in float (cached)",
        description="Quantize every block (PT2E, XNNPACK scheme), then each block but one, on coco128's "
        "training split; keep the blocks whose float copy regains most until the mAP50-95 drop against "
        "fp32 is within --max-drop points. Writes $SMARTCAMRT_HOME/quantization/<model>-<size>."
        "sensitivity.json (+ .png), which the executorch-int8, tflite-int8 and openvino-int8 rows read "
        "(--scheme ort: <model>-<size>.ort-<preset>.sensitivity.json, read by onnx-int8).",
    )
    sens.add_argument("--weights", default="yolov5n.pt", help="checkpoint (default yolov5n.pt)")
    sens.add_argument("--imgsz", type=_positive_int, default=320, help="input size (default 320)")
    sens.add_argument(
        "--calibration-images", type=_positive_int, default=64, help="default 64 (all of train)"
    )
    sens.add_argument("--max-drop", type=float, default=1.0, help="points of mAP50-95 (default 1.0)")
    sens.add_argument(
        "--max-blocks", type=_positive_int, default=6, help="most blocks kept float (default 6)"
    )
    sens.add_argument("--force", action="store_true", help="measure again even if a cached result fits")
    sens.add_argument(
        "--scheme",
        default="xnnpack",
        choices=("xnnpack", "litert", "ort"),
        help="int8 scheme: xnnpack (executorch-int8, openvino-int8; default), litert (tflite-int8), both "
        "simulated by PT2E, or ort (onnx-int8: ONNX Runtime's quantize_static itself)",
    )
    sens.add_argument(
        "--quant-preset",
        default="qdq-u8s8",
        help="with --scheme ort: the onnx-int8 preset measured (default qdq-u8s8, which qdq-u8u8 shares)",
    )
    sens.add_argument(
        "--folds",
        type=_positive_int,
        default=2,
        help="with --scheme ort: score each fold of the training split with a model calibrated on the "
        "others (default 2; 1 scores the calibration images themselves)",
    )
    sens.set_defaults(handler=_sensitivity)

    qat = commands.add_parser(
        "qat",
        help="quantisation-aware fine-tuning (PT2E prepare_qat_pt2e) on coco128 train; writes a checkpoint",
        description="Fake-quantize the body (XNNPACK scheme, the sensitivity analysis' float blocks kept), "
        "fine-tune it with the YOLOv5 loss on coco128's training split, fold back into fp32 weights whose "
        "int8 export loses less. Cached by recipe. See docs/quantization.md.",
    )
    qat.add_argument("--weights", default="yolov5n.pt", help="checkpoint (default yolov5n.pt)")
    qat.add_argument("--imgsz", type=_positive_int, default=320, help="input size (default 320)")
    qat.add_argument(
        "--epochs", type=_positive_int, default=3, help="epochs over the 64 train images (default 3)"
    )
    qat.add_argument("--lr", type=float, default=1e-4, help="SGD learning rate (default 1e-4)")
    qat.add_argument("--batch", type=_positive_int, default=8, help="batch size (default 8)")
    qat.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    qat.add_argument("--out", default=None, help="output folder (default $SMARTCAMRT_HOME/models)")
    qat.add_argument("--force", action="store_true", help="train again even if a cached result fits")
    qat.add_argument(
        "--all-int8",
        action="store_true",
        help="keep no block float (default: the sensitivity analysis' blocks)",
    )
    qat.add_argument("--export", default=None, metavar="FORMAT", help="then export it: executorch-int8, ...")
    qat.set_defaults(handler=_qat)
