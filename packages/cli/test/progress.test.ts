import { describe, expect, it } from "vitest";
import { formatDuration, progressLine } from "../src/progress.js";

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
