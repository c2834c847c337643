"""The two text classifiers, in plain PyTorch: a BiLSTM over word ids and a BERT encoder (MiniLM-L6).

Both take ``input_ids`` and ``attention_mask`` (int64 ``[B, L]``; mask 1 for real tokens, 0 for padding at
the end) and return ``logits`` float32 ``[B, 2]``. Padding never changes a sentence's logits, so the same
module trains on padded batches, exports with a dynamic ``L`` (the engine feeds one unpadded text) and
exports at a static ``L`` (formats that need one: the text padded at the end).

The BERT encoder is written here rather than taken from ``transformers`` so that exporters see only
plain tensor operations; its weights are read from ``model.safetensors`` with ``safetensors`` (never a
pickle), and a test checks it against ``transformers.BertModel`` on the same weights.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ToolError

NUM_LABELS = 2
MASKED = -1.0e4  # added to scores/activations at padded positions (finite: converters handle it)


@dataclass(frozen=True)
class LstmConfig:
    vocab_size: int
    embedding_dim: int = 300
    hidden_size: int = 256
    dropout: float = 0.5
    num_labels: int = NUM_LABELS


class BiLstmClassifier(nn.Module):
    """Embedding -> forward LSTM and backward LSTM -> max pool over real tokens -> dropout -> linear.

    The backward direction runs a forward LSTM over each sentence reversed *within its length*
    (:func:`reverse_within_length`), so trailing padding is seen last by both directions and never
    reaches a real token's state; the max pool skips padded positions.
    """

    def __init__(self, config: LstmConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=0)
        self.forward_lstm = nn.LSTM(config.embedding_dim, config.hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(config.embedding_dim, config.hidden_size, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(2 * config.hidden_size, config.num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        embedded = self.dropout(self.embedding(input_ids))
        forward_states, _ = self.forward_lstm(embedded)
        order = reverse_within_length(attention_mask)
        backward_states, _ = self.backward_lstm(_take(embedded, order))
        backward_states = _take(backward_states, order)  # the same permutation undoes itself
        states = torch.cat([forward_states, backward_states], dim=-1)
        padded = (attention_mask == 0).unsqueeze(-1).to(states.dtype)
        pooled = (states + padded * MASKED).max(dim=1).values
        return self.classifier(self.dropout(pooled))


def reverse_within_length(attention_mask: torch.Tensor) -> torch.Tensor:
    """Per row, the index order that reverses the real tokens and leaves the padding where it is:
    position t < n takes n - 1 - t, position t >= n takes t (n = the row's real length)."""
    length = attention_mask.sum(dim=1, keepdim=True)
    position = torch.cumsum(torch.ones_like(attention_mask), dim=1) - 1
    return torch.where(position < length, length - 1 - position, position)


def _take(values: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    return torch.gather(values, 1, order.unsqueeze(-1).expand(-1, -1, values.shape[-1]))


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    num_labels: int = NUM_LABELS

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        """The fields this encoder uses from a Hugging Face ``config.json`` (BERT, absolute positions,
        GELU)."""
        raw = json.loads(Path(path).read_text())
        if raw.get("model_type", "bert") != "bert" or raw.get("hidden_act", "gelu") != "gelu":
            raise ToolError(f"{path}: not a BERT config with GELU activations")
        if raw.get("position_embedding_type", "absolute") != "absolute":
            raise ToolError(f"{path}: only absolute position embeddings are supported")
        names = set(cls.__dataclass_fields__) - {"num_labels"}
        return cls(**{key: raw[key] for key in names if key in raw})


class _Attention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.heads = config.num_attention_heads
        self.head_size = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.output = nn.Linear(config.hidden_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # [B, L, H] -> [B, heads, L, head_size]
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_size).transpose(1, 2)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = (
            self._split(self.query(hidden)),
            self._split(self.key(hidden)),
            self._split(self.value(hidden)),
        )
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_size)) + bias
        context = torch.matmul(self.dropout(torch.softmax(scores, dim=-1)), v)
        context = context.transpose(1, 2).reshape(hidden.shape)
        return self.norm(hidden + self.dropout(self.output(context)))


class _Layer(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(config)
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.output = nn.Linear(config.intermediate_size, config.hidden_size)
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        hidden = self.attention(hidden, bias)
        inner = nn.functional.gelu(self.intermediate(hidden))  # exact (erf) GELU, as BERT's "gelu"
        return self.norm(hidden + self.dropout(self.output(inner)))


class BertClassifier(nn.Module):
    """BERT embeddings + encoder -> mean pool over real tokens -> dropout -> linear head.

    Mean pooling is what all-MiniLM-L6-v2 was trained with (its sentence embedding). Token type ids are
    all 0 (single sentences), so the model takes no ``token_type_ids`` input.
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.embedding_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.num_hidden_layers))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Last hidden states ``[B, L, H]``."""
        length = input_ids.shape[1]
        positions = self.position_embeddings.weight[:length].unsqueeze(0)
        hidden = self.word_embeddings(input_ids) + positions + self.token_type_embeddings.weight[0]
        hidden = self.dropout(self.embedding_norm(hidden))
        mask = attention_mask.to(hidden.dtype)
        bias = ((1.0 - mask) * MASKED)[:, None, None, :]  # [B, 1, 1, L]: padded keys get no attention
        for layer in self.layers:
            hidden = layer(hidden, bias)
        return hidden

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encode(input_ids, attention_mask)
        mask = attention_mask.to(hidden.dtype).unsqueeze(-1)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.classifier(self.dropout(pooled))


# Hugging Face BERT parameter names (as in all-MiniLM-L6-v2's model.safetensors) -> this module's.
_HF_EMBEDDINGS = {
    "embeddings.word_embeddings.weight": "word_embeddings.weight",
    "embeddings.position_embeddings.weight": "position_embeddings.weight",
    "embeddings.token_type_embeddings.weight": "token_type_embeddings.weight",
    "embeddings.LayerNorm.weight": "embedding_norm.weight",
    "embeddings.LayerNorm.bias": "embedding_norm.bias",
}
_HF_LAYER = {
    "attention.self.query": "attention.query",
    "attention.self.key": "attention.key",
    "attention.self.value": "attention.value",
    "attention.output.dense": "attention.output",
    "attention.output.LayerNorm": "attention.norm",
    "intermediate.dense": "intermediate",
    "output.dense": "output",
    "output.LayerNorm": "norm",
}


def hf_bert_to_local(weights: dict[str, torch.Tensor], num_layers: int) -> dict[str, torch.Tensor]:
    """Rename a Hugging Face BERT state dict to :class:`BertClassifier`'s encoder names (the pooler and
    ``position_ids`` buffer are not used; missing encoder tensors are an error)."""
    mapping = dict(_HF_EMBEDDINGS)
    for index in range(num_layers):
        for hf_name, local in _HF_LAYER.items():
            for kind in ("weight", "bias"):
                mapping[f"encoder.layer.{index}.{hf_name}.{kind}"] = f"layers.{index}.{local}.{kind}"
    missing = sorted(name for name in mapping if name not in weights)
    if missing:
        raise ToolError(f"BERT weights lack {len(missing)} tensors, e.g. {missing[0]}")
    return {local: weights[hf_name] for hf_name, local in mapping.items()}


def load_pretrained_bert(model_dir: Path, seed: int = 0) -> BertClassifier:
    """A :class:`BertClassifier` with the encoder read from ``model_dir/model.safetensors`` (safetensors,
    no pickle) and ``config.json``; the classification head is freshly initialised from ``seed``."""
    config = BertConfig.from_json(model_dir / "config.json")
    torch.manual_seed(seed)
    model = BertClassifier(config)
    encoder = hf_bert_to_local(load_file(str(model_dir / "model.safetensors")), config.num_hidden_layers)
    result = model.load_state_dict(encoder, strict=False)
    if result.unexpected_keys or set(result.missing_keys) != {"classifier.weight", "classifier.bias"}:
        raise ToolError(f"BERT weights do not fit: missing {result.missing_keys[:3]}")
    return model


def save_weights(model: nn.Module, path: Path, metadata: dict[str, str]) -> None:
    """The trained weights as safetensors (metadata: the model config as JSON)."""
    tensors = {name: value.detach().contiguous() for name, value in model.state_dict().items()}
    save_file(tensors, str(path), metadata=metadata)


def build_model(arch: str, config: dict) -> nn.Module:
    if arch == "lstm":
        return BiLstmClassifier(LstmConfig(**config))
    if arch == "bert":
        return BertClassifier(BertConfig(**config))
    raise ToolError(f"unknown text model architecture '{arch}'")


def load_weights(path: Path) -> nn.Module:
    """A model saved by :func:`save_weights`: its architecture and config from the file's metadata."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata() or {}
    if "arch" not in metadata or "config" not in metadata:
        raise ToolError(f"{path}: no model architecture/config in the safetensors metadata")
    model = build_model(metadata["arch"], json.loads(metadata["config"]))
    model.load_state_dict(load_file(str(path)))
    return model.eval()


def model_metadata(model: nn.Module) -> dict[str, str]:
    arch = "lstm" if isinstance(model, BiLstmClassifier) else "bert"
    return {"arch": arch, "config": json.dumps(asdict(model.config))}
