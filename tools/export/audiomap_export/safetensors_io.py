"""Read and write the safetensors format with no dependency beyond torch.

Layout: 8 bytes little-endian u64 ``n``, then ``n`` bytes of UTF-8 JSON, then the raw tensor
bytes. The JSON maps each tensor name to ``{"dtype", "shape", "data_offsets": [begin, end]}``
(offsets relative to the first byte after the header) and may hold a ``"__metadata__"``
object of string to string. Tensor bytes are little-endian and C-contiguous.
"""

import json
import os
import struct
import sys
from typing import Dict, Optional, Tuple

import torch

#: safetensors dtype code <-> torch dtype.
DTYPES: Dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
CODES: Dict[torch.dtype, str] = {v: k for k, v in DTYPES.items()}

_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    """A file that is not valid safetensors, or a tensor that cannot be stored."""


def _check_little_endian() -> None:
    if sys.byteorder != "little":
        raise SafetensorsError("safetensors I/O here assumes a little-endian host")


def read_header(path: str) -> Tuple[Dict[str, dict], Dict[str, str], int]:
    """Parse the header: (tensor entries, ``__metadata__`` or {}, byte offset of the data)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise SafetensorsError(f"{path}: too short for a safetensors header")
        (n,) = struct.unpack("<Q", head)
        if n > _MAX_HEADER:
            raise SafetensorsError(f"{path}: header length {n} is implausible")
        raw = f.read(n)
    if len(raw) != n:
        raise SafetensorsError(f"{path}: header truncated ({len(raw)} of {n} bytes)")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f"{path}: header is not JSON: {err}") from err
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    return header, metadata, 8 + n


def load_file(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Read every tensor of a safetensors file: (name -> tensor, metadata)."""
    _check_little_endian()
    entries, metadata, start = read_header(path)
    size = os.path.getsize(path) - start
    with open(path, "rb") as f:
        f.seek(start)
        data = bytearray(f.read())
    if len(data) != size:
        raise SafetensorsError(f"{path}: could not read the data section")
    tensors: Dict[str, torch.Tensor] = {}
    for name, entry in entries.items():
        try:
            code, shape, (begin, end) = (
                entry["dtype"],
                [int(d) for d in entry["shape"]],
                entry["data_offsets"],
            )
        except (KeyError, TypeError, ValueError) as err:
            raise SafetensorsError(f"{path}: bad header entry for {name!r}: {entry!r}") from err
        if code not in DTYPES:
            raise SafetensorsError(f"{path}: tensor {name!r} has unsupported dtype {code!r}")
        dtype = DTYPES[code]
        count = 1
        for d in shape:
            count *= d
        itemsize = torch.empty(0, dtype=dtype).element_size()
        if not (0 <= begin <= end <= size) or end - begin != count * itemsize:
            raise SafetensorsError(
                f"{path}: tensor {name!r} offsets [{begin}, {end}] do not fit shape {shape} {code} "
                f"in a {size}-byte data section"
            )
        if count == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            flat = torch.frombuffer(data, dtype=dtype, count=count, offset=begin)
            tensors[name] = flat.reshape(shape).clone()
    return tensors, dict(metadata)


def _tensor_bytes(t: torch.Tensor) -> bytes:
    """The tensor's raw bytes, C order, without numpy (pip torch 2.x may run without it)."""
    flat = t.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8)
    buf = bytearray(flat.numel())
    if buf:
        torch.frombuffer(buf, dtype=torch.uint8).copy_(flat)
    return bytes(buf)


def save_file(
    tensors: Dict[str, torch.Tensor], path: str, metadata: Optional[Dict[str, str]] = None
) -> None:
    """Write ``tensors`` (name -> tensor, any supported dtype) to ``path`` as safetensors.

    Tensors are laid out largest element size first, then by name, so each starts aligned to
    its element size; the header is space-padded to a multiple of 8 bytes. ``metadata``
    values must be strings (stored under ``__metadata__``).
    """
    _check_little_endian()
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header: Dict[str, object] = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorsError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name in order:
        t = tensors[name]
        if t.dtype not in CODES:
            raise SafetensorsError(f"tensor {name!r} has unsupported dtype {t.dtype}")
        nbytes = t.numel() * t.element_size()
        header[name] = {
            "dtype": CODES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in order:  # one tensor in memory at a time
            f.write(_tensor_bytes(tensors[name]))
    os.replace(tmp, path)
