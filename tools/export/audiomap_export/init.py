"""Seeded random weights that exercise every term of the model.

HF's own init (normal std 0.02 for linears, unit norms, zero BatchNorm statistics) makes
attention nearly uniform and BatchNorm an identity, so positional terms and padding effects
barely show. ``random_init`` instead draws:

* linear and pointwise weights ~ N(0, 1/fan_in) (unit-scale activations, peaked attention),
  biases ~ N(0, 0.1^2);
* feature-encoder convs ~ N(0, 2/fan_in) (Kaiming, as HF), biases ~ N(0, 0.1^2);
* depthwise conv weights ~ N(0, 1/kernel);
* LayerNorm/GroupNorm/BatchNorm scale 1 + N(0, 0.1^2), shift N(0, 0.1^2);
* BatchNorm running_mean ~ N(0, 0.2^2), running_var ~ U(0.5, 1.5);
* pos_bias_u / pos_bias_v ~ N(0, 0.5^2); layer_weights ~ N(0, 1); masked_spec_embed ~ U(0, 1).

Everything comes from one ``torch.Generator`` seeded with ``seed``, visiting parameters in
state_dict order, so the same seed and config give the same weights.
"""

import math

import torch
from torch import nn


def random_init(model: nn.Module, seed: int = 0) -> nn.Module:
    """Overwrite every parameter and buffer of ``model`` in place (see module doc); returns it."""
    g = torch.Generator().manual_seed(int(seed))

    def normal(t: torch.Tensor, std: float, mean: float = 0.0) -> None:
        t.normal_(mean, std, generator=g)

    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                normal(module.weight, 1.0 / math.sqrt(module.in_features))
                if module.bias is not None:
                    normal(module.bias, 0.1)
            elif isinstance(module, nn.Conv1d):
                fan_in = module.in_channels // module.groups * module.kernel_size[0]
                if module.groups > 1:
                    std = 1.0 / math.sqrt(module.kernel_size[0])
                elif name.startswith("feature_extractor") or ".feature_extractor." in name:
                    std = math.sqrt(2.0 / fan_in)
                else:
                    std = 1.0 / math.sqrt(fan_in)
                normal(module.weight, std)
                if module.bias is not None:
                    normal(module.bias, 0.1)
            elif isinstance(module, (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d)):
                normal(module.weight, 0.1, 1.0)
                normal(module.bias, 0.1)
                if isinstance(module, nn.BatchNorm1d):
                    normal(module.running_mean, 0.2)  # type: ignore[arg-type]
                    module.running_var.uniform_(0.5, 1.5, generator=g)  # type: ignore[union-attr]
        for name, param in model.named_parameters():
            if name.endswith(("pos_bias_u", "pos_bias_v")):
                normal(param, 0.5)
            elif name == "layer_weights":
                normal(param, 1.0)
            elif name.endswith("masked_spec_embed"):
                param.uniform_(0.0, 1.0, generator=g)
    return model
