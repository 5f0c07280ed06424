"""Parity with Hugging Face transformers (runs only where `transformers` is importable).

HF's Wav2Vec2ConformerForSequenceClassification is built from the same config and given our
seeded large-scale random weights (so positional terms, BatchNorm statistics and pos_bias_u/v
all matter), saved with ``save_pretrained``, exported with this package in ``hf`` padding
mode, and compared on a padded batch with an attention mask.
"""

import os

import pytest
import torch
from audiomap_export_testlib import audio_batch, make_model

transformers = pytest.importorskip(
    "transformers",
    reason="transformers is not installed here (it is on the GPU machine); HF parity not checked",
)

from audiomap_export.checkpoint import hf_config, load_checkpoint  # noqa: E402
from audiomap_export.export import export_model  # noqa: E402

CASES = [
    pytest.param({"position_embeddings_type": "relative"}, True, id="relative-layer-safetensors"),
    pytest.param({"position_embeddings_type": "rotary"}, True, id="rotary-layer-safetensors"),
    pytest.param({"feat_extract_norm": "group"}, False, id="relative-group-bin"),
    pytest.param(
        {"use_weighted_layer_sum": True, "hidden_act": "gelu"}, True, id="weighted-sum-safetensors"
    ),
    pytest.param({"position_embeddings_type": None}, True, id="no-positions-safetensors"),
]


def _save_pretrained(hf, path, safetensors):
    """save_pretrained in the requested format; returns the weights file it wrote (transformers
    before ~4.30 ignores ``safe_serialization`` and always writes pytorch_model.bin)."""
    hf.save_pretrained(path, safe_serialization=safetensors)
    written = [
        f
        for f in ("model.safetensors", "pytorch_model.bin")
        if os.path.isfile(os.path.join(path, f))
    ]
    assert len(written) == 1, written
    return written[0]


def _hf_model(ours):
    config = transformers.Wav2Vec2ConformerConfig(**hf_config(ours))
    hf = transformers.Wav2Vec2ConformerForSequenceClassification(config).eval()
    missing, unexpected = hf.load_state_dict(ours.state_dict(), strict=False)
    assert list(unexpected) == []
    # HF-only modules: the unused pos_conv_embed, and the rotary inv_freq buffer (we recompute it)
    assert all(
        ".pos_conv_embed." in k or k.endswith("embed_positions.inv_freq") for k in missing
    ), missing
    return hf


@pytest.mark.parametrize("overrides,safetensors", CASES)
def test_hidden_states_and_logits_match_hf(tmp_path, overrides, safetensors):
    ours = make_model(seed=31, with_head=True, **overrides)
    hf = _hf_model(ours)
    ckpt = tmp_path / "hf"
    weights_file = _save_pretrained(hf, str(ckpt), safetensors)
    model, info = load_checkpoint(str(ckpt), padding_mode="hf")
    assert info["has_head"]
    assert info["weights_file"] == weights_file
    export_model(model, str(tmp_path / "hf.pt"), padding_mode="hf")
    module = torch.jit.load(str(tmp_path / "hf.pt"))

    audio, lengths = audio_batch([16000, 11000, 5000], seed=8)
    attention_mask = (torch.arange(audio.shape[1])[None, :] < lengths[:, None]).long()
    n_states = hf.config.num_hidden_layers + 1
    with torch.no_grad():
        ref = hf(audio, attention_mask=attention_mask, output_hidden_states=True)
        out = module(audio, lengths, list(range(n_states)))

    assert len(ref.hidden_states) == n_states
    frames = out["frame_lengths"].tolist()
    worst = 0.0
    for i in range(n_states):
        for b, f in enumerate(frames):
            d = (out["hidden_states"][i, b, :f] - ref.hidden_states[i][b, :f]).abs().max().item()
            worst = max(worst, d)
    assert worst <= 1e-4, f"hidden states differ by {worst}"
    assert (out["logits"] - ref.logits).abs().max().item() <= 1e-4

    # masked mode equals HF on an unpadded clip (HF called without a mask)
    set_masked = make_model(seed=31, with_head=True, **overrides)
    with torch.no_grad():
        single = set_masked(audio[:1], lengths[:1], [-1])
        ref1 = hf(audio[:1], output_hidden_states=True)
    assert (single["hidden_states"][0] - ref1.hidden_states[-1]).abs().max().item() <= 1e-4
    assert (single["logits"] - ref1.logits).abs().max().item() <= 1e-4


def test_base_model_checkpoint_matches_hf(tmp_path):
    ours = make_model(seed=32)
    config = transformers.Wav2Vec2ConformerConfig(**hf_config(ours))
    hf = transformers.Wav2Vec2ConformerModel(config).eval()
    missing, unexpected = hf.load_state_dict(ours.state_dict(), strict=False)
    assert list(unexpected) == [] and all(".pos_conv_embed." in k for k in missing)
    _save_pretrained(hf, str(tmp_path / "base"), True)
    model, info = load_checkpoint(str(tmp_path / "base"), padding_mode="hf")
    assert not info["has_head"]
    audio, lengths = audio_batch([12000, 7000], seed=9)
    attention_mask = (torch.arange(audio.shape[1])[None, :] < lengths[:, None]).long()
    with torch.no_grad():
        ref = hf(audio, attention_mask=attention_mask)
        out = model(audio, lengths, [-1])
    for b, f in enumerate(out["frame_lengths"].tolist()):
        assert (
            out["hidden_states"][0, b, :f] - ref.last_hidden_state[b, :f]
        ).abs().max().item() <= 1e-4
