/**
 * Progress and Ctrl-C as a user sees them: `audiomap embed` runs in a real terminal (a pty made
 * by util-linux `script`), its progress bar is read as it draws, and Ctrl-C is typed into the
 * terminal (the byte 0x03, which the pty turns into SIGINT for the foreground process group)
 * during model load and at several points of the run. Each interrupt must print one line and
 * exit 130, and `--resume` must then finish the output without gaps or duplicates.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cli, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-tty-"));
const clips = join(dir, "clips");
const N = 400;

beforeAll(() => {
  requireBuilt();
  mkdirSync(clips, { recursive: true });
  // 400 one-second tones, made by sox in one call per 100 files.
  for (let k = 0; k < N; k += 100) {
    const script = Array.from(
      { length: 100 },
      (_, i) =>
        `sox -n -r 16000 ${join(clips, `c${String(k + i).padStart(4, "0")}.wav`)} synth 1 sine ${200 + k + i}`,
    ).join(" && ");
    execFileSync("bash", ["-c", script]);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (out: string, chunkSize = 50) => [
  CLI,
  "embed",
  clips,
  "-o",
  out,
  "--model",
  TINY,
  "--threads",
  "1",
  "--batch-seconds",
  "1", // one clip per batch: many small steps
  "--chunk-size",
  String(chunkSize),
];

/** `audiomap ...` in a pty; resolves with everything the terminal showed and the exit code. */
function inTerminal(argv: string[]): {
  child: ChildProcess;
  screen: () => string;
  exit: Promise<number>;
} {
  const command = [process.execPath, ...argv].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (b: Buffer) => {
    text += b.toString();
  });
  const exit = new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? -1)));
  return { child, screen: () => text, exit };
}

/** Progress counts the bar has drawn so far ("123/400 clips"). */
function counts(screen: string): number[] {
  return [...screen.matchAll(/(\d+)\/(\d+) clips/g)].map((m) => Number(m[1]));
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function ctrlC(t: ReturnType<typeof inTerminal>): void {
  t.child.stdin?.write("\x03");
}

/**
 * The lines of a terminal transcript, with the bar's redraws (\r, erase-line) resolved and the
 * terminal's echo of Ctrl-C ("^C", shown or not depending on the tty's settings) left out.
 */
function lines(screen: string): string[] {
  return screen
    .split("\u001b[2K")
    .join("")
    .split(/\r?\n/)
    .map((l) => (l.split("\r").at(-1) ?? "").replace(/^\^C/, ""))
    .filter((l) => l.trim());
}

async function rows(path: string) {
  const buf = readFileSync(path);
  return parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  });
}

describe("audiomap embed in a terminal", () => {
  it("draws a bar that moves per batch, with clips/s, audio-s/s and an ETA", async () => {
    const out = join(dir, "full.parquet");
    // One chunk for the whole run: it commits only at the end, so every count the bar shows
    // before that comes from the batches.
    const t = inTerminal(args(out, 1000));
    expect(await t.exit).toBe(0);
    const seen = counts(t.screen());
    expect(new Set(seen.filter((c) => c > 0 && c < N)).size).toBeGreaterThan(5);
    expect(seen.at(-1)).toBe(N);
    expect(t.screen()).toMatch(
      /\d+\/400 clips {2}[\d.]+ clips\/s {2}[\d.]+ audio-s\/s {2}ETA \d+:\d\d/,
    );
    expect((await rows(out)).length).toBe(N);
  }, 120_000);

  it("prints one line and exits 130 on Ctrl-C during model load", async () => {
    const out = join(dir, "early.parquet");
    const t = inTerminal(args(out));
    await waitFor(() => t.screen().includes("loading the model"), 60_000);
    ctrlC(t);
    expect(await t.exit).toBe(130);
    // The load may have finished by the time the signal lands; either way, one line.
    const said = lines(t.screen()).filter((l) => !/loading the model|clips\/s/.test(l));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^audiomap: interrupted(; rerun with --resume to continue)?$/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  for (const at of [0.2, 0.5, 0.8]) {
    it(`stops cleanly on Ctrl-C ${at * 100}% into the run, and --resume completes it exactly`, async () => {
      const out = join(dir, `at${at}.parquet`);
      const t = inTerminal(args(out));
      await waitFor(() => (counts(t.screen()).at(-1) ?? 0) >= at * N, 60_000);
      ctrlC(t);
      expect(await t.exit).toBe(130);
      const said = lines(t.screen()).filter((l) => !/clips\/s/.test(l));
      expect(said).toEqual(["audiomap: interrupted; rerun with --resume to continue"]);
      expect(t.screen()).not.toMatch(/\n\s+at |Error:/);
      expect(existsSync(out)).toBe(false);
      const r = cli([...args(out).slice(1), "--resume", "-q", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.resumedFrom).toBeGreaterThan(0);
      const ids = (await rows(out)).map((x) => String(x.id));
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      expect(ids).toEqual([...ids].sort());
    }, 120_000);
  }
});
