import { describe, expect, it } from "vitest";
import {
  categoricalPalette,
  categorize,
  hexToLab,
  matchedColors,
  scatterSvg,
  svgToPng,
} from "../src/plot/index.js";

function layout(n: number, dims: number) {
  const coords = Float32Array.from({ length: n * dims }, (_, i) => Math.sin(i * 12.9898) * 10);
  return { coords, n, dims };
}

describe("categorical palette", () => {
  it("gives 40 distinct colours, well apart in CIELAB, the same every time", () => {
    const p = categoricalPalette(40);
    expect(new Set(p).size).toBe(40);
    expect(categoricalPalette(40)).toEqual(p);
    let min = Infinity;
    for (let i = 0; i < 40; i++)
      for (let j = 0; j < i; j++) {
        const a = hexToLab(p[i]!);
        const b = hexToLab(p[j]!);
        min = Math.min(min, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
      }
    expect(min).toBeGreaterThan(10);
    expect(p.slice(0, 3)).toEqual(["#4e79a7", "#f28e2b", "#e15759"]);
  });

  it("sorts categories naturally with noise last and grey", () => {
    const c = categorize(["10", "2", "-1", "2", "1"]);
    expect(c.names).toEqual(["1", "2", "10", "noise"]);
    expect(c.counts).toEqual([1, 2, 1, 1]);
    expect(Array.from(c.index)).toEqual([2, 1, 3, 1, 0]);
    expect(c.colors[3]).toBe("#c8c8c8");
  });
});

describe("scatter SVG", () => {
  it("is deterministic, escapes text and draws one circle per point plus legend", () => {
    const l = layout(200, 2);
    const labels = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? "<script>&" : `k${i % 4}`));
    const a = scatterSvg(l, labels, { title: 'A "title" <x>' });
    expect(scatterSvg(l, labels, { title: 'A "title" <x>' })).toBe(a);
    expect(a).not.toContain("<script>");
    expect(a).toContain("&#60;script&#62;&#38;");
    expect(a).toContain("A &#34;title&#34; &#60;x&#62;");
    const circles = a.match(/<circle /g)?.length ?? 0;
    expect(circles).toBe(200 + 5); // points + 5 legend dots
  });

  it("draws a 3-D layout as three pairwise views", () => {
    const svg = scatterSvg(layout(50, 3), new Array(50).fill("a"));
    for (const v of ["x–y", "x–z", "y–z"]) expect(svg).toContain(`>${v}</text>`);
    expect(svg.match(/<circle /g)?.length).toBe(150 + 1);
  });

  it("rejects mismatched inputs", () => {
    expect(() => scatterSvg(layout(10, 2), ["a"])).toThrow(RangeError);
    expect(() => scatterSvg({ coords: new Float32Array(40), n: 10, dims: 4 }, [])).toThrow(/dims/);
  });

  it("renders to a PNG of the requested width", async () => {
    const png = await svgToPng(
      scatterSvg(layout(100, 2), new Array(100).fill("a"), { title: "t" }),
      {
        width: 600,
      },
    );
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe("PNG");
    const view = new DataView(png.buffer, png.byteOffset);
    expect(view.getUint32(16)).toBe(600);
  });
});

describe("matched colours", () => {
  it("gives clusters the colour of the label they mostly hold, and predictions their label's", () => {
    const labels = ["a", "a", "a", "b", "b", "b", "c"];
    const clusters = ["7", "7", "7", "3", "3", "9", "-1"];
    const lab = categorize(labels);
    const colour = (name: string) => lab.colors[lab.names.indexOf(name)];
    const m = matchedColors(clusters, labels, lab);
    expect(m["7"]).toBe(colour("a"));
    expect(m["3"]).toBe(colour("b"));
    expect(m["9"]).toBeUndefined(); // b's colour is taken by the bigger cluster 3
    expect(m["-1"]).toBeUndefined();
    const c = categorize(clusters, m);
    expect(c.colors[c.names.indexOf("9")]).not.toBe(colour("b"));
    expect(new Set(c.colors).size).toBe(4);
    expect(matchedColors(["b", "a"], ["a", "a"], lab)).toEqual({ a: colour("a"), b: colour("b") });
  });
});
