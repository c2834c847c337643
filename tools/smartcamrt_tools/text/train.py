"""Training loops for the text classifiers (CPU, fixed seed, progress bar on stderr).

Batches are padded at the end (the models ignore padding) and formed from length-sorted pools, so a
batch's sentences have similar lengths and little compute goes to padding. The number of epochs and
steps is fixed in advance: the SST-2 dev set is only ever used to report accuracy, never to pick an
epoch or a hyper-parameter value after seeing it.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

POOL_BATCHES = 50  # batches per length-sorted pool


@dataclass
class Batch:
    indices: list[int]
    input_ids: torch.Tensor  # [B, L] int64
    attention_mask: torch.Tensor  # [B, L] int64


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``input_ids`` and ``attention_mask`` (int64)."""
    length = max(1, max(len(s) for s in sequences))
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(sequences), length), dtype=torch.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.int64)
        mask[row, : len(sequence)] = 1
    return ids, mask


def batches(
    sequences: Sequence[Sequence[int]], batch_size: int, rng: random.Random | None = None
) -> Iterator[Batch]:
    """Length-bucketed batches; shuffled (pools, then batch order) when ``rng`` is given, else in length
    order (for inference)."""
    order = list(range(len(sequences)))
    if rng is None:
        order.sort(key=lambda i: len(sequences[i]))
        groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    else:
        rng.shuffle(order)
        groups = []
        pool = batch_size * POOL_BATCHES
        for start in range(0, len(order), pool):
            chunk = sorted(order[start : start + pool], key=lambda i: len(sequences[i]))
            groups.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
        rng.shuffle(groups)
    for group in groups:
        ids, mask = pad_batch([sequences[i] for i in group])
        yield Batch(group, ids, mask)


def progress(total: int, description: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="batch", file=sys.stderr, dynamic_ncols=True, leave=True)


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    sequences: Sequence[Sequence[int]],
    batch_size: int = 64,
    progress_label: str | None = None,
) -> np.ndarray:
    """``[N, 2]`` float32 logits in input order (eval mode, batched by length; a progress bar when
    ``progress_label`` is given)."""
    model.eval()
    logits = np.zeros((len(sequences), 2), dtype=np.float32)
    bar = progress(math.ceil(len(sequences) / batch_size), progress_label) if progress_label else None
    for batch in batches(sequences, batch_size):
        logits[batch.indices] = model(batch.input_ids, batch.attention_mask).numpy()
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return logits


def accuracy(logits: np.ndarray, labels: Sequence[int]) -> float:
    return float((np.asarray(logits).argmax(axis=1) == np.asarray(labels)).mean())


@dataclass
class FitConfig:
    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float = 0.0
    warmup_fraction: float = 0.0  # linear warm-up over this fraction of the steps, then linear decay
    linear_decay: bool = False
    clip_norm: float | None = None
    temperature: float = 1.0  # distillation: softmax temperature of teacher and student
    hard_weight: float = 1.0  # distillation: weight of the hard-label loss (1 - it: soft-label loss)
    seed: int = 0


@dataclass
class FitResult:
    epochs: list[dict] = field(default_factory=list)  # per epoch: mean train loss, dev accuracy
    steps: int = 0
    seconds: float = 0.0


def fit(
    model: nn.Module,
    sequences: Sequence[Sequence[int]],
    labels: Sequence[int],
    config: FitConfig,
    dev: tuple[Sequence[Sequence[int]], Sequence[int]] | None = None,
    soft_logits: np.ndarray | None = None,
    description: str = "train",
    log: Callable[[str], None] = print,
) -> FitResult:
    """Adam(W) over cross-entropy on ``labels``; with ``soft_logits`` (a teacher's logits, ``[N, 2]``) the
    loss is ``hard_weight * CE + (1 - hard_weight) * T^2 * KL(teacher_T || student_T)`` (Hinton et al.).
    The dev accuracy after each epoch is logged and recorded, never used to choose anything."""
    import time

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(sequences) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = int(total * config.warmup_fraction)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.linear_decay:
            return max(0.0, (total - step) / max(1, total - warmup))
        return 1.0

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    label_tensor = torch.as_tensor(labels, dtype=torch.int64)
    teacher = None if soft_logits is None else torch.as_tensor(soft_logits, dtype=torch.float32)
    result = FitResult()
    start = time.perf_counter()
    for epoch in range(config.epochs):
        model.train()
        losses = []
        with progress(steps_per_epoch, f"{description} epoch {epoch + 1}/{config.epochs}") as bar:
            for batch in batches(sequences, config.batch_size, rng):
                logits = model(batch.input_ids, batch.attention_mask)
                loss = nn.functional.cross_entropy(logits, label_tensor[batch.indices])
                if teacher is not None:
                    t = config.temperature
                    soft = nn.functional.kl_div(
                        nn.functional.log_softmax(logits / t, dim=-1),
                        nn.functional.log_softmax(teacher[batch.indices] / t, dim=-1),
                        log_target=True,
                        reduction="batchmean",
                    )
                    loss = config.hard_weight * loss + (1.0 - config.hard_weight) * t * t * soft
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.clip_norm is not None:
                    nn.utils.clip_grad_norm_(parameters, config.clip_norm)
                optimizer.step()
                scheduler.step()
                losses.append(loss.item())
                result.steps += 1
                bar.update(1)
                if len(losses) % 20 == 0:
                    bar.set_postfix(loss=f"{np.mean(losses[-200:]):.4f}")
        record = {"epoch": epoch + 1, "train_loss": round(float(np.mean(losses)), 5)}
        if dev is not None:
            record["dev_accuracy"] = round(accuracy(predict_logits(model, dev[0]), dev[1]), 5)
        result.epochs.append(record)
        log(
            f"{description} epoch {epoch + 1}: "
            + ", ".join(f"{k} {v}" for k, v in record.items() if k != "epoch")
        )
    result.seconds = round(time.perf_counter() - start, 1)
    model.eval()
    return result
