import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clusterLabelTable, heatmapSvg, mdEscape, writeReport } from "../src/report/index.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("contingency and heat map", () => {
  it("counts clusters × labels and orders rows so dominant labels fall on the diagonal", () => {
    const clusters = ["b", "b", "a", "a", "a", "-1"];
    const labels = ["x", "x", "y", "y", "x", "y"];
    const t = clusterLabelTable(clusters, labels);
    expect(t.cols).toEqual(["x", "y"]);
    expect(t.rows).toEqual(["b", "a", "-1"]); // b is mostly x, a mostly y, noise last
    expect(Array.from(t.counts)).toEqual([2, 0, 1, 2, 0, 1]);
    const svg = heatmapSvg(t);
    expect(svg.match(/<rect x=/g)?.length).toBe(6);
    expect(svg).toContain("<title>cluster b · label x: 2</title>");
  });
});

describe("writeReport", () => {
  it("writes HTML, Markdown, metrics and pictures, escaping untrusted text", async () => {
    const n = 60;
    const labels = Array.from({ length: n }, (_, i) =>
      i === 0 ? "<script>alert(1)</script>" : `w${i % 3}`,
    );
    const clusters = Array.from({ length: n }, (_, i) => String(i % 3));
    const coords = Float32Array.from(
      { length: n * 2 },
      (_, i) => (i % 2 ? Math.cos(i) : Math.sin(i)) + (i % 3),
    );
    const files = await writeReport(dir, {
      title: "T | <b>",
      summary: { model: "tiny.pt", clips: n },
      runs: [
        {
          name: "layer 2",
          source: "a.parquet",
          n,
          dim: 8,
          nClusters: 3,
          metrics: { ari: 0.5, nmi: 0.25 },
        },
        { name: "mfcc", source: "b.parquet", n, dim: 40, nClusters: 3, metrics: { ari: 0.125 } },
      ],
      layout: { coords, n, dims: 2 },
      labels,
      clusters,
      paths: labels.map((_, i) => `clips/${i}.wav`),
      audio: labels.map((_, i) => `clips/${i}.wav`),
      parameters: { command: "audiomap report a.parquet b.parquet", seed: 42 },
    });
    const html = readFileSync(files.html, "utf8");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain('<td class="num best">0.5000</td>');
    expect(html).toContain('<td class="num">0.1250</td>');
    expect(html).toContain('<audio controls preload="none" src="clips/1.wav">');
    expect(html).toMatch(/<img src="data:image\/png;base64,/);
    const md = readFileSync(files.markdown, "utf8");
    expect(md).toContain("# T \\| \\<b\\>");
    expect(md).toContain("| layer 2 | a.parquet | 60 | 8 | 3 | 0.5000 | 0.2500 |");
    expect(md).toContain("| mfcc | b.parquet | 60 | 40 | 3 | 0.1250 | – |");
    expect(md).toContain("![UMAP coloured by label](scatter-label.png)");
    const metrics = JSON.parse(readFileSync(files.metrics, "utf8"));
    expect(metrics.runs[1].metrics.ari).toBe(0.125);
    expect(files.pictures.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      "heatmap.svg",
      "scatter-cluster.png",
      "scatter-cluster.svg",
      "scatter-label.png",
      "scatter-label.svg",
    ]);
    expect(readFileSync(join(dir, "map.html"), "utf8")).toContain("\\u003cscript\\u003ealert(1)");
  });

  it("scores a prediction column: accuracy, confusion matrix, per-class table, mistakes", async () => {
    // 10 clips: yes×4 (one predicted no), no×4 (one predicted <b>), up×1, and one clip without a
    // prediction, which is left out of the score.
    const labels = ["yes", "yes", "yes", "yes", "no", "no", "no", "no", "up", "up"];
    const predictions = ["yes", "yes", "yes", "no", "no", "no", "no", "<b>", "up", ""];
    const n = labels.length;
    const out = join(dir, "pred");
    const files = await writeReport(out, {
      summary: {},
      runs: [{ name: "main", source: "a.parquet", n, dim: 2, metrics: {} }],
      layout: { coords: Float32Array.from({ length: 2 * n }, (_, i) => i), n, dims: 2 },
      labels,
      clusters: labels,
      predictions,
      parameters: {},
    });
    const metrics = JSON.parse(readFileSync(files.metrics, "utf8"));
    expect(metrics.predictions.n).toBe(9);
    expect(metrics.predictions.missing).toBe(1);
    expect(metrics.predictions.accuracy).toBeCloseTo(7 / 9, 12);
    expect(metrics.predictions.classes).toEqual(["<b>", "no", "up", "yes"]);
    expect(metrics.predictions.confusion).toEqual([
      [0, 0, 0, 0],
      [1, 3, 0, 0],
      [0, 0, 1, 0],
      [0, 1, 0, 3],
    ]);
    expect(metrics.predictions.topConfusions).toEqual([
      { label: "no", predicted: "<b>", count: 1 },
      { label: "yes", predicted: "no", count: 1 },
    ]);
    const html = readFileSync(files.html, "utf8");
    expect(html).toContain("Top-1 accuracy <b>77.8%</b> on 9 clips");
    expect(html).toContain("(1 without one of them are left out)");
    expect(html).toContain('<tr><td>no</td><td>&#60;b&#62;</td><td class="num">1</td></tr>');
    expect(html).not.toContain("<td><b></td>");
    const svg = readFileSync(files.confusion!, "utf8");
    // Rows: the labels that occur (no, up, yes); columns: all four classes.
    expect(svg.match(/<rect x=/g)?.length).toBe(12);
    expect(svg).toContain("<title>label yes · predicted no: 1</title>");
    const md = readFileSync(files.markdown, "utf8");
    expect(md).toContain("Top-1 accuracy **77.8%** on 9 clips");
    expect(md).toContain("| yes | 4 | 75.0% | 100.0% |");
    expect(md).toContain("| no | 4 | 75.0% | 75.0% |");
    expect(md).toContain("| \\<b\\> | 0 | – | 0.0% |");
    expect(md).toContain("![labels versus predictions](confusion.svg)");
  });

  it("escapes Markdown table breakers", () => {
    expect(mdEscape("a|b<c>\n[d](e)")).toBe("a\\|b\\<c\\> \\[d\\]\\(e\\)");
  });
});
