/**
 * Compressed sparse rows with sorted columns: the fuzzy graphs of the fast UMAP engine.
 * Element-wise operations visit the union of both patterns, as umap-js's Map-based
 * SparseMatrix does, so values come out identical; only the bookkeeping is faster.
 */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** Builds a CSR matrix from per-row entry lists (columns need not be sorted; no duplicates). */
export function fromRows(
  rows: number,
  cols: number,
  rowEntries: (r: number, push: (col: number, value: number) => void) => void,
): Csr {
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    const start = idx.length;
    rowEntries(r, (c, v) => {
      idx.push(c);
      val.push(v);
    });
    // Sort this row's entries by column (rows are short: k entries).
    const order = Array.from({ length: idx.length - start }, (_, i) => start + i);
    order.sort((a, b) => idx[a]! - idx[b]!);
    const sortedIdx = order.map((o) => idx[o]!);
    const sortedVal = order.map((o) => val[o]!);
    for (let i = 0; i < order.length; i++) {
      idx[start + i] = sortedIdx[i]!;
      val[start + i] = sortedVal[i]!;
    }
    indptr[r + 1] = idx.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(idx), values: Float64Array.from(val) };
}

/** Transpose by counting sort; rows are visited in order, so columns stay sorted. */
export function transpose(m: Csr): Csr {
  const indptr = new Int32Array(m.cols + 1);
  for (const c of m.indices) indptr[c + 1]! += 1;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  const fill = indptr.slice(0, m.cols);
  const indices = new Int32Array(m.indices.length);
  const values = new Float64Array(m.values.length);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) {
      const c = m.indices[p]!;
      const q = fill[c]!++;
      indices[q] = r;
      values[q] = m.values[p]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/** op(a, b) over the union of both patterns (a missing entry reads as 0). */
export function unionWith(a: Csr, b: Csr, op: (x: number, y: number) => number): Csr {
  const indptr = new Int32Array(a.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < a.rows; r++) {
    let p = a.indptr[r]!;
    let q = b.indptr[r]!;
    const pe = a.indptr[r + 1]!;
    const qe = b.indptr[r + 1]!;
    while (p < pe || q < qe) {
      const ca = p < pe ? a.indices[p]! : Number.MAX_SAFE_INTEGER;
      const cb = q < qe ? b.indices[q]! : Number.MAX_SAFE_INTEGER;
      if (ca === cb) {
        idx.push(ca);
        val.push(op(a.values[p++]!, b.values[q++]!));
      } else if (ca < cb) {
        idx.push(ca);
        val.push(op(a.values[p++]!, 0));
      } else {
        idx.push(cb);
        val.push(op(0, b.values[q++]!));
      }
    }
    indptr[r + 1] = idx.length;
  }
  return {
    rows: a.rows,
    cols: a.cols,
    indptr,
    indices: Int32Array.from(idx),
    values: Float64Array.from(val),
  };
}

/** Same pattern, values mapped by fn(value, row, col). */
export function mapValues(m: Csr, fn: (v: number, row: number, col: number) => number): Csr {
  const values = new Float64Array(m.values.length);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++)
      values[p] = fn(m.values[p]!, r, m.indices[p]!);
  }
  return { ...m, values };
}

/** Drops entries equal to 0. */
export function dropZeros(m: Csr): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) {
      if (m.values[p] !== 0) {
        idx.push(m.indices[p]!);
        val.push(m.values[p]!);
      }
    }
    indptr[r + 1] = idx.length;
  }
  return {
    rows: m.rows,
    cols: m.cols,
    indptr,
    indices: Int32Array.from(idx),
    values: Float64Array.from(val),
  };
}

/** Each row divided by its own maximum (umap-js normalize(..., max)). */
export function normalizeRowsMax(m: Csr): Csr {
  const values = new Float64Array(m.values.length);
  for (let r = 0; r < m.rows; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) max = Math.max(max, m.values[p]!);
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) values[p] = m.values[p]! / max;
  }
  return { ...m, values };
}
