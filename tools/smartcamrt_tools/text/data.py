"""GLUE SST-2 as the text models see it: ``sentence<TAB>label`` TSV files with a header line.

``train.tsv`` (67,349 phrases and sentences) and ``dev.tsv`` (872 sentences) are resolved like every asset
(cache, then ``$SMARTCAMRT_ASSETS/text/sst2/``); they are never downloaded.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..assets import resolve_asset
from ..checkpoint import file_sha256
from ..errors import ToolError

LABELS = ("negative", "positive")
ASSET_KIND = "text/sst2"
DEV_NAME = "sst2-dev"


@dataclass(frozen=True)
class TextSet:
    path: Path
    sha256: str
    sentences: list[str]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.sentences)


def read_tsv(path: Path) -> tuple[list[str], list[int]]:
    """The ``sentence`` and ``label`` columns of a GLUE-style TSV (other columns ignored)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, None)
            if header is None or "sentence" not in header:
                raise ToolError(f"{path}: no 'sentence' column in the header line")
            column = header.index("sentence")
            label_column = header.index("label") if "label" in header else None
            sentences, labels = [], []
            for row in reader:
                if not row:
                    continue
                sentences.append(row[column].strip())
                labels.append(int(row[label_column]) if label_column is not None else -1)
    except FileNotFoundError:
        raise ToolError(f"{path}: not found") from None
    except UnicodeDecodeError as exc:
        raise ToolError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return sentences, labels


def load_split(name: str) -> TextSet:
    """``train`` or ``dev`` of SST-2 from the assets."""
    path = resolve_asset(ASSET_KIND, f"{name}.tsv")
    sentences, labels = read_tsv(path)
    if any(label not in (0, 1) for label in labels):
        raise ToolError(f"{path}: labels must be 0 or 1")
    return TextSet(path, file_sha256(path), sentences, labels)
