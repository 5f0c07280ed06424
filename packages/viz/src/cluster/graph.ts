/** Small graph tools shared by the kNN-graph clusterers: union-find, a radix argsort, a heap. */

/** Disjoint sets over 0..n-1 with path halving and union by size. */
export class UnionFind {
  readonly parent: Int32Array;
  private readonly size: Int32Array;
  /** Number of disjoint sets left. */
  count: number;

  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
    this.size = new Int32Array(n).fill(1);
    this.count = n;
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }

  /** Joins the sets of a and b; false when they were already one. */
  union(a: number, b: number): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return false;
    if (this.size[ra]! < this.size[rb]!) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra]! += this.size[rb]!;
    this.count--;
    return true;
  }

  /** Component of every element, numbered 0..count-1 by first appearance. */
  labels(): Int32Array {
    const n = this.parent.length;
    const id = new Int32Array(n).fill(-1);
    const out = new Int32Array(n);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const r = this.find(i);
      if (id[r] === -1) id[r] = next++;
      out[i] = id[r]!;
    }
    return out;
  }
}

/**
 * Indices that sort non-negative float32 `keys` ascending, ties in index order (stable LSD
 * radix sort on the IEEE bits, which order like the values for non-negative floats). About
 * 20x faster than `Array.prototype.sort` with a comparator on millions of edges.
 */
export function argsortNonNegative(keys: Float32Array): Uint32Array {
  const m = keys.length;
  const bits = new Uint32Array(keys.buffer, keys.byteOffset, m);
  let order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  let scratch = new Uint32Array(m);
  const count = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    count.fill(0);
    for (let i = 0; i < m; i++) count[(bits[order[i]!]! >>> shift) & 2047]!++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < m; i++) {
      const e = order[i]!;
      scratch[count[(bits[e]! >>> shift) & 2047]!++] = e;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}

/** Binary min-heap of (weight, a, b) edges; ties are broken by a, then b. */
export class EdgeHeap {
  private w = new Float64Array(1024);
  private a = new Int32Array(1024);
  private b = new Int32Array(1024);
  size = 0;

  private less(i: number, j: number): boolean {
    const { w, a, b } = this;
    if (w[i] !== w[j]) return w[i]! < w[j]!;
    if (a[i] !== a[j]) return a[i]! < a[j]!;
    return b[i]! < b[j]!;
  }

  private swap(i: number, j: number): void {
    const { w, a, b } = this;
    [w[i], w[j]] = [w[j]!, w[i]!];
    [a[i], a[j]] = [a[j]!, a[i]!];
    [b[i], b[j]] = [b[j]!, b[i]!];
  }

  push(weight: number, a: number, b: number): void {
    if (this.size === this.w.length) {
      const grow = <T extends Float64Array | Int32Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.w = grow(this.w);
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    let i = this.size++;
    this.w[i] = weight;
    this.a[i] = a;
    this.b[i] = b;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.less(i, up)) break;
      this.swap(i, up);
      i = up;
    }
  }

  /** Removes the lightest edge into `out` ([weight, a, b]); false when empty. */
  pop(out: [number, number, number]): boolean {
    if (this.size === 0) return false;
    out[0] = this.w[0]!;
    out[1] = this.a[0]!;
    out[2] = this.b[0]!;
    const last = --this.size;
    if (last > 0) {
      this.w[0] = this.w[last]!;
      this.a[0] = this.a[last]!;
      this.b[0] = this.b[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        const c = r < last && this.less(r, l) ? r : l;
        if (!this.less(c, i)) break;
        this.swap(c, i);
        i = c;
      }
    }
    return true;
  }
}
