"""Independent checks of the positional attention against per-(i, j) definitions."""

import math

import pytest
import torch
from audiomap_export_testlib import audio_batch, make_model, tiny_config

from audiomap_export.config import frame_count, receptive_field, resolve_config
from audiomap_export.model import (
    RelPosSelfAttention,
    RotarySelfAttention,
    relative_shift,
    relative_sinusoids,
)


def _init(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.7)


def _sinusoid(p, dim):
    """Sinusoid of relative position p: channel 2k = sin(p w_k), 2k+1 = cos(p w_k), w_k = 10000^(-2k/dim)."""
    out = []
    for k in range(dim // 2):
        w = math.exp(-(2 * k) * math.log(10000.0) / dim)
        out += [math.sin(p * w), math.cos(p * w)]
    return torch.tensor(out, dtype=torch.float64)


def _naive_attention(x, scores_fn, attn, mask):
    """softmax(scores + mask) @ v per head, then linear_out; everything in float64 loops."""
    b, t, h = x.shape
    heads, d = attn.num_heads, attn.head_size
    v = (x @ attn.linear_v.weight.double().T + attn.linear_v.bias.double()).view(b, t, heads, d)
    out = torch.zeros(b, t, heads, d, dtype=torch.float64)
    for bi in range(b):
        for hd in range(heads):
            for i in range(t):
                s = torch.tensor([scores_fn(bi, hd, i, j) for j in range(t)], dtype=torch.float64)
                s = s.masked_fill(~mask[bi], -1e300)
                out[bi, i, hd] = torch.softmax(s, dim=0) @ v[bi, :, hd]
    out = out.reshape(b, t, h)
    return out @ attn.linear_out.weight.double().T + attn.linear_out.bias.double()


def test_relative_sinusoids_rows_are_positions():
    t, dim = 5, 8
    pe = relative_sinusoids(t, dim, torch.float32, torch.device("cpu"))
    assert pe.shape == (1, 2 * t - 1, dim)
    for r in range(2 * t - 1):
        assert torch.allclose(pe[0, r].double(), _sinusoid(t - 1 - r, dim), atol=1e-6)


def test_relative_shift_matches_index_definition():
    t = 7
    full = torch.randn(2, 3, t, 2 * t - 1)
    shifted = relative_shift(full)
    for i in range(t):
        for j in range(t):
            assert torch.equal(shifted[..., i, j], full[..., i, t - 1 - i + j])


def test_relative_attention_matches_transformer_xl_loop():
    cfg = resolve_config(tiny_config(hidden_size=8, num_attention_heads=2))
    attn = RelPosSelfAttention(cfg).eval()
    _init(attn, 1)
    b, t, h, heads, d = 2, 6, 8, 2, 4
    x = torch.randn(b, t, h, generator=torch.Generator().manual_seed(2))
    mask = torch.tensor([[True] * t, [True] * 4 + [False] * 2])
    bias = (~mask).float()[:, None, None, :] * -3.4e38
    pos = relative_sinusoids(t, h, torch.float32, torch.device("cpu"))
    with torch.no_grad():
        got = attn(x, bias, pos).double()

    xd = x.double()
    lin = lambda m, z: z @ m.weight.double().T + m.bias.double()  # noqa: E731
    q = lin(attn.linear_q, xd).view(b, t, heads, d)
    k = lin(attn.linear_k, xd).view(b, t, heads, d)
    wpos = attn.linear_pos.weight.double()
    u, v = attn.pos_bias_u.double(), attn.pos_bias_v.double()

    def score(bi, hd, i, j):
        r = (wpos @ _sinusoid(i - j, h)).view(heads, d)[hd]
        content = (q[bi, i, hd] + u[hd]) @ k[bi, j, hd]
        position = (q[bi, i, hd] + v[hd]) @ r
        return float((content + position) / math.sqrt(d))

    want = _naive_attention(xd, score, attn, mask)
    valid = mask[:, :, None].expand_as(want)
    assert (got - want)[valid].abs().max().item() < 1e-4
    # the positional term matters: dropping pos_bias_v and linear_pos changes the result
    with torch.no_grad():
        attn.linear_pos.weight.zero_()
        attn.pos_bias_v.zero_()
        changed = attn(x, bias, pos).double()
    assert (changed - got)[valid].abs().max().item() > 1e-2


def test_rotary_attention_matches_pairwise_rotation_loop():
    cfg = resolve_config(
        tiny_config(hidden_size=8, num_attention_heads=2, position_embeddings_type="rotary")
    )
    attn = RotarySelfAttention(cfg).eval()
    _init(attn, 3)
    b, t, h, heads, d = 1, 5, 8, 2, 4
    x = torch.randn(b, t, h, generator=torch.Generator().manual_seed(4))
    mask = torch.ones(b, t, dtype=torch.bool)
    model = make_model(position_embeddings_type="rotary", hidden_size=8, num_attention_heads=2)
    pos = model.encoder.positions(x)
    with torch.no_grad():
        got = attn(x, torch.zeros(b, 1, 1, t), pos).double()

    # rotate the input of linear_q / linear_k: pair (c, c + d/2) of each head by angle t * 10000^(-2c/d)
    xr = x.double().clone().view(b, t, heads, d)
    rot = xr.clone()
    for ti in range(t):
        for c in range(d // 2):
            ang = ti * 10000.0 ** (-(2 * c) / d)
            a, z = xr[:, ti, :, c], xr[:, ti, :, c + d // 2]
            rot[:, ti, :, c] = a * math.cos(ang) - z * math.sin(ang)
            rot[:, ti, :, c + d // 2] = z * math.cos(ang) + a * math.sin(ang)
    rot = rot.view(b, t, h)
    lin = lambda m, z: z @ m.weight.double().T + m.bias.double()  # noqa: E731
    q = lin(attn.linear_q, rot).view(b, t, heads, d)
    k = lin(attn.linear_k, rot).view(b, t, heads, d)

    def score(bi, hd, i, j):
        return float(q[bi, i, hd] @ k[bi, j, hd] / math.sqrt(d))

    want = _naive_attention(x.double(), score, attn, mask)
    assert (got - want).abs().max().item() < 1e-4


@pytest.mark.parametrize("n", [0, 1, 399, 400, 401, 719, 720, 721, 1000, 16000, 16001, 48123])
def test_frame_lengths_match_the_convolutions(n):
    model = make_model(seed=1)
    cfg = model.config
    want = frame_count(n, cfg["conv_kernel"], cfg["conv_stride"])
    # HF formula without clamping, for lengths that reach one frame
    if n >= 400:
        m = n
        for k, s in zip(cfg["conv_kernel"], cfg["conv_stride"]):
            m = (m - k) // s + 1
        assert m == want
    audio, lengths = audio_batch([n], seed=1) if n else (torch.zeros(1, 0), torch.tensor([0]))
    with torch.no_grad():
        out = model(audio, lengths, [-1])
    assert int(out["frame_lengths"][0]) == want
    if n >= 400:  # an unpadded clip yields exactly its frames
        assert out["hidden_states"].shape[2] == want
    assert receptive_field(cfg["conv_kernel"], cfg["conv_stride"]) == 400
    assert frame_count(399, cfg["conv_kernel"], cfg["conv_stride"]) == 0
    assert frame_count(400, cfg["conv_kernel"], cfg["conv_stride"]) == 1
