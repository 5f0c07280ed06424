import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkpointPath, configPath, keywords, labels, modelPath } from "../src/index.js";

describe("@audiomap/model-kws", () => {
  it("points at files that exist", () => {
    for (const p of [modelPath, configPath, checkpointPath]) expect(existsSync(p)).toBe(true);
    // A TorchScript file is a zip archive.
    expect(readFileSync(modelPath).subarray(0, 2).toString("latin1")).toBe("PK");
  });

  it("lists the head's labels in class-id order", () => {
    expect(labels).toHaveLength(36);
    expect(labels.slice(0, 3)).toEqual(["yes", "no", "up"]);
    expect(labels.at(-1)).toBe("_silence_");
    expect(keywords).toHaveLength(35);
    expect(keywords).not.toContain("_silence_");
  });
});
