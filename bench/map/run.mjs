#!/usr/bin/env node
// The interactive page (map.html) at scale, in headless Debian chromium (SwiftShader WebGL2, as
// in CI): file size, open-to-first-draw, and frames per second while panning and zooming.
//   node bench/map/run.mjs                        # 10,000 (reference), 100,000 and 1,000,000 points
//   node bench/map/run.mjs --sizes 100000 --neighbors 0
// Each page carries what `audiomap report` writes: id, label, prediction, path (audio linked,
// not embedded), a continuous column and, unless --neighbors 0, 10 embedding-space neighbours
// per point. Targets (issue 20): 100k opens in <= 3 s and pans at >= 30 fps; 1M in <= 15 s at
// >= 10 fps. Ratios are printed against the targets and against the first size (the reference
// measured in the same run). The frame rate counts the frames the page drew in 3 s while a
// drag (pan) or wheel events (zoom) were dispatched inside the page once per animation frame.
// Above 50,000 points a moving view draws a uniform sample sized to hold ~30 fps (the page's
// level of detail); "points per moving frame" is its mean size, and a still view draws all.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const viz = await import(join(here, "..", "..", "packages", "viz", "dist", "index.js"));
const { chromium } = await import(
  join(here, "..", "..", "packages", "viz", "node_modules", "playwright-core", "index.mjs")
);
const values = benchArgs(import.meta.url, {
  sizes: { type: "string", default: "10000,100000,1000000" },
  neighbors: { type: "string", default: "10" },
  chromium: { type: "string", default: "/usr/bin/chromium" },
  keep: { type: "boolean", default: false },
});
const sizes = values.sizes.split(",").map(Number);
const k = Number(values.neighbors);
const TARGETS = {
  100000: { open: 3, fps: 30 },
  1000000: { open: 15, fps: 10 },
};

function page(n) {
  let s = 7;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const words = Array.from({ length: 35 }, (_, w) => `word${w}`);
  const coords = new Float32Array(2 * n);
  const id = [];
  const label = [];
  const prediction = [];
  const path = [];
  const duration = [];
  for (let i = 0; i < n; i++) {
    const w = i % 35;
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    coords[2 * i] = 8 * Math.cos((2 * Math.PI * w) / 35) * (1 + (w % 3)) + r * Math.cos(t);
    coords[2 * i + 1] = 8 * Math.sin((2 * Math.PI * w) / 35) * (1 + (w % 3)) + r * Math.sin(t);
    id.push(`clip-${String(i).padStart(7, "0")}`);
    label.push(words[w]);
    prediction.push(rand() < 0.9 ? words[w] : words[Math.floor(rand() * 35)]);
    path.push(`clips/${words[w]}/${i}.wav`);
    duration.push(Math.round((0.5 + rand()) * 1000) / 1000);
  }
  const neighbors =
    k > 0
      ? {
          k,
          indices: Int32Array.from(
            { length: n * k },
            (_, j) => (Math.floor(j / k) + 35 * (1 + (j % k))) % n,
          ),
          distances: Float32Array.from({ length: n * k }, (_, j) => 0.1 * (1 + (j % k))),
        }
      : undefined;
  return viz.interactiveHtml(
    { coords, n, dims: 2 },
    {
      title: `bench ${n}`,
      meta: { id, label, prediction, path, columns: { duration } },
      audio: path,
      ...(neighbors && { neighbors }),
    },
  );
}

const dir = mkdtempSync(join(tmpdir(), "audiomap-map-bench-"));
const profile = join(dir, "profile");
mkdirSync(profile);
const context = await chromium.launchPersistentContext(profile, {
  executablePath: values.chromium,
  headless: true,
  viewport: { width: 1200, height: 800 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--no-first-run",
  ],
});
console.log(
  `map.html bench — ${new Date().toISOString()} — ${cpus().length}× ${cpus()[0]?.model ?? "?"}`,
);
console.log(
  `neighbours per point: ${k}; viewport 1200 × 800; chromium ${context.browser()?.version() ?? ""}`,
);
console.log(
  "| points | file MB | MB per 100k | build s | open → first draw s | pan fps | zoom fps | points per moving frame | renderer | open vs target | pan fps vs target | open vs first size |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
let reference;
try {
  for (const n of sizes) {
    const t0 = performance.now();
    const html = page(n);
    const file = join(dir, `map-${n}.html`);
    writeFileSync(file, html);
    const build = (performance.now() - t0) / 1000;
    const mb = statSync(file).size / 1e6;
    const tab = await context.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    const t1 = performance.now();
    await tab.goto(pathToFileURL(file).href, { timeout: 600_000 });
    await tab.waitForFunction(() => window.audiomap?.draws() > 0, null, {
      timeout: 600_000,
      polling: 50,
    });
    const open = (performance.now() - t1) / 1000;
    const renderer = await tab.evaluate(() => window.audiomap.renderer);
    // Input is dispatched inside the page once per animation frame for 3 s (a CDP round trip
    // per event would cap the rate below the page's own), and the frames it drew are counted.
    const fps = (mode) =>
      tab.evaluate(async (how) => {
        const stage = document.getElementById("stage");
        const box = stage.getBoundingClientRect();
        const x0 = box.left + box.width / 2;
        const y0 = box.top + box.height / 2;
        const a = window.audiomap;
        if (how === "pan")
          stage.dispatchEvent(
            new MouseEvent("mousedown", { clientX: x0, clientY: y0, bubbles: true }),
          );
        const d0 = a.draws();
        const t0 = performance.now();
        let step = 0;
        let sampled = 0;
        await new Promise((done) => {
          const tick = () => {
            if (performance.now() - t0 > 3000) return done();
            step++;
            sampled += a.drawnPoints();
            if (how === "pan")
              window.dispatchEvent(
                new MouseEvent("mousemove", {
                  clientX: x0 + 150 * Math.sin(step / 20),
                  clientY: y0 + 100 * Math.cos(step / 20),
                  bubbles: true,
                }),
              );
            else
              stage.dispatchEvent(
                new WheelEvent("wheel", {
                  deltaY: step % 40 < 20 ? -60 : 60,
                  clientX: x0,
                  clientY: y0,
                  bubbles: true,
                  cancelable: true,
                }),
              );
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        if (how === "pan") window.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
        return {
          fps: (a.draws() - d0) / ((performance.now() - t0) / 1000),
          points: Math.round(sampled / Math.max(step, 1)),
        };
      }, mode);
    const pan = await fps("pan");
    const zoom = await fps("zoom");
    await tab.close();
    if (errors.length) throw new Error(`page errors at ${n}: ${errors.join("; ")}`);
    reference ??= open;
    const target = TARGETS[n];
    const r = (v) => v.toFixed(2);
    console.log(
      `| ${n.toLocaleString("en-US")} | ${mb.toFixed(1)} | ${((mb * 100_000) / n).toFixed(1)} | ${build.toFixed(1)} | ${open.toFixed(2)} | ${pan.fps.toFixed(1)} | ${zoom.fps.toFixed(1)} | ${pan.points.toLocaleString("en-US")} | ${renderer} | ${target ? `${r(open / target.open)}× (≤ 1 meets)` : "–"} | ${target ? `${r(Math.min(pan.fps, zoom.fps) / target.fps)}× (≥ 1 meets)` : "–"} | ${r(open / reference)}× |`,
    );
    if (!values.keep) rmSync(file);
  }
} finally {
  await context.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
