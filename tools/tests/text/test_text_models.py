"""The text classifiers: padding never changes a text's logits; the BERT encoder equals transformers'."""

from __future__ import annotations

import torch

from smartcamrt_tools.text.models import (
    hf_bert_to_local,
    load_pretrained_bert,
    load_weights,
    model_metadata,
    reverse_within_length,
    save_weights,
)
from smartcamrt_tools.text.train import pad_batch

from .conftest import TINY_BERT, tiny_bert, tiny_lstm


def test_reverse_within_length():
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    assert reverse_within_length(mask).tolist() == [[2, 1, 0, 3, 4], [4, 3, 2, 1, 0]]


def _padding_invariant(model, vocab_size):
    torch.manual_seed(1)
    texts = [torch.randint(2, vocab_size, (n,)).tolist() for n in (1, 3, 7, 12)]
    ids, mask = pad_batch(texts)
    with torch.no_grad():
        batched = model(ids, mask)
        for row, text in enumerate(texts):
            alone = model(torch.tensor([text]), torch.ones(1, len(text), dtype=torch.int64))
            padded_ids, padded_mask = pad_batch([text + [0] * 20])
            padded_mask[0, len(text) :] = 0
            assert torch.allclose(batched[row], alone[0], atol=1e-5)
            assert torch.allclose(model(padded_ids, padded_mask)[0], alone[0], atol=1e-5)


def test_lstm_ignores_padding():
    _padding_invariant(tiny_lstm(), 50)


def test_bert_ignores_padding():
    _padding_invariant(tiny_bert(), 120)


def test_bert_encoder_equals_transformers():
    from transformers import BertConfig as HfConfig
    from transformers import BertModel

    torch.manual_seed(0)
    reference = BertModel(
        HfConfig(
            vocab_size=TINY_BERT.vocab_size,
            hidden_size=TINY_BERT.hidden_size,
            num_hidden_layers=TINY_BERT.num_hidden_layers,
            num_attention_heads=TINY_BERT.num_attention_heads,
            intermediate_size=TINY_BERT.intermediate_size,
            max_position_embeddings=TINY_BERT.max_position_embeddings,
        )
    ).eval()
    model = tiny_bert()
    model.load_state_dict(hf_bert_to_local(reference.state_dict(), TINY_BERT.num_hidden_layers), strict=False)
    ids, mask = pad_batch([[5, 6, 7, 8, 9], [10, 11]])
    with torch.no_grad():
        ours = model.encode(ids, mask)
        theirs = reference(input_ids=ids, attention_mask=mask).last_hidden_state
    real = mask.bool()
    assert torch.allclose(ours[real], theirs[real], atol=1e-5)


def test_pretrained_minilm_loads_from_safetensors():
    from smartcamrt_tools.text.wordpiece import minilm_dir

    model = load_pretrained_bert(minilm_dir())
    assert model.config.num_hidden_layers == 6 and model.config.hidden_size == 384
    assert model.word_embeddings.weight.shape == (30522, 384)


def test_weights_round_trip(tmp_path):
    model = tiny_lstm()
    save_weights(model, tmp_path / "m.safetensors", model_metadata(model))
    loaded = load_weights(tmp_path / "m.safetensors")
    ids = torch.tensor([[3, 4, 5]])
    with torch.no_grad():
        assert torch.equal(model(ids, torch.ones_like(ids)), loaded(ids, torch.ones_like(ids)))
