/** Running the built CLI and generating test audio, for the cross-package tests. */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const CLI = join(ROOT, "packages/cli/dist/main.js");
export const TINY = join(ROOT, "fixtures/tiny.pt");
export const PY = "/usr/bin/python3";

/** Throws a clear message when the CLI or the fixtures are not built. */
export function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\``);
  if (!existsSync(TINY)) throw new Error(`${TINY} is missing: run \`bash scripts/fixtures.sh\``);
}

/** Result of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `audiomap ...args` to completion. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `audiomap ...args` without waiting. */
export function cliAsync(args: string[]) {
  return spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function sox(args: string[]): void {
  execFileSync("sox", args, { stdio: "pipe" });
}

/** Speaks `text` to a WAV (22.05 kHz mono) with espeak-ng, cleaning up its pulse folders. */
export function speak(text: string, out: string, voice = "en-us"): void {
  execFileSync("espeak-ng", ["-v", voice, "-w", out, text], { stdio: "pipe" });
  rmSync(join(homedir(), ".config/pulse"), { recursive: true, force: true });
}

/**
 * A small mixed folder: spoken words, tones and noise at 8, 16, 22.05 and 44.1 kHz (one
 * stereo), a 9 s clip (several windows with --window 4), and four bad files: corrupt bytes,
 * an empty WAV, a 100-sample clip and a non-audio file with a .wav name.
 */
export function makeMixedFolder(dir: string): { good: string[]; bad: string[]; ref16k: string[] } {
  mkdirSync(dir, { recursive: true });
  const good: string[] = [];
  const ref16k: string[] = [];
  const words = ["yes", "no", "up", "down"];
  words.forEach((w, i) => {
    const f = `speech-${i}-${w}.wav`;
    speak(w, join(dir, f), i % 2 ? "en-us+f3" : "en-us");
    good.push(f);
  });
  for (let i = 0; i < 4; i++) {
    const f = `tone16k-${i}.wav`;
    sox([
      "-n",
      "-r",
      "16000",
      "-b",
      "16",
      join(dir, f),
      "synth",
      String(0.6 + i * 0.45),
      "sine",
      `${200 + 150 * i}:${900 + 50 * i}`,
      "vol",
      "0.5",
    ]);
    good.push(f);
    ref16k.push(f);
  }
  sox([
    "-n",
    "-r",
    "8000",
    "-b",
    "16",
    join(dir, "tone8k.wav"),
    "synth",
    "1.3",
    "sine",
    "440",
    "vol",
    "0.4",
  ]);
  sox([
    "-n",
    "-r",
    "44100",
    "-c",
    "2",
    join(dir, "noise44k-stereo.wav"),
    "synth",
    "2.1",
    "pinknoise",
    "vol",
    "0.3",
  ]);
  sox([
    "-n",
    "-r",
    "16000",
    join(dir, "long16k.flac"),
    "synth",
    "9",
    "sine",
    "300:3000",
    "vol",
    "0.5",
  ]);
  good.push("tone8k.wav", "noise44k-stereo.wav", "long16k.flac");
  execFileSync(PY, [
    "-c",
    `open(${JSON.stringify(join(dir, "corrupt.wav"))}, "wb").write(b"RIFF" + bytes(range(200)))`,
  ]);
  sox(["-n", "-r", "16000", join(dir, "empty.wav"), "trim", "0", "0"]);
  sox(["-n", "-r", "16000", join(dir, "short.wav"), "synth", "100s", "sine", "440"]);
  execFileSync(PY, [
    "-c",
    `open(${JSON.stringify(join(dir, "text.wav"))}, "w").write("not audio at all")`,
  ]);
  return { good: good.sort(), bad: ["corrupt.wav", "empty.wav", "short.wav", "text.wav"], ref16k };
}

/** Many short tone clips (mixed lengths and rates) for resume/shard runs. */
export function makeManyClips(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const code = `
import numpy as np, soundfile as sf, sys
d, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
for i in range(n):
    sr = [8000, 16000, 44100][i % 3]
    dur = 0.3 + 1.7 * rng.random()
    t = np.arange(int(sr * dur)) / sr
    x = 0.3 * np.sin(2 * np.pi * (150 + 40 * (i % 17)) * t) + 0.05 * rng.standard_normal(t.size)
    sf.write(f"{d}/clip-{i:04d}.wav", x.astype(np.float32), sr, subtype="PCM_16")
`;
  execFileSync(PY, ["-c", code, dir, String(n)]);
}
