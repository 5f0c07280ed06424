/**
 * Tensors at the package's edge: row-major typed arrays with a shape.
 */
import type { NativeDType, NativeTensor } from "./binding.js";

/** A dense row-major tensor: `data[i0*stride0 + i1*stride1 + ...]`. */
export type Tensor<D extends NativeDType = "float32"> = NativeTensor<D>;

/**
 * The contiguous block of `tensor` at a leading index, as a view (no copy).
 * @example row(pooled, layer, clip) // Float32Array of length D
 */
export function row<D extends NativeDType>(
  tensor: Tensor<D>,
  ...index: number[]
): Tensor<D>["data"] {
  if (index.length > tensor.shape.length) {
    throw new RangeError(`row: ${index.length} indices for a ${tensor.shape.length}-d tensor`);
  }
  let offset = 0;
  let size = tensor.data.length;
  index.forEach((i, axis) => {
    const extent = tensor.shape[axis] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= extent) {
      throw new RangeError(`row: index[${axis}]=${i} is out of range [0, ${extent})`);
    }
    size /= extent;
    offset += i * size;
  });
  return tensor.data.subarray(offset, offset + size) as Tensor<D>["data"];
}
