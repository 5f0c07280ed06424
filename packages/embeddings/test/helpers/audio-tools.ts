/**
 * Independent references for the audio tests: sox and ffmpeg decode the same files, and a tiny
 * WAV writer makes inputs with exactly known samples.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory and its removal. */
export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `audiomap-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a tool, returning stdout; throws with stderr on failure. */
export function run(command: string, args: string[]): Buffer {
  return execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

function toFloat32(buffer: Buffer): Float32Array {
  const out = new Float32Array(buffer.length / 4);
  new Uint8Array(out.buffer).set(buffer.subarray(0, out.length * 4));
  return out;
}

/** sox's own decoding of `path`, down-mixed to mono by sox (`-c 1` averages the channels). */
export function soxDecode(path: string): Float32Array {
  return toFloat32(run("sox", [path, "-t", "f32", "-e", "floating-point", "-c", "1", "-"]));
}

/**
 * ffmpeg's decoding of `path`, averaged to mono here (ffmpeg's own `-ac 1` scales a stereo
 * mix by 1/sqrt(2), not 1/2).
 */
export function ffmpegDecode(path: string, channels: number): Float32Array {
  const raw = toFloat32(
    run("ffmpeg", ["-v", "error", "-i", path, "-f", "f32le", "-acodec", "pcm_f32le", "-"]),
  );
  return averageChannels(raw, channels);
}

/** Averages interleaved frames to mono. */
export function averageChannels(interleaved: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(Math.floor(interleaved.length / channels));
  for (let f = 0; f < out.length; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c] as number;
    out[f] = sum / channels;
  }
  return out;
}

/** sox's decoding of all channels, interleaved. */
export function soxDecodeInterleaved(path: string): Float32Array {
  return toFloat32(run("sox", [path, "-t", "f32", "-e", "floating-point", "-"]));
}

/** Largest |a[i] - b[i]| over the common length. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Signal-to-noise ratio of `x` against `ref` in dB over [from, to). */
export function snrDb(ref: ArrayLike<number>, x: ArrayLike<number>, from = 0, to = ref.length) {
  let signal = 0;
  let noise = 0;
  for (let i = from; i < to; i++) {
    const r = ref[i] as number;
    const d = (x[i] as number) - r;
    signal += r * r;
    noise += d * d;
  }
  return 10 * Math.log10(signal / noise);
}

/**
 * The shift of `x` against `ref` (x[i + lag] ~ ref[i]) within ±maxLag that maximises the SNR,
 * measured over the middle of the signal: lossy decoders differ in how much encoder delay
 * they trim.
 */
export function alignedSnr(ref: Float32Array, x: Float32Array, maxLag: number) {
  const margin = maxLag + 1;
  const n = Math.min(ref.length, x.length) - 2 * margin;
  let best = { lag: 0, snr: Number.NEGATIVE_INFINITY };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const snr = snrDb(ref.subarray(margin, margin + n), x.subarray(margin + lag, margin + lag + n));
    if (snr > best.snr) best = { lag, snr };
  }
  return best;
}

/** Writes a mono or interleaved float32 WAV (plain WAVE_FORMAT_IEEE_FLOAT). */
export function writeFloatWav(path: string, samples: Float32Array, rate: number, channels = 1) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(3, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 4, 28);
  header.writeUInt16LE(channels * 4, 32);
  header.writeUInt16LE(32, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/**
 * Inserts extra chunks (a LIST/INFO chunk, an unknown "abcd" chunk with odd length and its pad
 * byte) between "fmt " and "data" of a canonical 44-byte-header WAV.
 */
export function withExtraChunks(wav: Buffer): Buffer {
  const dataAt = wav.indexOf("data", 12);
  const info = Buffer.from("INFOICMT\x06\x00\x00\x00hello\x00", "latin1");
  const list = Buffer.concat([Buffer.from("LIST"), Buffer.alloc(4), info]);
  list.writeUInt32LE(info.length, 4);
  const odd = Buffer.from("abcd\x03\x00\x00\x00xyz\x00", "latin1");
  const out = Buffer.concat([wav.subarray(0, dataAt), list, odd, wav.subarray(dataAt)]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

/**
 * Writes a long 16-bit mono WAV one second at a time (so the test itself stays small):
 * a sweep from 200 Hz to 3 kHz and back every 10 s.
 */
export function writeLongPcm16Wav(path: string, rate: number, seconds: number) {
  const bytes = rate * seconds * 2;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + bytes, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(bytes, 40);
  const fd = openSync(path, "w");
  writeSync(fd, header);
  const second = Buffer.alloc(rate * 2);
  let phase = 0;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < rate; i++) {
      const t = (s + i / rate) % 10;
      const hz = 200 + 2800 * (t < 5 ? t / 5 : (10 - t) / 5);
      phase += (2 * Math.PI * hz) / rate;
      second.writeInt16LE(Math.round(0.3 * 32767 * Math.sin(phase)), i * 2);
    }
    writeSync(fd, second);
  }
  closeSync(fd);
}
