"""``smartcamrt eval``: COCO mAP50-95 / mAP50 of a detector on a labelled image folder.

Detections come from the C++ engine (the Python reference where the engine cannot run the model), are
written as COCO results beside the result file together with the ground truth as a COCO document, and are
scored by :mod:`.coco_map`. Where pycocotools is installed (a test dependency) it scores the same two files
too and the result carries both, so every run shows the agreement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..assets import smartcamrt_home
from ..errors import ToolError
from .coco_map import MAX_DETS, CocoMap, evaluate_coco
from .dataset import COCO128, find_dataset, ground_truth_document
from .predict import (
    CONF_THRESHOLD,
    MAX_DET,
    NMS_IOU,
    Predictions,
    ProgressBar,
    choose_engine,
    engine_predictions,
    model_input_hw,
    python_predictions,
)
from .record import check_recordable, record_accuracy
from .split import DEFAULT_SPLIT, describe_split, split_images

DEFAULT_IMGSZ = 640
TRAIN2017_NOTE = "coco128 is part of COCO train2017, on which yolov5n was trained: optimistic"


@dataclass
class EvalOptions:
    model: str
    data: str | None = None
    split: str = DEFAULT_SPLIT
    json_path: str | None = None
    runtime: str | None = None
    imgsz: int | None = None
    record: bool = False
    progress: bool = True


def resolve_model(model: str) -> Path:
    """An existing path, else a file name in the model cache ($SMARTCAMRT_HOME/models)."""
    path = Path(model).expanduser()
    if path.is_file():
        return path.resolve()
    cached = smartcamrt_home() / "models" / path.name
    if not path.parent.parts and cached.is_file():
        return cached.resolve()
    raise ToolError(f"model file not found: {model}")


def default_result_path(model: Path, dataset: str, split: str) -> Path:
    return Path("runs") / "eval" / f"{model.name}.{dataset}-{split}.json"


def sidecar_paths(result: Path) -> tuple[Path, Path]:
    """(predictions, ground truth) beside the result file."""
    stem = result.name[: -len(".json")] if result.name.endswith(".json") else result.name
    return result.with_name(stem + ".predictions.json"), result.with_name(stem + ".ground_truth.json")


def coco_results(predictions: Predictions, image_ids: list[int]) -> list[dict[str, Any]]:
    """COCO results: ``bbox`` [x, y, w, h] in source pixels, ``category_id`` the class index."""
    results = []
    for image_id, det in zip(image_ids, predictions.per_image, strict=True):
        for (x1, y1, x2, y2), score, cls in zip(
            det.boxes.tolist(), det.scores.tolist(), det.class_ids.tolist(), strict=True
        ):
            results.append(
                {
                    "image_id": image_id,
                    "category_id": int(cls),
                    "bbox": [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)],
                    "score": round(score, 5),
                }
            )
    return results


def pycocotools_map(gt_file: Path, results_file: Path, n_results: int) -> dict[str, float] | None:
    """pycocotools' mAP50-95 / mAP50 on the same files, or None where it is not installed or there are no
    results (``COCO.loadRes`` cannot take an empty list)."""
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        return None
    if n_results == 0:
        return None
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its progress and the 12-line summary
        gt = COCO(str(gt_file))
        evaluator = COCOeval(gt, gt.loadRes(str(results_file)), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {"mAP50-95": float(evaluator.stats[0]), "mAP50": float(evaluator.stats[1])}


def _model_labels(model: Path) -> list[str]:
    manifest = model.with_name(model.name + ".json")
    if manifest.is_file():
        with contextlib.suppress(json.JSONDecodeError, AttributeError):
            return [str(n) for n in json.loads(manifest.read_text()).get("labels", [])]
    return []


def _write_json(path: Path, document: Any, indent: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=indent) + "\n")


def run_eval(options: EvalOptions) -> tuple[Path, dict[str, Any]]:
    """Evaluate; returns the result file and its document."""
    model = resolve_model(options.model)
    if options.record:
        check_recordable(model)
    dataset = find_dataset(options.data)
    total = len(dataset.images)
    dataset = dataset.subset(split_images([i.path for i in dataset.images], options.split))
    if not dataset.images:
        raise ToolError(f"--split {options.split} of {dataset.root} holds no images ({total} in all)")
    class_names = dataset.class_names or _model_labels(model)
    if not class_names:
        raise ToolError(f"no class names: put one .names file into {dataset.root} (one name a line)")

    fixed_hw = model_input_hw(model)
    if options.imgsz is not None and fixed_hw is not None and (options.imgsz, options.imgsz) != fixed_hw:
        raise ToolError(
            f"--imgsz {options.imgsz}: {model.name} has a fixed {fixed_hw[0]}x{fixed_hw[1]} input; "
            "--imgsz is for dynamic-shape models (export another size instead)"
        )
    input_hw = fixed_hw or (options.imgsz or DEFAULT_IMGSZ,) * 2
    choice = choose_engine(model, options.runtime)
    if choice.use_engine and fixed_hw is None:
        if options.runtime is not None:
            raise ToolError(
                f"--runtime {options.runtime}: {model.name} has no fixed input size and the engine "
                "takes none; use --runtime python with --imgsz"
            )
        choice.use_engine = False
        choice.reason = "the model has no fixed input size (the engine takes it from the model)"

    result_path = (
        Path(options.json_path)
        if options.json_path
        else default_result_path(model, dataset.name, options.split)
    )
    predictions_path, gt_path = sidecar_paths(result_path)
    images = [i.path for i in dataset.images]

    started = time.perf_counter()
    ground_truth = ground_truth_document(dataset, class_names)
    bar = (
        ProgressBar(f"{model.name}: {'engine' if choice.use_engine else 'python reference'}")
        if options.progress
        else None
    )
    if choice.use_engine:
        predictions = engine_predictions(model, images, choice, bar)
    else:
        predictions = python_predictions(model, images, input_hw, choice.reason, bar)
    if bar is not None:
        bar.close()
    results = coco_results(predictions, [i.image_id for i in dataset.images])
    _write_json(gt_path, ground_truth)
    _write_json(predictions_path, results)

    bar = ProgressBar("scoring (classes)") if options.progress else None
    score_start = time.perf_counter()
    scores = evaluate_coco(ground_truth, results, bar)
    score_seconds = time.perf_counter() - score_start
    if bar is not None:
        bar.close()
    reference = pycocotools_map(gt_path, predictions_path, len(results))

    document = _result_document(
        model, dataset, options.split, total, class_names, predictions, scores, reference
    )
    document["files"] = {"predictions": str(predictions_path), "ground_truth": str(gt_path)}
    document["seconds"] = {
        "predict": round(predictions.seconds, 2),
        "score": round(score_seconds, 2),
        "total": round(time.perf_counter() - started, 2),
    }
    if options.record:
        document["recorded_in"] = str(record_accuracy(model, accuracy_record(document)))
    _write_json(result_path, document, indent=2)
    return result_path, document


def _result_document(
    model: Path,
    dataset,
    split: str,
    total: int,
    class_names: list[str],
    predictions: Predictions,
    scores: CocoMap,
    reference: dict[str, float] | None,
) -> dict[str, Any]:
    from ..refrun.host import cpu_model

    document: dict[str, Any] = {
        "model": str(model),
        "dataset": dataset.name,
        "data": str(dataset.root),
        "split": describe_split(split, total),
        "split_name": split,
        "images": len(dataset.images),
        "image_ids": dataset.id_rule,
        "ground_truth_boxes": sum(c.ground_truth for c in scores.classes),
        "engine": predictions.engine,
        "runtime": predictions.runtime,
        "input": predictions.input,
        "mAP50-95": round(scores.map50_95, 6),
        "mAP50": round(scores.map50, 6),
        "classes_scored": len(scores.scored_classes),
        "settings": {
            "conf": CONF_THRESHOLD,
            "iou": NMS_IOU,
            "max_det": MAX_DET,
            "max_dets_scored": MAX_DETS,
            "iou_thresholds": "0.50:0.05:0.95",
            "recall_points": 101,
            "area": "all",
        },
        "predictions_count": sum(len(d.scores) for d in predictions.per_image),
        "evaluated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": cpu_model(),
    }
    if predictions.reason:
        document["python_reference_because"] = predictions.reason
    if reference is not None:
        document["pycocotools"] = {
            **{k: round(v, 6) for k, v in reference.items()},
            "difference": {k: round(abs(reference[k] - document[k]), 6) for k in ("mAP50-95", "mAP50")},
        }
    if dataset.name == COCO128:
        document["note"] = TRAIN2017_NOTE
    document["per_class"] = [
        {
            "class_id": c.category_id,
            "name": class_names[c.category_id] if c.category_id < len(class_names) else "",
            "ground_truth": c.ground_truth,
            "detections": c.detections,
            "AP50-95": round(c.ap50_95, 6),
            "AP50": round(c.ap50, 6),
        }
        for c in scores.classes
        if c.ground_truth > 0 or c.detections > 0
    ]
    return document


def accuracy_record(document: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``accuracy`` entry (the engine reads ``mAP50-95``)."""
    record = {
        "mAP50-95": document["mAP50-95"],
        "mAP50": document["mAP50"],
        "dataset": document["dataset"],
        "split": document["split"],
        "images": document["images"],
        "engine": document["engine"],
        "evaluated": document["evaluated"],
    }
    if "note" in document:
        record["note"] = document["note"]
    return record


def format_table(result_path: Path, document: dict[str, Any]) -> str:
    rows = [
        ("model", f"{Path(document['model']).name}  [{document['engine']}, input {document['input']}]"),
        ("data", f"{document['dataset']} ({document['data']})"),
        (
            "split",
            f"{document['split']}; {document['ground_truth_boxes']} boxes, "
            f"{document['classes_scored']} classes",
        ),
        ("mAP50-95", f"{document['mAP50-95']:.4f}"),
        ("mAP50", f"{document['mAP50']:.4f}"),
    ]
    if "pycocotools" in document:
        ref = document["pycocotools"]
        rows.append(
            (
                "pycocotools",
                f"mAP50-95 {ref['mAP50-95']:.4f}, mAP50 {ref['mAP50']:.4f} "
                f"(difference {max(ref['difference'].values()):.1e})",
            )
        )
    if "python_reference_because" in document:
        rows.append(("why python", document["python_reference_because"]))
    if "note" in document:
        rows.append(("note", document["note"]))
    rows.append(("predictions", document["files"]["predictions"]))
    rows.append(("ground truth", document["files"]["ground_truth"]))
    if "recorded_in" in document:
        rows.append(("recorded", f"accuracy in {document['recorded_in']}"))
    lines = ["smartcamrt eval"] + [f"  {name:<13}{value}" for name, value in rows] + [str(result_path)]
    return "\n".join(lines)
