"""Dynamic int8 quantisation for CPU inference (``export --dtype qint8``).

Only the conformer encoder is quantised: its Linear layers (feed-forward, attention
projections) and, as Linear layers, the 1x1 pointwise convolutions of its convolution module.
They hold about 90% of the large model's multiply-adds. The feature encoder's strided
convolutions, the feature projection and the classification head stay float32: dynamic
quantisation has no Conv1d kernel, and the two small Linear layers at the ends would save
nothing measurable while the head's are the ones that decide top-1.

Dynamic quantisation stores int8 weights (per output channel) and quantises each
activation per call from its own range, so input and outputs stay float32 and no calibration
data is needed. The kernels are CPU-only. The packed weights are re-packed at load for the
quantised engine the loading process has selected (see ``best_engine``), so the file does not
depend on the engine it was exported with.
"""

from typing import Any, Dict, List

import torch
from torch import Tensor, nn

from .model import ConformerEncoder, ConvolutionModule

QUANTIZED_DTYPES = ("qint8",)

# Fastest first. "x86" (torch >= 2.0) and "fbgemm" are FBGEMM; "onednn" uses VNNI / AMX where
# the CPU has it; "qnnpack" is the ARM-first fallback (slower than float32 on x86).
ENGINE_PREFERENCE = ("x86", "fbgemm", "onednn", "qnnpack")


def best_engine() -> str:
    """The fastest quantised engine this torch has, per ``ENGINE_PREFERENCE``."""
    supported = torch.backends.quantized.supported_engines
    for engine in ENGINE_PREFERENCE:
        if engine in supported:
            return engine
    raise RuntimeError(f"this torch has no quantised CPU engine (supported: {supported})")


def select_best_engine() -> str:
    """Sets ``torch.backends.quantized.engine`` to ``best_engine()`` and returns its name."""
    engine = best_engine()
    torch.backends.quantized.engine = engine
    return engine


class PointwiseLinear(nn.Module):
    """A 1x1 ``Conv1d`` without bias as a Linear over channels: [B, C, T] -> [B, C', T].

    Dynamic quantisation quantises ``nn.Linear`` only; this is the same function with the
    conv's weight [C', C, 1] as the Linear weight [C', C].
    """

    def __init__(self, conv: nn.Conv1d):
        super().__init__()
        if conv.kernel_size != (1,) or conv.groups != 1 or conv.stride != (1,):
            raise ValueError("PointwiseLinear needs a 1x1 Conv1d with groups=1 and stride 1")
        self.linear = nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None)
        with torch.no_grad():
            self.linear.weight.copy_(conv.weight[:, :, 0])
            if conv.bias is not None:
                self.linear.bias.copy_(conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x.transpose(1, 2)).transpose(1, 2)


def _encoder(model: nn.Module) -> ConformerEncoder:
    found = [m for m in model.modules() if isinstance(m, ConformerEncoder)]
    if len(found) != 1:
        raise ValueError(f"expected one ConformerEncoder in the model, found {len(found)}")
    return found[0]


def quantize_dynamic_int8(model: nn.Module, pointwise: bool = True) -> Dict[str, Any]:
    """Quantises ``model``'s conformer encoder in place (float32 eval model in, see module doc).

    ``pointwise``: also the convolution module's 1x1 convs (as ``PointwiseLinear``).
    Returns the ``quantization`` metadata entry.
    """
    if any(p.dtype != torch.float32 for p in model.parameters()):
        raise ValueError("qint8 quantisation needs a float32 model")
    model.eval()
    encoder = _encoder(model)
    quantized: List[str] = ["linear"]
    if pointwise:
        for module in encoder.modules():
            if isinstance(module, ConvolutionModule):
                module.pointwise_conv1 = PointwiseLinear(module.pointwise_conv1)
                module.pointwise_conv2 = PointwiseLinear(module.pointwise_conv2)
        quantized.append("pointwise_conv")
    engine = select_best_engine()
    n_linear = sum(isinstance(m, nn.Linear) for m in encoder.modules())
    torch.ao.quantization.quantize_dynamic(
        encoder,
        {nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig},
        dtype=torch.qint8,
        inplace=True,
    )
    return {
        "scheme": "dynamic",
        "weight_dtype": "qint8",
        "weight_granularity": "per_channel",
        "activations": "float32, quantised per call (dynamic)",
        "modules": quantized,
        "scope": "encoder",
        "quantized_linear_layers": n_linear,
        "export_engine": engine,
        "device": "cpu",
    }
