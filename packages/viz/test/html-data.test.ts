import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  audioCapMessage,
  audioSources,
  audioSourcesWithCaps,
  buildPayload,
  interactiveHtml,
  safeJson,
} from "../src/html/index.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-htmldata-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("page data", () => {
  it("safeJson cannot close the script element and round-trips through JSON.parse", () => {
    const value = { s: "</script><script>alert(1)</script> & \u2028\u2029 <!--" };
    const text = safeJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("puts untrusted labels only inside the JSON block of the page", () => {
    const html = interactiveHtml(
      { coords: new Float32Array([0, 0, 1, 1]), n: 2, dims: 2 },
      { title: "<t>", meta: { label: ["</script><b>x</b>", "ok"] } },
    );
    expect(html).not.toContain("</script><b>");
    expect(html).toContain("<title>&#60;t&#62;</title>");
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the JSON block and the code
  });

  it("shows bidi controls in labels, ids and titles as visible code points, not reordered text", () => {
    const rlo = "clip\u202Evaw.exe";
    const p = buildPayload(
      { coords: new Float32Array([0, 0, 1, 1]), n: 2, dims: 2 },
      { id: [rlo, "b\u2066c\u2069"], label: ["yes\u200F", "no"], path: [rlo, "/b.wav"] },
      "map \u202Bx",
      ["clips/clip\u202Evaw.exe", null],
    );
    const shown = JSON.stringify(p.fields) + JSON.stringify(p.colorings) + p.title;
    expect(shown).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/);
    expect(p.fields[0]!.values).toEqual(["clip[U+202E]vaw.exe", "b[U+2066]c[U+2069]"]);
    expect(p.colorings[0]!.names).toContain("yes[U+200F]");
    expect(p.title).toBe("map [U+202B]x");
    // The audio source is a URL, not display text: it keeps the file's real name.
    expect(p.audio[0]).toBe("clips/clip\u202Evaw.exe");
    const html = interactiveHtml(
      { coords: new Float32Array([0, 0, 1, 1]), n: 2, dims: 2 },
      { title: "t\u202E", meta: { label: [rlo, "ok"] } },
    );
    expect(html).not.toContain("\u202E");
    expect(html).toContain("<title>t[U+202E]</title>");
  });

  it("encodes neighbour lists as int32/float32 base64 and rejects bad ones", () => {
    const layout = { coords: new Float32Array([0, 0, 1, 1, 2, 2]), n: 3, dims: 2 };
    const nb = { k: 2, indices: [1, 2, 0, 2, 1, 0], distances: [1, 2, 1, 1, 1, 2] };
    const p = buildPayload(layout, {}, "t", [], nb);
    expect(p.neighbors!.k).toBe(2);
    const idx = Buffer.from(p.neighbors!.indices, "base64");
    expect(Array.from(new Int32Array(idx.buffer, idx.byteOffset, 6))).toEqual(nb.indices);
    const dist = Buffer.from(p.neighbors!.distances, "base64");
    expect(Array.from(new Float32Array(dist.buffer, dist.byteOffset, 6))).toEqual(nb.distances);
    expect(buildPayload(layout, {}, "t", []).neighbors).toBeUndefined();
    expect(() => buildPayload(layout, {}, "t", [], { ...nb, indices: [1, 2, 0, 3, 1, 0] })).toThrow(
      /neighbor index 3 is outside \[0, 3\)/,
    );
    expect(() => buildPayload(layout, {}, "t", [], { ...nb, k: 3 })).toThrow(/expected 3 × 3/);
  });

  it("encodes coordinates as little-endian float32 base64 and adds ids", () => {
    const coords = new Float32Array([1.5, -2, 3, 4]);
    const p = buildPayload({ coords, n: 2, dims: 2 }, { label: ["a", "b"] }, "t", []);
    const b = Buffer.from(p.coords, "base64");
    expect(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))).toEqual(
      coords,
    );
    expect(p.fields.map((f) => f.name)).toEqual(["id", "label"]);
    expect(p.fields[0]!.values).toEqual(["0", "1"]);
    expect(p.colorings[0]!.index).toEqual([0, 1]);
  });
});

describe("audioSources", () => {
  mkdirSync(join(dir, "clips"));
  writeFileSync(join(dir, "clips", "a b#1.wav"), Buffer.alloc(100, 1));
  writeFileSync(join(dir, "clips", "big.wav"), Buffer.alloc(5000, 2));

  it("links clips relative to the page, percent-encoding each segment", () => {
    const s = audioSources(["clips/a b#1.wav", null, "https://x/y.wav"], {
      htmlDir: join(dir, "out"),
      baseDir: dir,
    });
    expect(s).toEqual(["../clips/a%20b%231.wav", null, "https://x/y.wav"]);
  });

  it("embeds small clips as data: URIs and links the ones over the limits", () => {
    const s = audioSources(["clips/a b#1.wav", "clips/big.wav", "clips/missing.wav"], {
      mode: "embed",
      htmlDir: dir,
      baseDir: dir,
      maxClipBytes: 1000,
    });
    expect(s[0]).toBe(`data:audio/wav;base64,${Buffer.alloc(100, 1).toString("base64")}`);
    expect(s[1]).toBe("clips/big.wav");
    expect(s[2]).toBeNull();
    const budget = audioSources(["clips/a b#1.wav", "clips/a b#1.wav"], {
      mode: "embed",
      htmlDir: dir,
      baseDir: dir,
      maxTotalBytes: 150,
    });
    expect(budget[0]).toMatch(/^data:/);
    expect(budget[1]).toBe("clips/a%20b%231.wav");
  });

  it("counts the clips the caps linked and says so in one line", () => {
    const r = audioSourcesWithCaps(["clips/a b#1.wav", "clips/big.wav", "clips/a b#1.wav"], {
      mode: "embed",
      htmlDir: dir,
      baseDir: dir,
      maxClipBytes: 1000,
      maxTotalBytes: 150,
    });
    expect([r.embedded, r.overClipCap, r.overTotalCap]).toEqual([1, 1, 1]);
    expect(audioCapMessage(r)).toBe(
      "audio: 1 clips embedded; 1 over 1000 B each and 1 past the 150 B total are linked instead (the page plays them only next to the clips)",
    );
    const none = audioSourcesWithCaps(["clips/a b#1.wav"], {
      mode: "embed",
      htmlDir: dir,
      baseDir: dir,
    });
    expect(audioCapMessage(none)).toBeNull();
  });
});
