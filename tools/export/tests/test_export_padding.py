"""Padding: 'masked' mode makes a clip's result independent of its batch; 'hf' mode does not."""

import pytest
import torch
from audiomap_export_testlib import audio_batch, make_model, variant_params

LENGTHS = [16000, 9000, 4321, 401, 399]


def _alone_vs_batch(model, lengths, pad_value=0.0):
    """Largest difference between each clip run alone and inside the padded batch."""
    audio, lens = audio_batch(lengths, seed=5, pad_value=pad_value)
    if pad_value != 0.0:  # garbage padding: noise past each clip's end
        g = torch.Generator().manual_seed(9)
        noise = torch.randn(audio.shape, generator=g) * 3.0
        for i, n in enumerate(lengths):
            audio[i, n:] = noise[i, n:]
    n_states = int(model.config["num_hidden_layers"]) + 1
    layers = list(range(n_states))
    with torch.no_grad():
        batch = model(audio, lens, layers)
    worst = {}
    for i, n in enumerate(lengths):
        with torch.no_grad():
            alone = model(audio[i : i + 1, :n], lens[i : i + 1], layers)
        f = int(alone["frame_lengths"][0])
        assert int(batch["frame_lengths"][i]) == f
        pairs = {
            "hidden_states": (batch["hidden_states"][:, i, :f], alone["hidden_states"][:, 0, :f]),
            "pooled": (batch["pooled"][i], alone["pooled"][0]),
        }
        if "logits" in batch:
            pairs["logits"] = (batch["logits"][i], alone["logits"][0])
        for key, (a, b) in pairs.items():
            d = (a - b).abs().max().item() if a.numel() else 0.0
            worst[key] = max(worst.get(key, 0.0), d)
    return worst


@pytest.mark.parametrize("overrides,with_head", variant_params())
def test_masked_clip_alone_equals_clip_in_padded_batch(overrides, with_head):
    model = make_model(seed=21, with_head=with_head, **overrides)
    worst = _alone_vs_batch(model, LENGTHS)
    assert all(d <= 1e-4 for d in worst.values()), worst


def test_masked_ignores_padding_content():
    """Noise instead of zeros past a clip's end changes nothing in masked mode."""
    model = make_model(seed=22, with_head=True, feat_extract_norm="group")
    worst = _alone_vs_batch(model, [16000, 7000, 2500], pad_value=1.0)
    assert all(d <= 1e-4 for d in worst.values()), worst


def test_hf_mode_leaks_through_the_convolution_module():
    model = make_model(seed=23, with_head=True, padding_mode="hf", feat_extract_norm="layer")
    worst = _alone_vs_batch(model, [16000, 9000])
    assert worst["hidden_states"] > 1e-3, worst
    assert worst["logits"] > 1e-4, worst


def test_hf_mode_leaks_through_group_norm():
    # kernel 1: the convolution module reads no neighbour, so only GroupNorm can leak
    model = make_model(
        seed=24, padding_mode="hf", feat_extract_norm="group", conv_depthwise_kernel_size=1
    )
    assert _alone_vs_batch(model, [16000, 9000])["hidden_states"] > 1e-3
    model = make_model(
        seed=24, padding_mode="masked", feat_extract_norm="group", conv_depthwise_kernel_size=1
    )
    assert _alone_vs_batch(model, [16000, 9000])["hidden_states"] <= 1e-4


def test_hf_mode_attention_is_masked():
    # kernel 1 + layer norm: HF masks attention and pooling, so nothing leaks
    model = make_model(seed=25, with_head=True, padding_mode="hf", conv_depthwise_kernel_size=1)
    worst = _alone_vs_batch(model, [16000, 9000, 3000])
    assert all(d <= 1e-4 for d in worst.values()), worst


@pytest.mark.parametrize("norm", ["layer", "group"])
def test_modes_agree_without_padding(norm):
    """On an unpadded batch the two modes compute the same function."""
    masked = make_model(seed=26, with_head=True, feat_extract_norm=norm)
    hf = make_model(seed=26, with_head=True, feat_extract_norm=norm, padding_mode="hf")
    audio, lens = audio_batch([12000, 12000], seed=3)
    with torch.no_grad():
        a, b = masked(audio, lens, [0, 1, 2]), hf(audio, lens, [0, 1, 2])
    for key in a:
        assert (a[key].double() - b[key].double()).abs().max().item() <= 1e-5, key
