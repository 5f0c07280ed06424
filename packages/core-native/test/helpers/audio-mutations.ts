/**
 * Deterministic mutations of encoded audio for the decoder fuzz test: bit flips, byte and
 * header-field overwrites with boundary values, truncation, spliced and appended bytes, and
 * NaN/huge floats written into float sample data. Every case comes from its own PRNG stream,
 * so case `i` is the same whatever the time budget let run before it.
 */

/** xorshift32: tiny, fast and good enough to pick mutations. Never returns the zero state. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    // Spread nearby seeds apart (odd multiplier, then a xorshift) and avoid the fixed point 0.
    this.#state = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ (seed >>> 15)) >>> 0 || 0x6d2b79f5;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** Uniform in [0, 2^32). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** A header field worth overwriting: where it is, how wide, and in which byte order. */
export interface Field {
  name: string;
  offset: number;
  bytes: 1 | 2 | 3 | 4 | 8;
  bigEndian?: boolean;
}

/** A seed file and the places in it that mutations aim at. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  fields: Field[];
  /** Byte range of 32-bit float samples, for float data mutations. */
  floatData?: { start: number; end: number };
}

const text = (b: Uint8Array, at: number, s: string) =>
  at >= 0 &&
  at + s.length <= b.length &&
  String.fromCharCode(...b.subarray(at, at + s.length)) === s;

function find(b: Uint8Array, s: string, from = 0): number {
  for (let i = from; i + s.length <= b.length; i++) if (text(b, i, s)) return i;
  return -1;
}

// RIFF chunk fields: the ones a decoder trusts for sizes, rates and layout.
function wavFields(b: Uint8Array): Field[] {
  const fmt = find(b, "fmt ", 12);
  const data = find(b, "data", 12);
  const fields: Field[] = [{ name: "riff-size", offset: 4, bytes: 4 }];
  if (fmt > 0) {
    fields.push(
      { name: "fmt-size", offset: fmt + 4, bytes: 4 },
      { name: "format-tag", offset: fmt + 8, bytes: 2 },
      { name: "channels", offset: fmt + 10, bytes: 2 },
      { name: "sample-rate", offset: fmt + 12, bytes: 4 },
      { name: "byte-rate", offset: fmt + 16, bytes: 4 },
      { name: "block-align", offset: fmt + 20, bytes: 2 },
      { name: "bits", offset: fmt + 22, bytes: 2 },
    );
  }
  if (data > 0) fields.push({ name: "data-size", offset: data + 4, bytes: 4 });
  return fields;
}

function aiffFields(b: Uint8Array): Field[] {
  const comm = find(b, "COMM", 12);
  const ssnd = find(b, "SSND", 12);
  const fields: Field[] = [{ name: "form-size", offset: 4, bytes: 4, bigEndian: true }];
  if (comm > 0) {
    fields.push(
      { name: "comm-size", offset: comm + 4, bytes: 4, bigEndian: true },
      { name: "channels", offset: comm + 8, bytes: 2, bigEndian: true },
      { name: "frames", offset: comm + 10, bytes: 4, bigEndian: true },
      { name: "bits", offset: comm + 14, bytes: 2, bigEndian: true },
      // The 80-bit extended rate: its exponent, then the top of its mantissa.
      { name: "rate-exponent", offset: comm + 16, bytes: 2, bigEndian: true },
      { name: "rate-mantissa", offset: comm + 18, bytes: 4, bigEndian: true },
    );
  }
  if (ssnd > 0) fields.push({ name: "ssnd-size", offset: ssnd + 4, bytes: 4, bigEndian: true });
  return fields;
}

// STREAMINFO follows "fLaC" and a 4-byte block header.
function flacFields(): Field[] {
  return [
    { name: "min-block", offset: 8, bytes: 2, bigEndian: true },
    { name: "max-block", offset: 10, bytes: 2, bigEndian: true },
    { name: "max-frame", offset: 15, bytes: 3, bigEndian: true },
    { name: "rate-channels-bits", offset: 18, bytes: 4, bigEndian: true },
    { name: "total-samples", offset: 22, bytes: 4, bigEndian: true },
  ];
}

// The first Ogg page and the codec header it carries.
function oggFields(b: Uint8Array): Field[] {
  const fields: Field[] = [
    { name: "granule", offset: 6, bytes: 8 },
    { name: "segments", offset: 26, bytes: 1 },
  ];
  const opus = find(b, "OpusHead");
  if (opus >= 0) {
    fields.push(
      { name: "opus-channels", offset: opus + 9, bytes: 1 },
      { name: "opus-preskip", offset: opus + 10, bytes: 2 },
      { name: "opus-rate", offset: opus + 12, bytes: 4 },
    );
  }
  const vorbis = find(b, "vorbis");
  if (vorbis >= 0) {
    fields.push(
      { name: "vorbis-channels", offset: vorbis + 10, bytes: 1 },
      { name: "vorbis-rate", offset: vorbis + 11, bytes: 4 },
    );
  }
  // The last page's granule position is where libsndfile reads the length from.
  let last = b.length - 4;
  while (last > 0 && !text(b, last, "OggS")) last--;
  if (last > 0) fields.push({ name: "last-granule", offset: last + 6, bytes: 8 });
  return fields;
}

function mp3Fields(b: Uint8Array): Field[] {
  let start = 0;
  if (text(b, 0, "ID3")) {
    start = 10 + (((b[6] ?? 0) << 21) | ((b[7] ?? 0) << 14) | ((b[8] ?? 0) << 7) | (b[9] ?? 0));
  }
  const fields: Field[] = [{ name: "frame-header", offset: start, bytes: 4, bigEndian: true }];
  for (const tag of ["Xing", "Info"]) {
    const at = find(b, tag, start);
    if (at > 0) {
      fields.push(
        { name: "xing-flags", offset: at + 4, bytes: 4, bigEndian: true },
        { name: "xing-frames", offset: at + 8, bytes: 4, bigEndian: true },
        { name: "xing-bytes", offset: at + 12, bytes: 4, bigEndian: true },
      );
    }
  }
  return fields;
}

/** Describes a seed file for the mutations. */
export function describeSeed(name: string, bytes: Uint8Array): Seed {
  const seed: Seed = { name, bytes, fields: [] };
  if (text(bytes, 0, "RIFF")) {
    seed.fields = wavFields(bytes);
    const data = find(bytes, "data", 12);
    const fmt = find(bytes, "fmt ", 12);
    const tag = fmt > 0 ? (bytes[fmt + 8] ?? 0) | ((bytes[fmt + 9] ?? 0) << 8) : 0;
    if (tag === 3 && data > 0) seed.floatData = { start: data + 8, end: bytes.length };
  } else if (text(bytes, 0, "FORM")) seed.fields = aiffFields(bytes);
  else if (text(bytes, 0, "fLaC")) seed.fields = flacFields();
  else if (text(bytes, 0, "OggS")) seed.fields = oggFields(bytes);
  else seed.fields = mp3Fields(bytes);
  seed.fields = seed.fields.filter((f) => f.offset >= 0 && f.offset + f.bytes <= bytes.length);
  return seed;
}

function readField(b: Uint8Array, f: Field): number {
  let v = 0;
  for (let k = 0; k < Math.min(f.bytes, 4); k++) {
    const byte = b[f.offset + (f.bigEndian ? k : Math.min(f.bytes, 4) - 1 - k)] ?? 0;
    v = v * 256 + byte;
  }
  return v;
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  // 8-byte fields (Ogg granules) get the value in their low half and 0 or 0xFF above it.
  const high = f.bytes === 8 && value < 0 ? 0xff : 0;
  let v = Math.abs(Math.trunc(value)) >>> 0;
  if (value < 0) v = (2 ** 32 + Math.trunc(value)) >>> 0;
  for (let k = 0; k < f.bytes; k++) {
    const byte = k < 4 ? (v >>> (8 * k)) & 0xff : high;
    b[f.offset + (f.bigEndian ? f.bytes - 1 - k : k)] = byte;
  }
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_INTS = [
  0, 1, 2, 7, 999, 1000, 8000, 44100, 65535, 65536, 768000, 768001, 0x7ffff000, 0x7fffffff,
  0x80000000, 0xffffffff, -1,
];
const BAD_FLOATS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3.4e38,
  -3.4e38,
  1e38,
  1.4e-45,
  -0,
];

/** One mutated input and how it was made (enough to tell the cases apart in a report). */
export interface Mutant {
  bytes: Uint8Array;
  what: string;
}

type Mutator = (seed: Seed, rng: Rng) => Mutant;

const flipBits: Mutator = (seed, rng) => {
  const b = seed.bytes.slice();
  const n = 1 + rng.int(16);
  // Half the flips land in the first 512 bytes, where the headers are.
  const span = rng.chance(0.5) ? Math.min(512, b.length) : b.length;
  for (let i = 0; i < n; i++) {
    const at = rng.int(span);
    b[at] = (b[at] as number) ^ (1 << rng.int(8));
  }
  return { bytes: b, what: `flip ${n} bits in [0, ${span})` };
};

const overwriteBytes: Mutator = (seed, rng) => {
  const b = seed.bytes.slice();
  const n = 1 + rng.int(8);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.int(Math.min(b.length, rng.chance(0.7) ? 256 : b.length));
    b[p] = rng.pick(INTERESTING_BYTES);
    at.push(p);
  }
  return { bytes: b, what: `overwrite bytes at ${at.join(",")}` };
};

const overwriteField: Mutator = (seed, rng) => {
  if (seed.fields.length === 0) return overwriteBytes(seed, rng);
  const b = seed.bytes.slice();
  const field = rng.pick(seed.fields);
  const old = readField(b, field);
  const candidates = [...INTERESTING_INTS, old + 1, old - 1, old * 2, Math.floor(old / 2)];
  const value = rng.chance(0.8) ? rng.pick(candidates) : rng.next();
  writeField(b, field, value);
  return { bytes: b, what: `field ${field.name} ${old} -> ${value}` };
};

const truncate: Mutator = (seed, rng) => {
  const length = rng.chance(0.25) ? rng.int(64) : rng.int(seed.bytes.length);
  return { bytes: seed.bytes.slice(0, length), what: `truncate to ${length}` };
};

const splice: Mutator = (seed, rng) => {
  const b = seed.bytes;
  const from = rng.int(b.length);
  const length = 1 + rng.int(Math.min(512, b.length - from));
  const to = rng.int(b.length);
  const out = new Uint8Array(b.length + length);
  out.set(b.subarray(0, to));
  out.set(b.subarray(from, from + length), to);
  out.set(b.subarray(to), to + length);
  return { bytes: out, what: `insert ${length} bytes from ${from} at ${to}` };
};

const appendJunk: Mutator = (seed, rng) => {
  const junk = new Uint8Array(1 + rng.int(4096));
  for (let i = 0; i < junk.length; i++) junk[i] = rng.int(256);
  const out = new Uint8Array(seed.bytes.length + junk.length);
  out.set(seed.bytes);
  out.set(junk, seed.bytes.length);
  return { bytes: out, what: `append ${junk.length} random bytes` };
};

const badFloats: Mutator = (seed, rng) => {
  const range = seed.floatData;
  if (!range || range.end - range.start < 4) return overwriteField(seed, rng);
  const b = seed.bytes.slice();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const samples = Math.floor((range.end - range.start) / 4);
  const value = rng.pick(BAD_FLOATS);
  // One sample, a run, or every sample.
  const mode = rng.int(3);
  const first = mode === 2 ? 0 : rng.int(samples);
  const count = mode === 0 ? 1 : mode === 1 ? 1 + rng.int(64) : samples;
  for (let i = first; i < Math.min(samples, first + count); i++) {
    view.setFloat32(range.start + 4 * i, rng.chance(0.5) ? value : -value, true);
  }
  return { bytes: b, what: `floats ${value} at ${first} (x${count})` };
};

const MUTATORS: [Mutator, number][] = [
  [flipBits, 3],
  [overwriteBytes, 2],
  [overwriteField, 4],
  [truncate, 2],
  [splice, 1],
  [appendJunk, 1],
  [badFloats, 2],
];
const TOTAL_WEIGHT = MUTATORS.reduce((sum, [, w]) => sum + w, 0);

/** Applies one or two weighted-random mutations to `seed`. */
export function mutate(seed: Seed, rng: Rng): Mutant {
  const pickOne = (): Mutator => {
    let r = rng.int(TOTAL_WEIGHT);
    for (const [mutator, weight] of MUTATORS) {
      if (r < weight) return mutator;
      r -= weight;
    }
    return flipBits;
  };
  const first = pickOne()(seed, rng);
  if (!rng.chance(0.2)) return first;
  const second = pickOne()({ ...describeSeed(seed.name, first.bytes) }, rng);
  return { bytes: second.bytes, what: `${first.what}; ${second.what}` };
}
