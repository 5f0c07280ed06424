import { describe, expect, it } from "vitest";
import { formatDuration, ProgressBar, progressLine } from "../src/progress.js";

describe("progress line", () => {
  it("shows counts, rates and ETA", () => {
    expect(progressLine({ done: 50, failed: 2, audioSec: 200, total: 200 }, 10, 10)).toBe(
      "[###-------] 50/200 clips (2 failed)  5.0 clips/s  20.0 audio-s/s  ETA 0:30",
    );
    expect(progressLine({ done: 3, failed: 0, audioSec: 1.5 }, 2)).toBe(
      "3 clips  1.5 clips/s  0.8 audio-s/s",
    );
  });
  it("formats durations", () => {
    expect(formatDuration(59.4)).toBe("0:59");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(Number.NaN)).toBe("?");
  });
});

describe("progress bar", () => {
  it("ends on the final count even when the throttle held the last update back", () => {
    let written = "";
    const write = (s: string) => {
      written += s;
      return true;
    };
    const stream = { write } as NodeJS.WriteStream;
    const bar = new ProgressBar(true, stream);
    bar.update({ done: 1, failed: 0, audioSec: 1, total: 3 });
    bar.update({ done: 2, failed: 0, audioSec: 2, total: 3 }); // within 100 ms: held back
    bar.update({ done: 3, failed: 0, audioSec: 3, total: 3 }); // the same
    expect(written).not.toContain("3/3 clips");
    bar.done();
    const last = written.split("\r\x1b[2K").at(-1) ?? "";
    expect(last).toMatch(/^\[#+\] 3\/3 clips .*\n$/);
    bar.done(); // idempotent: no second newline
    expect(written.endsWith("\n\n")).toBe(false);
  });
});
