/** A row-major matrix shape: [rows, columns]. */
export type Shape = readonly [number, number];

/**
 * Throws a RangeError (code ERR_SHAPE) unless `data` holds exactly rows × cols values, both
 * positive integers.
 */
export function checkMatrix(data: ArrayLike<number>, shape: Shape, what = "data"): void {
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw shapeError(`${what}: shape [${rows}, ${cols}] must hold two positive integers`);
  }
  if (data.length !== rows * cols) {
    throw shapeError(`${what}: shape [${rows}, ${cols}] does not match ${data.length} values`);
  }
}

function shapeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: "ERR_SHAPE" });
}

/** Rows of a matrix as zero-copy subarray views. */
export function rowViews(data: Float32Array, shape: Shape): Float32Array[] {
  const [rows, cols] = shape;
  const out = new Array<Float32Array>(rows);
  for (let i = 0; i < rows; i++) out[i] = data.subarray(i * cols, (i + 1) * cols);
  return out;
}
