"""train.py's on-the-fly augmentation: time masking touches training only, within its bounds."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import train  # noqa: E402


def _projection():
    torch.manual_seed(0)
    return torch.nn.Linear(4, 6)


def test_time_mask_zeroes_whole_frames_in_training_only():
    proj = _projection()
    proj.register_forward_hook(train.time_mask_hook(1.0, 3, torch.Generator().manual_seed(5)))
    x = torch.randn(8, 50, 4)
    proj.train()
    out = proj(x)
    ref = torch.nn.functional.linear(x, proj.weight, proj.bias)
    zero_frames = (out == 0).all(dim=2)  # [B, F]
    kept = ~zero_frames
    # Frames are either untouched or zeroed as a whole.
    torch.testing.assert_close(out[kept], ref[kept])
    per_clip = zero_frames.sum(dim=1)
    # With probability 1, each clip gets two spans of 1..3 frames (they may overlap or be cut
    # at the end), so 1..6 frames are masked per clip.
    assert bool((per_clip >= 1).all()) and bool((per_clip <= 6).all()), per_clip
    proj.eval()
    torch.testing.assert_close(proj(x), ref)


def test_time_mask_off_leaves_training_output_unchanged():
    proj = _projection()
    proj.register_forward_hook(train.time_mask_hook(0.0, 5, torch.Generator().manual_seed(5)))
    x = torch.randn(3, 20, 4)
    proj.train()
    torch.testing.assert_close(proj(x), torch.nn.functional.linear(x, proj.weight, proj.bias))
