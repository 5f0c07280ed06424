"""The TorchScript module computes what the eager module computes."""

import io

import pytest
import torch
from audiomap_export_testlib import audio_batch, make_model, variant_params

from audiomap_export.export import script_model


@pytest.mark.parametrize("overrides,with_head", variant_params())
def test_scripted_equals_eager(overrides, with_head):
    model = make_model(seed=11, with_head=with_head, **overrides)
    audio, lengths = audio_batch([16000, 11000, 4000], seed=1)
    layers = [0, 1, -1]
    with torch.no_grad():
        eager = model(audio, lengths, layers)
    scripted = script_model(model)
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    with torch.no_grad():
        out = loaded(audio, lengths, layers)
    assert set(out) == set(eager)
    assert ("logits" in out) == with_head
    for key in eager:
        assert out[key].shape == eager[key].shape, key
        diff = (out[key].double() - eager[key].double()).abs().max().item()
        assert diff <= 1e-5, f"{key}: max abs diff {diff}"
    # the outputs are not trivially constant: different clips give different pooled vectors
    assert (eager["pooled"][0] - eager["pooled"][1]).abs().max() > 1e-2


def test_scripted_handles_new_lengths_after_first_call():
    """Dynamic shapes: the JIT's profiling on the first calls must not freeze a length."""
    scripted = script_model(make_model(seed=3))
    model = make_model(seed=3)
    for n in (8000, 3200, 20000, 640, 8000):
        audio, lengths = audio_batch([n, n // 2], seed=n)
        with torch.no_grad():
            a = scripted(audio, lengths, [-1])["hidden_states"]
            b = model(audio, lengths, [-1])["hidden_states"]
        assert a.shape == b.shape
        assert (a - b).abs().max().item() <= 1e-5
