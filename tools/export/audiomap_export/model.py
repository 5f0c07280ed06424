"""Wav2Vec2-Conformer in plain PyTorch, written for ``torch.jit.script``.

Parameter names equal those of Hugging Face's ``Wav2Vec2ConformerModel`` (unprefixed) and
``Wav2Vec2ConformerForSequenceClassification`` (``wav2vec2_conformer.`` + ``projector``,
``classifier``, optional ``layer_weights``), so an HF state_dict loads key for key. The
unused ``encoder.pos_conv_embed`` module of HF checkpoints is not built here (see
checkpoint.py).

Both models share the exported signature::

    forward(audio: [B, T] float, lengths: [B] int64, layers: List[int]) -> Dict[str, Tensor]

with ``hidden_states`` [len(layers), B, F, H] (index 0 = encoder input, i = output of layer
i, L = after the final encoder LayerNorm, negatives from the end), ``frame_lengths`` [B],
``pooled`` [B, H] (masked mean of the last hidden state) and, for the classifier, ``logits``.

Padding modes (``padding_mode``):

* ``"masked"`` (default): a clip's result does not depend on the rest of its batch. Padded
  frames are masked in attention, zeroed before every depthwise convolution of the conformer
  convolution module, and the feature encoder's GroupNorm (``feat_extract_norm="group"``)
  takes its statistics over the clip's valid frames only.
* ``"hf"``: reproduces HF's ``forward(input_values, attention_mask=...)`` exactly: attention
  and mean pooling are masked, but the convolution module reads padded frames and GroupNorm
  normalises over the whole padded axis, so padding leaks into the last valid frames.

Clips with fewer samples than the receptive field (400 for the standard encoder) have 0
frames: their ``pooled`` row is zeros and their logits are the classifier applied to a zero
pooled projection (HF would divide by zero). When the whole batch is that short, the audio is
zero-padded to one receptive field so that F = 1 (that frame is padding).
"""

import contextlib
import math
from typing import Any, Dict, Iterator, List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import labels_in_order, num_labels, resolve_config

PADDING_MODES = ("masked", "hf")


def make_activation(name: str) -> nn.Module:
    """nn.Module for an HF ``ACT2FN`` name (gelu, gelu_new, relu, swish/silu, tanh)."""
    key = name.lower()
    if key == "gelu":
        return nn.GELU()
    if key in ("gelu_new", "gelu_pytorch_tanh"):
        return nn.GELU(approximate="tanh")
    if key in ("swish", "silu"):
        return nn.SiLU()
    if key == "relu":
        return nn.ReLU()
    if key == "tanh":
        return nn.Tanh()
    raise ValueError(
        f"unsupported activation {name!r}; supported: gelu, gelu_new, swish, silu, relu, tanh"
    )


def dtype_min(dtype: torch.dtype) -> float:
    """Most negative finite value of a float dtype (what HF adds to masked attention scores)."""
    if dtype == torch.float16:
        return -65504.0
    if dtype == torch.bfloat16:
        return -3.3895313892515355e38
    if dtype == torch.float64:
        return -1.7976931348623157e308
    return -3.4028234663852886e38


def conv_out_lengths(lengths: Tensor, kernel: int, stride: int) -> Tensor:
    """Valid output frames of an unpadded strided conv: floor((n - k) / s) + 1, at least 0."""
    return torch.clamp(torch.div(lengths - kernel, stride, rounding_mode="floor") + 1, min=0)


def length_mask(lengths: Tensor, size: int) -> Tensor:
    """Bool [B, size]: True where the position is below the clip's length."""
    return torch.arange(size, device=lengths.device)[None, :] < lengths[:, None]


# ----------------------------------------------------------------------------- feature encoder


class NoNormConvLayer(nn.Module):
    """Strided conv + activation (layers 1.. of the ``group`` feature encoder)."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int, stride: int, bias: bool, act: str):
        super().__init__()
        self.conv = nn.Conv1d(in_dim, out_dim, kernel, stride=stride, bias=bias)
        self.activation = make_activation(act)

    def forward(self, x: Tensor, out_lengths: Tensor) -> Tensor:
        return self.activation(self.conv(x))


class LayerNormConvLayer(nn.Module):
    """Strided conv + LayerNorm over channels of each frame + activation. Never leaks padding."""

    def __init__(self, in_dim: int, out_dim: int, kernel: int, stride: int, bias: bool, act: str):
        super().__init__()
        self.conv = nn.Conv1d(in_dim, out_dim, kernel, stride=stride, bias=bias)
        self.layer_norm = nn.LayerNorm(out_dim)
        self.activation = make_activation(act)

    def forward(self, x: Tensor, out_lengths: Tensor) -> Tensor:
        x = self.conv(x)
        x = self.layer_norm(x.transpose(-2, -1)).transpose(-2, -1)
        return self.activation(x)


class GroupNormConvLayer(nn.Module):
    """Strided conv + GroupNorm with one group per channel (over time) + activation.

    ``masked=True`` takes the mean and (biased) variance over each clip's valid frames only;
    ``masked=False`` is ``nn.GroupNorm`` over the whole, possibly padded, time axis (HF).
    """

    def __init__(self, in_dim: int, out_dim: int, kernel: int, stride: int, bias: bool, act: str):
        super().__init__()
        self.conv = nn.Conv1d(in_dim, out_dim, kernel, stride=stride, bias=bias)
        self.layer_norm = nn.GroupNorm(out_dim, out_dim, affine=True)
        self.activation = make_activation(act)
        self.masked = True

    def forward(self, x: Tensor, out_lengths: Tensor) -> Tensor:
        x = self.conv(x)
        if self.masked:
            m = length_mask(out_lengths, x.size(2)).to(x.dtype)[:, None, :]
            n = torch.clamp(m.sum(dim=2, keepdim=True), min=1.0)
            mean = (x * m).sum(dim=2, keepdim=True) / n
            var = (((x - mean) ** 2) * m).sum(dim=2, keepdim=True) / n
            x = (x - mean) * torch.rsqrt(var + self.layer_norm.eps)
            x = x * self.layer_norm.weight[None, :, None] + self.layer_norm.bias[None, :, None]
        else:
            x = self.layer_norm(x)
        return self.activation(x)


class FeatureEncoder(nn.Module):
    """Stack of strided 1-D convs turning samples [B, T] into features [B, C, F]."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        dims, kernels, strides = cfg["conv_dim"], cfg["conv_kernel"], cfg["conv_stride"]
        bias, act, norm = (
            bool(cfg["conv_bias"]),
            cfg["feat_extract_activation"],
            cfg["feat_extract_norm"],
        )
        layers: List[nn.Module] = []
        for i in range(len(dims)):
            in_dim = dims[i - 1] if i > 0 else 1
            args = (in_dim, dims[i], kernels[i], strides[i], bias, act)
            if norm == "layer":
                layers.append(LayerNormConvLayer(*args))
            elif i == 0:
                layers.append(GroupNormConvLayer(*args))
            else:
                layers.append(NoNormConvLayer(*args))
        self.conv_layers = nn.ModuleList(layers)
        self.kernels: List[int] = list(kernels)
        self.strides: List[int] = list(strides)

    def output_lengths(self, lengths: Tensor) -> Tensor:
        """Valid frames per clip for ``lengths`` valid samples (HF formula, clamped at 0)."""
        for k, s in zip(self.kernels, self.strides):
            lengths = conv_out_lengths(lengths, k, s)
        return lengths

    def forward(self, audio: Tensor, lengths: Tensor) -> Tuple[Tensor, Tensor]:
        x = audio[:, None, :]
        i = 0
        for layer in self.conv_layers:
            lengths = conv_out_lengths(lengths, self.kernels[i], self.strides[i])
            x = layer(x, lengths)
            i += 1
        return x, lengths


class FeatureProjection(nn.Module):
    """LayerNorm over conv channels, then a linear map to hidden_size."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        self.layer_norm = nn.LayerNorm(cfg["conv_dim"][-1], eps=float(cfg["layer_norm_eps"]))
        self.projection = nn.Linear(cfg["conv_dim"][-1], cfg["hidden_size"])
        self.dropout = nn.Dropout(float(cfg["feat_proj_dropout"]))

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.projection(self.layer_norm(x)))


# ----------------------------------------------------------------------------- positions


def relative_sinusoids(length: int, dim: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """[1, 2*length-1, dim] sinusoids for relative positions length-1, ..., 0, ..., -(length-1).

    Even channels hold sin(p * w_k), odd channels cos(p * w_k), w_k = 10000^(-2k/dim). Row r is
    relative position (length-1-r), i.e. query index minus key index. Computed in float32 for
    the exact length needed, so any length works and nothing is stored in the checkpoint.
    """
    pos = torch.arange(length - 1, -length, -1, device=device).to(torch.float32)[:, None]
    div = torch.exp(
        torch.arange(0, dim, 2, device=device).to(torch.float32) * -(math.log(10000.0) / dim)
    )
    angle = pos * div
    pe = torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(2 * length - 1, dim)
    return pe[None].to(dtype)


def rotary_tables(
    length: int, head_dim: int, base: float, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """[2, length, 1, head_dim] cos/sin tables for rotary positions 0..length-1 (float32 math)."""
    inv_freq = 1.0 / torch.pow(
        base, torch.arange(0, head_dim, 2, device=device).to(torch.float32) / head_dim
    )
    t = torch.arange(length, device=device).to(torch.float32)
    freqs = t[:, None] * inv_freq[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return torch.stack([emb.cos(), emb.sin()])[:, :, None, :].to(dtype)


# ----------------------------------------------------------------------------- conformer block


class FeedForward(nn.Module):
    """Linear -> activation -> dropout -> linear -> dropout."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        self.intermediate_dense = nn.Linear(cfg["hidden_size"], cfg["intermediate_size"])
        self.intermediate_act_fn = make_activation(cfg["hidden_act"])
        self.intermediate_dropout = nn.Dropout(float(cfg["activation_dropout"]))
        self.output_dense = nn.Linear(cfg["intermediate_size"], cfg["hidden_size"])
        self.output_dropout = nn.Dropout(float(cfg["hidden_dropout"]))

    def forward(self, x: Tensor) -> Tensor:
        x = self.intermediate_dropout(self.intermediate_act_fn(self.intermediate_dense(x)))
        return self.output_dropout(self.output_dense(x))


class _AttentionBase(nn.Module):
    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        h = int(cfg["hidden_size"])
        self.num_heads = int(cfg["num_attention_heads"])
        self.head_size = h // self.num_heads
        self.scale = math.sqrt(self.head_size)
        self.linear_q = nn.Linear(h, h)
        self.linear_k = nn.Linear(h, h)
        self.linear_v = nn.Linear(h, h)
        self.linear_out = nn.Linear(h, h)
        self.dropout = nn.Dropout(float(cfg["attention_dropout"]))

    def _heads(self, x: Tensor) -> Tensor:
        """[B, T, H] -> [B, heads, T, head_size]."""
        return x.view(x.size(0), x.size(1), self.num_heads, self.head_size).transpose(1, 2)

    def _attend(self, scores: Tensor, mask_bias: Tensor, value: Tensor) -> Tensor:
        probs = self.dropout(torch.softmax(scores + mask_bias, dim=-1))
        out = torch.matmul(probs, value).transpose(1, 2)
        return self.linear_out(
            out.reshape(out.size(0), out.size(1), self.num_heads * self.head_size)
        )


class PlainSelfAttention(_AttentionBase):
    """Scaled dot-product attention, no positional term (position_embeddings_type=None)."""

    def forward(self, x: Tensor, mask_bias: Tensor, pos: Tensor) -> Tensor:
        q, k, v = (
            self._heads(self.linear_q(x)),
            self._heads(self.linear_k(x)),
            self._heads(self.linear_v(x)),
        )
        return self._attend(torch.matmul(q, k.transpose(-2, -1)) / self.scale, mask_bias, v)


class RotarySelfAttention(_AttentionBase):
    """Rotary positions, applied (as in HF) to the input of linear_q/linear_k, split by head."""

    def forward(self, x: Tensor, mask_bias: Tensor, pos: Tensor) -> Tensor:
        b, t, h = x.size(0), x.size(1), x.size(2)
        xh = x.view(b, t, self.num_heads, self.head_size)
        half = self.head_size // 2
        rotated = torch.cat([-xh[..., half:], xh[..., :half]], dim=-1)
        qk_in = (xh * pos[0] + rotated * pos[1]).view(b, t, h)
        q, k = self._heads(self.linear_q(qk_in)), self._heads(self.linear_k(qk_in))
        v = self._heads(self.linear_v(x))
        return self._attend(torch.matmul(q, k.transpose(-2, -1)) / self.scale, mask_bias, v)


class RelPosSelfAttention(_AttentionBase):
    """Transformer-XL relative attention: score(i, j) = ((q_i + u)·k_j + (q_i + v)·W pe(i - j)) / sqrt(d)."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__(cfg)
        h = int(cfg["hidden_size"])
        self.linear_pos = nn.Linear(h, h, bias=False)
        self.pos_bias_u = nn.Parameter(torch.zeros(self.num_heads, self.head_size))
        self.pos_bias_v = nn.Parameter(torch.zeros(self.num_heads, self.head_size))

    def forward(self, x: Tensor, mask_bias: Tensor, pos: Tensor) -> Tensor:
        t = x.size(1)
        q, k, v = (
            self._heads(self.linear_q(x)),
            self._heads(self.linear_k(x)),
            self._heads(self.linear_v(x)),
        )
        # [1, heads, head_size, 2T-1]; column c is relative position (T-1-c)
        p = (
            self.linear_pos(pos)
            .view(1, 2 * t - 1, self.num_heads, self.head_size)
            .permute(0, 2, 3, 1)
        )
        scores_ac = torch.matmul(q + self.pos_bias_u[:, None, :], k.transpose(-2, -1))
        scores_bd_full = torch.matmul(q + self.pos_bias_v[:, None, :], p).contiguous()
        scores_bd = relative_shift(scores_bd_full)
        return self._attend((scores_ac + scores_bd) / self.scale, mask_bias, v)


def relative_shift(full: Tensor) -> Tensor:
    """[..., T, 2T-1] scores against positions T-1..-(T-1) -> [..., T, T] with out[i, j] = full[i, T-1-i+j].

    A zero-copy strided view of the contiguous input: element (i, j) sits at flat offset
    i*(2T-1) + (T-1-i+j) = (T-1) + i*(2T-2) + j within each [T, 2T-1] block.
    """
    t = full.size(-2)
    sizes = list(full.size()[:-1]) + [t]
    strides = list(full.stride()[:-2]) + [2 * t - 2, 1]
    return full.as_strided(sizes, strides, full.storage_offset() + t - 1)


class ConvolutionModule(nn.Module):
    """LayerNorm -> pointwise conv (2H) -> GLU -> depthwise conv -> BatchNorm -> act -> pointwise conv.

    ``masked=True`` zeroes padded frames right before the depthwise conv, so the last valid
    frames see the same zeros that a lone clip's 'same' padding gives them.
    """

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        h, k = int(cfg["hidden_size"]), int(cfg["conv_depthwise_kernel_size"])
        self.layer_norm = nn.LayerNorm(h)
        self.pointwise_conv1 = nn.Conv1d(h, 2 * h, 1, bias=False)
        self.depthwise_conv = nn.Conv1d(h, h, k, padding=(k - 1) // 2, groups=h, bias=False)
        self.batch_norm = nn.BatchNorm1d(h)
        self.activation = make_activation(cfg["hidden_act"])
        self.pointwise_conv2 = nn.Conv1d(h, h, 1, bias=False)
        self.dropout = nn.Dropout(float(cfg["conformer_conv_dropout"]))
        self.masked = True

    def forward(self, x: Tensor, frame_mask: Tensor) -> Tensor:
        x = self.layer_norm(x).transpose(1, 2)
        x = F.glu(self.pointwise_conv1(x), dim=1)
        if self.masked:
            x = x.masked_fill(~frame_mask[:, None, :], 0.0)
        x = self.activation(self.batch_norm(self.depthwise_conv(x)))
        return self.dropout(self.pointwise_conv2(x)).transpose(1, 2)


class ConformerLayer(nn.Module):
    """Half-step FFN, self-attention, convolution module, half-step FFN, final LayerNorm."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        h = int(cfg["hidden_size"])
        pos_type = cfg["position_embeddings_type"]
        self.ffn1_layer_norm = nn.LayerNorm(h)
        self.ffn1 = FeedForward(cfg)
        self.self_attn_layer_norm = nn.LayerNorm(h)
        if pos_type == "relative":
            self.self_attn = RelPosSelfAttention(cfg)
        elif pos_type == "rotary":
            self.self_attn = RotarySelfAttention(cfg)
        else:
            self.self_attn = PlainSelfAttention(cfg)
        self.self_attn_dropout = nn.Dropout(float(cfg["attention_dropout"]))
        self.conv_module = ConvolutionModule(cfg)
        self.ffn2_layer_norm = nn.LayerNorm(h)
        self.ffn2 = FeedForward(cfg)
        self.final_layer_norm = nn.LayerNorm(h)

    def forward(self, x: Tensor, mask_bias: Tensor, pos: Tensor, frame_mask: Tensor) -> Tensor:
        x = self.ffn1(self.ffn1_layer_norm(x)) * 0.5 + x
        x = self.self_attn_dropout(self.self_attn(self.self_attn_layer_norm(x), mask_bias, pos)) + x
        x = x + self.conv_module(x, frame_mask)
        x = self.ffn2(self.ffn2_layer_norm(x)) * 0.5 + x
        return self.final_layer_norm(x)


class ConformerEncoder(nn.Module):
    """Positions + conformer layers + final LayerNorm; returns all L+1 hidden states (HF order)."""

    def __init__(self, cfg: Dict[str, Any]):
        super().__init__()
        h = int(cfg["hidden_size"])
        self.layer_norm = nn.LayerNorm(h, eps=float(cfg["layer_norm_eps"]))
        self.layers = nn.ModuleList(
            [ConformerLayer(cfg) for _ in range(int(cfg["num_hidden_layers"]))]
        )
        pos_type = cfg["position_embeddings_type"]
        self.pos_type: str = "none" if pos_type is None else str(pos_type)
        self.hidden_size = h
        self.head_size = h // int(cfg["num_attention_heads"])
        self.rotary_base = float(cfg["rotary_embedding_base"])
        self.dropout = nn.Dropout(float(cfg["hidden_dropout"]))

    def positions(self, x: Tensor) -> Tensor:
        t = x.size(1)
        if self.pos_type == "relative":
            return relative_sinusoids(t, self.hidden_size, x.dtype, x.device)
        if self.pos_type == "rotary":
            return rotary_tables(t, self.head_size, self.rotary_base, x.dtype, x.device)
        return torch.zeros(0, dtype=x.dtype, device=x.device)

    def forward(self, x: Tensor, frame_mask: Tensor) -> List[Tensor]:
        # HF zeroes padded frames of the encoder input; hidden state 0 is this tensor.
        x = x.masked_fill(~frame_mask[:, :, None], 0.0)
        mask_bias = (~frame_mask).to(x.dtype)[:, None, None, :] * dtype_min(x.dtype)
        pos = self.positions(x)
        x = self.dropout(x)
        states: List[Tensor] = [x]
        for layer in self.layers:
            x = layer(x, mask_bias, pos, frame_mask)
            states.append(x)
        states[-1] = self.layer_norm(x)
        return states


# ----------------------------------------------------------------------------- models


def masked_mean(x: Tensor, frame_mask: Tensor) -> Tensor:
    """Mean over valid frames of [B, F, D]; rows with no valid frame give zeros."""
    m = frame_mask.to(x.dtype)[:, :, None]
    count = torch.clamp(m.sum(dim=1), min=1.0)
    return (x * m).sum(dim=1) / count


def select_layers(states: List[Tensor], layers: List[int]) -> Tensor:
    """Stack hidden states by HF index (negatives count from the end) -> [len(layers), B, F, H]."""
    n = len(states)
    picked: List[Tensor] = []
    for i in layers:
        j = i + n if i < 0 else i
        if j < 0 or j >= n:
            raise ValueError(
                "audiomap: layer index " + str(i) + " out of range for " + str(n) + " hidden states"
            )
        picked.append(states[j])
    if len(picked) == 0:
        s = states[0]
        return s.new_zeros([0, s.size(0), s.size(1), s.size(2)])
    return torch.stack(picked)


class Wav2Vec2ConformerModel(nn.Module):
    """Base model; state_dict keys as HF's Wav2Vec2ConformerModel (no prefix).

    Args:
        config: HF-style config dict (defaults filled by ``resolve_config``).
        padding_mode: ``"masked"`` (default, batch-invariant) or ``"hf"`` (HF parity).
    """

    def __init__(self, config: Dict[str, Any], padding_mode: str = "masked"):
        super().__init__()
        cfg = resolve_config(config)
        self.config = cfg
        self.feature_extractor = FeatureEncoder(cfg)
        self.feature_projection = FeatureProjection(cfg)
        if float(cfg["mask_time_prob"]) > 0.0 or float(cfg["mask_feature_prob"]) > 0.0:
            # SpecAugment vector; training only, kept so checkpoints round-trip.
            self.masked_spec_embed = nn.Parameter(torch.empty(int(cfg["hidden_size"])).uniform_())
        self.encoder = ConformerEncoder(cfg)
        self.min_samples = _receptive_field(cfg["conv_kernel"], cfg["conv_stride"])
        set_padding_mode(self, padding_mode)

    def encode(self, audio: Tensor, lengths: Tensor) -> Tuple[List[Tensor], Tensor, Tensor]:
        """All L+1 hidden states, frame_lengths [B] int64 and frame mask [B, F] bool."""
        if audio.dim() != 2:
            raise ValueError(
                "audiomap: audio must be [batch, samples], got " + str(audio.dim()) + " dims"
            )
        if lengths.dim() != 1 or lengths.size(0) != audio.size(0):
            raise ValueError("audiomap: lengths must be [batch] with one entry per audio row")
        # Inputs follow the weights' device and dtype, so float32 CPU audio works with a model
        # moved to CUDA or cast to bfloat16; outputs come back on that device, in that dtype.
        weight = self.feature_projection.projection.weight
        if bool((lengths < 0).any()) or bool((lengths > audio.size(1)).any()):
            raise ValueError("audiomap: lengths must lie in [0, audio.size(1)]")
        lengths = lengths.to(device=weight.device, dtype=torch.long)
        x = audio.to(device=weight.device, dtype=weight.dtype)
        if x.size(1) < self.min_samples:
            x = F.pad(x, [0, self.min_samples - x.size(1)])
        feats, frame_lengths = self.feature_extractor(x, lengths)
        frame_mask = length_mask(frame_lengths, feats.size(2))
        hidden = self.feature_projection(feats.transpose(1, 2))
        return self.encoder(hidden, frame_mask), frame_lengths, frame_mask

    def forward(self, audio: Tensor, lengths: Tensor, layers: List[int]) -> Dict[str, Tensor]:
        states, frame_lengths, frame_mask = self.encode(audio, lengths)
        out: Dict[str, Tensor] = {}
        out["hidden_states"] = select_layers(states, layers)
        out["frame_lengths"] = frame_lengths
        out["pooled"] = masked_mean(states[-1], frame_mask)
        return out


class Wav2Vec2ConformerForSequenceClassification(nn.Module):
    """Base model + HF's classification head: [weighted layer sum] -> projector -> masked mean -> classifier.

    Keys: ``wav2vec2_conformer.*``, ``projector.*``, ``classifier.*`` and ``layer_weights``
    when ``use_weighted_layer_sum`` is true. Output adds ``logits`` [B, num_labels].
    """

    def __init__(self, config: Dict[str, Any], padding_mode: str = "masked"):
        super().__init__()
        self.wav2vec2_conformer = Wav2Vec2ConformerModel(config, padding_mode)
        cfg = self.wav2vec2_conformer.config
        for key in ("id2label", "label2id", "num_labels"):
            if key in config:
                cfg[key] = config[key]
        self.config = cfg
        n_states = int(cfg["num_hidden_layers"]) + 1
        if cfg["use_weighted_layer_sum"]:
            self.layer_weights = nn.Parameter(torch.ones(n_states) / n_states)
        else:
            self.register_parameter("layer_weights", None)
        self.projector = nn.Linear(int(cfg["hidden_size"]), int(cfg["classifier_proj_size"]))
        self.classifier = nn.Linear(int(cfg["classifier_proj_size"]), num_labels(cfg))

    def forward(self, audio: Tensor, lengths: Tensor, layers: List[int]) -> Dict[str, Tensor]:
        states, frame_lengths, frame_mask = self.wav2vec2_conformer.encode(audio, lengths)
        weights = self.layer_weights
        if weights is not None:
            w = torch.softmax(weights, dim=-1)
            summed = (torch.stack(states, dim=1) * w[None, :, None, None]).sum(dim=1)
        else:
            summed = states[-1]
        projected = self.projector(summed)
        out: Dict[str, Tensor] = {}
        out["hidden_states"] = select_layers(states, layers)
        out["frame_lengths"] = frame_lengths
        out["pooled"] = masked_mean(states[-1], frame_mask)
        out["logits"] = self.classifier(masked_mean(projected, frame_mask))
        return out


def _receptive_field(kernels: List[int], strides: List[int]) -> int:
    rf, jump = 1, 1
    for k, s in zip(kernels, strides):
        rf += (k - 1) * jump
        jump *= s
    return rf


def set_padding_mode(model: nn.Module, padding_mode: str) -> None:
    """Switch every padding-sensitive submodule to ``"masked"`` or ``"hf"`` (before scripting)."""
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    for module in model.modules():
        if isinstance(module, (GroupNormConvLayer, ConvolutionModule)):
            module.masked = padding_mode == "masked"


def get_padding_mode(model: nn.Module) -> str:
    """``"masked"`` or ``"hf"`` as set by set_padding_mode."""
    for module in model.modules():
        if isinstance(module, ConvolutionModule):
            return "masked" if module.masked else "hf"
    return "masked"


def build_model(
    config: Dict[str, Any],
    with_head: bool = False,
    padding_mode: str = "masked",
    default_init: bool = True,
) -> nn.Module:
    """Base model, or the sequence classifier when ``with_head`` (labels from config's id2label).

    ``default_init=False`` skips torch's default init of Linear/Conv1d weights (they are left
    uninitialised), for callers that overwrite every weight next (checkpoint loading,
    ``random_init``): on a 610 M-parameter model that init costs seconds.
    """
    with _default_init(default_init):
        if with_head:
            return Wav2Vec2ConformerForSequenceClassification(config, padding_mode)
        return Wav2Vec2ConformerModel(config, padding_mode)


@contextlib.contextmanager
def _default_init(enabled: bool) -> Iterator[None]:
    if enabled:
        yield
        return
    classes = (nn.Linear, nn.Conv1d)
    saved = [cls.__dict__.get("reset_parameters") for cls in classes]
    for cls in classes:
        cls.reset_parameters = lambda self: None  # type: ignore[assignment]
    try:
        yield
    finally:
        for cls, fn in zip(classes, saved):
            if fn is None:
                del cls.reset_parameters  # inherited again (Conv1d's comes from _ConvNd)
            else:
                cls.reset_parameters = fn  # type: ignore[assignment]


def model_config(model: nn.Module) -> Dict[str, Any]:
    """The resolved config dict a model was built from (with id2label for classifiers)."""
    return dict(model.config)  # type: ignore[arg-type]


def model_labels(model: nn.Module) -> Any:
    """Ordered labels of a classifier, or None for a base model."""
    if isinstance(model, Wav2Vec2ConformerForSequenceClassification):
        return labels_in_order(model.config)
    return None
