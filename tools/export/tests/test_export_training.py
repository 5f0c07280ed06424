"""The eager model trains: dropout only in train mode, gradients reach every used parameter."""

import torch
from audiomap_export_testlib import audio_batch, make_model


def test_dropout_is_active_only_in_train_mode():
    model = make_model(seed=1, with_head=True)
    audio, lengths = audio_batch([8000, 6000], seed=1)
    model.train()
    a = model(audio, lengths, [-1])["logits"]
    b = model(audio, lengths, [-1])["logits"]
    assert (a - b).abs().max().item() > 1e-4
    model.eval()
    with torch.no_grad():
        c = model(audio, lengths, [-1])["logits"]
        d = model(audio, lengths, [-1])["logits"]
    assert torch.equal(c, d)


def test_gradients_reach_all_used_parameters():
    model = make_model(seed=2, with_head=True, use_weighted_layer_sum=True).train()
    audio, lengths = audio_batch([8000, 6000], seed=2)
    logits = model(audio, lengths, [-1])["logits"]
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 3])).backward()
    no_grad = [
        n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0
    ]
    assert no_grad == ["wav2vec2_conformer.masked_spec_embed"]  # SpecAugment is not implemented
