"""``export --dtype qint8``: dynamic int8 quantisation of the encoder, scripted and saved."""

import copy

import pytest
import torch
from audiomap_export_testlib import audio_batch, make_model

from audiomap_export.export import export_model, read_metadata
from audiomap_export.quantize import PointwiseLinear, quantize_dynamic_int8


def _cosines(a, b):
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)


def test_pointwise_linear_equals_the_1x1_conv():
    conv = torch.nn.Conv1d(16, 24, 1, bias=False)
    x = torch.randn(3, 16, 11)
    with torch.no_grad():
        assert torch.allclose(PointwiseLinear(conv)(x), conv(x), atol=1e-5)
    with pytest.raises(ValueError, match="1x1"):
        PointwiseLinear(torch.nn.Conv1d(16, 24, 3))


def test_quantize_replaces_encoder_linears_only():
    model = make_model(seed=11, with_head=True)
    meta = quantize_dynamic_int8(model)
    dynamic = torch.ao.nn.quantized.dynamic.Linear
    encoder_linears = [
        m for m in model.wav2vec2_conformer.encoder.modules() if isinstance(m, dynamic)
    ]
    # 2 layers x (2 FFN x 2 + q, k, v, out, pos + 2 pointwise convs)
    assert len(encoder_linears) == meta["quantized_linear_layers"] == 22
    assert not any(
        isinstance(m, torch.nn.Conv1d) and m.kernel_size == (1,)
        for m in model.wav2vec2_conformer.encoder.modules()
    )
    # the head and the feature projection stay float32
    assert type(model.classifier) is torch.nn.Linear
    assert type(model.wav2vec2_conformer.feature_projection.projection) is torch.nn.Linear
    assert meta["scheme"] == "dynamic" and meta["weight_dtype"] == "qint8"
    assert meta["export_engine"] == torch.backends.quantized.engine


def test_qint8_export_loads_and_agrees_with_float32(tmp_path):
    path = str(tmp_path / "q.pt")
    ref = make_model(seed=12, with_head=True)
    meta = export_model(copy.deepcopy(ref), path, dtype="qint8")
    assert meta["dtype"] == "qint8" and read_metadata(path)["quantization"]["modules"] == [
        "linear",
        "pointwise_conv",
    ]
    module = torch.jit.load(path)
    audio, lengths = audio_batch([16000, 12000, 9000], seed=5)
    with torch.no_grad():
        want = ref(audio, lengths, [0, -1])
        got = module(audio, lengths, [0, -1])
    assert got["pooled"].dtype == torch.float32 and got["logits"].dtype == torch.float32
    assert got["frame_lengths"].tolist() == want["frame_lengths"].tolist()
    # layer 0 is the float32 feature encoder + projection: untouched by quantisation
    assert torch.allclose(got["hidden_states"][0], want["hidden_states"][0], atol=1e-5)
    cos = _cosines(got["pooled"], want["pooled"])
    assert cos.min().item() >= 0.99, cos
    # ... but quantised: int8 rounding moves the final layer measurably
    assert not torch.allclose(got["hidden_states"][1], want["hidden_states"][1], atol=1e-4)
    assert _cosines(got["logits"], want["logits"]).min().item() >= 0.99


def test_qint8_refuses_a_reduced_precision_model():
    model = make_model(seed=13).to(torch.bfloat16)
    with pytest.raises(ValueError, match="float32"):
        quantize_dynamic_int8(model)
