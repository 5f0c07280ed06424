import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioSources, interactiveHtml, type PageNeighbors } from "../src/html/index.js";
import { haveChromium, launchChromium } from "./helpers/chromium.js";
import { sineWav } from "./helpers/wav.js";

const SHOTS = resolve(__dirname, "../../../test-results/viz");
const XSS = "<img src=x onerror=window.__xss=1>";

/** A seeded 3-cluster layout of `n` points; point 0 carries the XSS label. */
function dataset(n: number) {
  let s = 12345;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const coords = new Float32Array(n * 2);
  const label: string[] = [];
  const cluster: string[] = [];
  const path: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    coords[2 * i] = k * 10 + rand() * 4;
    coords[2 * i + 1] = (k % 2) * 10 + rand() * 4;
    label.push(i === 0 ? XSS : `word${k}`);
    cluster.push(String(k));
    path.push(`clips/clip ${i % 4}.wav`);
  }
  return { coords, label, cluster, path };
}

describe.skipIf(!haveChromium)("interactive page in headless chromium", () => {
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "audiomap-html-"));
    mkdirSync(join(dir, "clips"));
    for (let k = 0; k < 4; k++)
      writeFileSync(join(dir, "clips", `clip ${k}.wav`), sineWav(1.5, 300 + 100 * k));
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(
    n: number,
    mode: "link" | "embed",
    neighbors?: PageNeighbors,
    columns?: Record<string, (string | number | null)[]>,
    prediction?: (labels: string[]) => string[],
  ) {
    const d = dataset(n);
    const audio = audioSources(d.path, { mode, htmlDir: dir, baseDir: dir });
    const html = interactiveHtml(
      { coords: d.coords, n, dims: 2 },
      {
        title: `test ${XSS}`,
        meta: {
          label: d.label,
          cluster: d.cluster,
          path: d.path,
          ...(columns && { columns }),
          ...(prediction && { prediction: prediction(d.label) }),
        },
        audio,
        ...(neighbors && { neighbors }),
      },
    );
    const file = join(
      dir,
      `map-${n}-${mode}${neighbors ? "-nb" : ""}${columns ? "-col" : ""}.html`,
    );
    writeFileSync(file, html);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => "audiomap" in window);
    // Let a resize from the first layout (a wrapping header) settle before reading positions.
    await page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
    );
    return { page, errors, d };
  }

  async function pointOnScreen(page: Page, i: number) {
    return page.evaluate(
      (k) =>
        (
          window as unknown as { audiomap: { screenPosition(i: number): { x: number; y: number } } }
        ).audiomap.screenPosition(k),
      i,
    );
  }

  it("loads without errors, shows the right count, hovers and plays audio (linked)", async () => {
    const { page, errors, d } = await open(3000, "link");
    expect(await page.locator("#point-count").textContent()).toBe("3,000 points");
    const renderer = await page.locator("#stage").getAttribute("data-renderer");
    expect(renderer).toMatch(/WebGL2|2D canvas/);
    expect(
      await page.evaluate(() => (window as unknown as { audiomap: { n: number } }).audiomap.n),
    ).toBe(3000);

    const i = 1234;
    const p = await pointOnScreen(page, i);
    await page.mouse.move(p.x, p.y);
    const tip = page.locator("#tooltip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.locator('td[data-field="id"]').textContent()).toBe(String(i));
    expect(await tip.locator('td[data-field="label"]').textContent()).toBe(d.label[i]);
    expect(await tip.locator('td[data-field="path"]').textContent()).toBe(d.path[i]);
    await page.screenshot({ path: join(SHOTS, "hover.png") });

    await page.mouse.click(p.x, p.y);
    await expect
      .poll(
        () =>
          page.evaluate(() => {
            const a = document.getElementById("player") as HTMLAudioElement;
            return !a.paused && a.currentTime > 0;
          }),
        { timeout: 10_000 },
      )
      .toBe(true);
    const src = await page.evaluate(
      () => (document.getElementById("player") as HTMLAudioElement).src,
    );
    expect(decodeURIComponent(src)).toContain(`clips/clip ${i % 4}.wav`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists a clicked clip's true nearest clips in embedding space, each playable", async () => {
    // Embeddings unrelated to the layout: the list must come from them, not from the 2-D map.
    const n = 600;
    const dim = 8;
    const k = 6;
    let s = 99;
    const emb = Float64Array.from({ length: n * dim }, () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 4294967296;
    });
    const indices = new Int32Array(n * k);
    const distances = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const row: { j: number; d: number }[] = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let sq = 0;
        for (let c = 0; c < dim; c++) sq += (emb[i * dim + c]! - emb[j * dim + c]!) ** 2;
        row.push({ j, d: Math.sqrt(sq) });
      }
      row.sort((a, b) => a.d - b.d);
      for (let r = 0; r < k; r++) {
        indices[i * k + r] = row[r]!.j;
        distances[i * k + r] = row[r]!.d;
      }
    }
    const listed = (page: Page) =>
      page.$$eval("#neighbors li", (items) =>
        items.map((li) => Number(li.getAttribute("data-index"))),
      );
    const { page, errors } = await open(n, "link", { k, indices, distances });
    expect(await page.locator("#neighbors-panel").isVisible()).toBe(false);
    const i = 17;
    const p = await pointOnScreen(page, i);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.locator("#neighbors-panel").isVisible()).toBe(true);
    expect(await listed(page)).toEqual(Array.from(indices.subarray(i * k, (i + 1) * k)));
    expect(await page.locator("#neighbors-of").textContent()).toBe(`of ${i} (word${i % 3})`);
    expect(await page.locator("#neighbors li .ndist").first().textContent()).toBe(
      distances[i * k]!.toPrecision(3),
    );
    await page.screenshot({ path: join(SHOTS, "neighbors.png") });
    // A row's play button plays that neighbour; clicking the row moves the focus to it.
    const first = indices[i * k]!;
    await page.locator("#neighbors li button").first().click();
    await expect
      .poll(() => page.evaluate(() => (document.getElementById("player") as HTMLAudioElement).src))
      .toContain(encodeURI(`clips/clip ${first % 4}.wav`));
    await page.locator("#neighbors li").nth(1).click();
    const second = indices[i * k + 1]!;
    expect(
      await page.evaluate(() =>
        (window as unknown as { audiomap: { focus(): number } }).audiomap.focus(),
      ),
    ).toBe(second);
    expect(await listed(page)).toEqual(Array.from(indices.subarray(second * k, (second + 1) * k)));
    expect(errors).toEqual([]);
    await page.close();
  });

  /** The rendered colour at a screen position, read back from a screenshot. */
  async function pixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
    const png = await page.screenshot({
      clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 },
    });
    const blank = await browser.context.newPage();
    try {
      return await blank.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const img = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
        const ctx = new OffscreenCanvas(1, 1).getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
        return [r!, g!, b!] as [number, number, number];
      }, png.toString("base64"));
    } finally {
      await blank.close();
    }
  }

  it("colours by a continuous column on a colour scale and filters it by range", async () => {
    const n = 600;
    // score rises with the index; every 50th clip has none. speaker is a categorical column.
    const score = Array.from({ length: n }, (_, i) => (i % 50 === 49 ? null : i / (n - 1)));
    const speaker = Array.from({ length: n }, (_, i) => `spk${i % 4}`);
    const { page, errors, d } = await open(n, "link", undefined, { score, speaker });
    const visibleCount = () =>
      page.evaluate(() =>
        (window as unknown as { audiomap: { visibleCount(): number } }).audiomap.visibleCount(),
      );
    const low = 3; // score 0.005
    const high = 597; // score 0.997
    const at = async (i: number) => {
      const p = await pointOnScreen(page, i);
      return pixel(page, p.x, p.y);
    };
    await page.mouse.move(1, 1);
    const byLabel = [await at(low), await at(high)];
    const options = await page.$$eval("#color-by option", (o) =>
      o.map((x) => (x as HTMLOptionElement).value),
    );
    expect(options).toEqual(["label", "cluster", "speaker", "numeric:score"]);
    await page.selectOption("#color-by", "numeric:score");
    // The largest score is 598 / 599 (clip 599 has none).
    await expect
      .poll(() => page.locator("#ramp-max").textContent())
      .toBe(String(Number((598 / 599).toPrecision(4))));
    expect(await page.locator("#ramp-min").textContent()).toBe("0");
    expect(await page.locator("#legend").textContent()).toContain("12 missing (grey)");
    // Viridis: dark purple at the low end, yellow at the high end.
    await expect.poll(() => at(high)).not.toEqual(byLabel[1]);
    const [lr, lg, lb] = await at(low);
    const [hr, hg, hb] = await at(high);
    // Points are translucent over white, so viridis' ends come out lighter: about (118, 71, 132)
    // and (252, 238, 96) in SwiftShader.
    expect(lr).toBeLessThan(150);
    expect(lg).toBeLessThan(100);
    expect(lb).toBeGreaterThan(lg + 30);
    expect(hr).toBeGreaterThan(220);
    expect(hg).toBeGreaterThan(200);
    expect(hb).toBeLessThan(130);
    await page.screenshot({ path: join(SHOTS, "numeric.png") });

    // Range filter: score >= 0.5 keeps the points with a score at least 0.5.
    expect(await visibleCount()).toBe(n);
    await page.fill('input[data-column="score"][data-side="lo"]', "0.5");
    const want = score.filter((v) => v !== null && v >= 0.5).length;
    await expect.poll(visibleCount).toBe(want);
    await page.fill('input[data-column="score"][data-side="hi"]', "0.75");
    await expect
      .poll(visibleCount)
      .toBe(score.filter((v) => v !== null && v >= 0.5 && v <= 0.75).length);
    await page.fill('input[data-column="score"][data-side="hi"]', "");
    await expect.poll(visibleCount).toBe(want);
    // A filtered-out point fades towards the background.
    const [fr, fg, fb] = await at(low);
    expect(Math.min(fr, fg, fb)).toBeGreaterThan(200);

    // The histogram cross-filters: its shown counts follow the other filters, and a drag
    // across it sets the range.
    const bins = () =>
      page.$$eval('.hist[data-column="score"] .bin', (b) =>
        b.map((x) => Number(x.getAttribute("data-count"))),
      );
    const lo = Math.min(...score.filter((v) => v !== null).map(Number));
    const hi = Math.max(...score.filter((v) => v !== null).map(Number));
    const binOf = (v: number) => Math.min(29, Math.floor((v - lo) / ((hi - lo) / 30)));
    const expectBins = (keep: (i: number) => boolean) => {
      const c = new Array(30).fill(0);
      score.forEach((v, i) => {
        if (v !== null && keep(i)) c[binOf(v)]++;
      });
      return c;
    };
    await expect.poll(bins).toEqual(expectBins((i) => score[i]! >= 0.5));
    await page.fill('input[data-column="score"][data-side="lo"]', "");
    await page.fill("#search", "word2");
    await expect.poll(bins).toEqual(expectBins((i) => d.label[i] === "word2"));
    await page.fill("#search", "");
    const hist = (await page.locator('.hist[data-column="score"]').boundingBox())!;
    // Drag from the middle of bin 0 to the middle of bin 9: score in [0, 10/30 of the range].
    await page.mouse.move(hist.x + hist.width * (0.5 / 30), hist.y + hist.height / 2);
    await page.mouse.down();
    await page.mouse.move(hist.x + hist.width * (9.5 / 30), hist.y + hist.height / 2);
    await page.mouse.up();
    const top = lo + 10 * ((hi - lo) / 30);
    await expect
      .poll(visibleCount)
      .toBe(score.filter((v) => v !== null && v >= lo && v <= top).length);
    await page.dblclick('.hist[data-column="score"]');
    await expect.poll(visibleCount).toBe(n);

    // The categorical column colours like a label and shows in the tooltip.
    await page.selectOption("#color-by", "speaker");
    await expect.poll(() => page.locator("#legend .legend-item").count()).toBe(4);
    const p = await pointOnScreen(page, high);
    await page.mouse.move(p.x, p.y);
    await expect
      .poll(() => page.locator('#tooltip td[data-field="speaker"]').textContent())
      .toBe("spk1");
    expect(await page.locator('#tooltip td[data-field="score"]').textContent()).toBe(
      String(Number((high / (n - 1)).toPrecision(6))),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows label against prediction: a confusion matrix, mismatches only, one cell", async () => {
    const n = 900;
    // Every 7th clip is predicted as the next word; every 11th has no prediction.
    const predict = (labels: string[]) =>
      labels.map((l, i) => (i % 11 === 10 ? "" : i % 7 === 3 ? `word${(i + 1) % 3}` : l));
    const { page, errors, d } = await open(n, "link", undefined, undefined, predict);
    const pred = predict(d.label);
    const count = (label: string, predicted: string) =>
      d.label.filter((l, i) => l === label && pred[i] === predicted).length;
    const visibleCount = () =>
      page.evaluate(() =>
        (window as unknown as { audiomap: { visibleCount(): number } }).audiomap.visibleCount(),
      );
    expect(await page.locator("#confusion-panel").isVisible()).toBe(true);
    // Every cell's count equals the data's.
    const cells = await page.$$eval("#confusion td", (tds) =>
      tds.map((td) => ({
        label: td.getAttribute("data-label")!,
        predicted: td.getAttribute("data-predicted")!,
        count: Number(td.getAttribute("data-count")),
      })),
    );
    const classes = [...new Set([...d.label, ...pred].filter((v) => v !== ""))].sort();
    expect(cells).toHaveLength(classes.length ** 2);
    for (const cell of cells)
      expect(cell.count, `${cell.label} → ${cell.predicted}`).toBe(
        count(cell.label, cell.predicted),
      );
    const scored = pred.filter((p) => p !== "").length;
    const correct = d.label.filter((l, i) => pred[i] !== "" && l === pred[i]).length;
    expect(await page.locator("#accuracy").textContent()).toBe(
      `top-1 ${((100 * correct) / scored).toFixed(1)}% of ${scored}`,
    );
    // The hostile label is a class like any other, shown as text.
    expect(await page.locator("#confusion th", { hasText: "<img" }).count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, "confusion.png") });

    await page.check("#mismatches");
    await expect.poll(visibleCount).toBe(scored - correct);
    await page.uncheck("#mismatches");
    await expect.poll(visibleCount).toBe(n);
    await page.click('#confusion td[data-label="word1"][data-predicted="word2"]');
    await expect.poll(visibleCount).toBe(count("word1", "word2"));
    expect(count("word1", "word2")).toBeGreaterThan(0);
    await page.click('#confusion td[data-label="word1"][data-predicted="word2"]');
    await expect.poll(visibleCount).toBe(n);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("draws category names at their centres and density contours, each switchable", async () => {
    const { page, errors, d } = await open(3000, "link");
    const hook = () =>
      page.evaluate(() => {
        const a = (
          window as unknown as {
            audiomap: {
              namePositions(): { text: string; x: number; y: number }[];
              contourSegments(): number;
            };
          }
        ).audiomap;
        return { names: a.namePositions(), segments: a.contourSegments() };
      });
    const { names, segments } = await hook();
    // One name per label, at the mean of that label's points.
    expect(names.map((x) => x.text).sort()).toEqual([...new Set(d.label)].sort());
    for (const k of [0, 1, 2]) {
      const members = d.label.flatMap((l, i) => (l === `word${k}` ? [i] : []));
      const mean = [0, 1].map(
        (c) => members.reduce((a, i) => a + d.coords[2 * i + c]!, 0) / members.length,
      );
      const near = await page.evaluate(([x, y]) => {
        const a = (
          window as unknown as {
            audiomap: { screenPositionOf(x: number, y: number): { x: number; y: number } };
          }
        ).audiomap;
        return a.screenPositionOf(x!, y!);
      }, mean);
      const drawn = names.find((x) => x.text === `word${k}`)!;
      expect(Math.hypot(drawn.x - near.x, drawn.y - near.y)).toBeLessThan(1);
    }
    // The names are drawn: dark text pixels at a name's position, gone when switched off.
    const w1 = names.find((x) => x.text === "word1")!;
    const darkest = async () => {
      let min = 255;
      for (let dx = -12; dx <= 12; dx += 2) {
        const [r, g, b] = await pixel(page, w1.x + dx, w1.y);
        min = Math.min(min, r, g, b);
      }
      return min;
    };
    await page.mouse.move(1, 1);
    expect(await darkest()).toBeLessThan(80);
    await page.uncheck("#show-names");
    await expect.poll(darkest).toBeGreaterThan(80);
    // Contours: three levels traced around the three groups, drawn only when asked for.
    expect(segments).toBeGreaterThan(30);
    const off = await page.screenshot();
    await page.check("#show-contours");
    await expect.poll(async () => (await page.screenshot()).equals(off)).toBe(false);
    await page.screenshot({ path: join(SHOTS, "contours.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("links a sortable, searchable metadata table to the map", async () => {
    const n = 600;
    const score = Array.from({ length: n }, (_, i) =>
      i % 50 === 49 ? null : ((i * 37) % 101) / 100,
    );
    const { page, errors, d } = await open(n, "link", undefined, { score });
    const shown = () =>
      page.$$eval("#table-rows .tr", (trs) =>
        trs.map((tr) => Number(tr.getAttribute("data-index"))),
      );
    expect(await page.locator("#table-panel").isVisible()).toBe(false);
    await page.click("#toggle-table");
    await expect.poll(() => page.locator("#table-count").textContent()).toBe("600 rows");
    // Data order first; the rendered rows are the first screenful.
    expect((await shown()).slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    // Sort by the numeric column: ascending, missing last; then descending.
    const byScore = Array.from({ length: n }, (_, i) => i)
      .filter((i) => score[i] !== null)
      .sort((a, b) => score[a]! - score[b]! || a - b);
    await page.click('#table-head .th[data-field="score"]');
    await expect.poll(async () => (await shown()).slice(0, 5)).toEqual(byScore.slice(0, 5));
    await page.click('#table-head .th[data-field="score"]');
    const desc = Array.from({ length: n }, (_, i) => i)
      .filter((i) => score[i] !== null)
      .sort((a, b) => score[b]! - score[a]! || a - b);
    await expect.poll(async () => (await shown()).slice(0, 5)).toEqual(desc.slice(0, 5));
    expect(await page.locator('#table-head .th[data-field="score"]').textContent()).toBe("score ▼");
    // Search filters the table like the map; the hostile label is shown as text.
    await page.fill("#search", "word1");
    const matching = d.label.filter((l) => l.includes("word1")).length;
    await expect.poll(() => page.locator("#table-count").textContent()).toBe(`${matching} rows`);
    await page.fill("#search", "");
    await page.click('#table-head .th[data-field="id"]');
    const xss = page.locator('#table-rows .tr[data-index="0"] .td').nth(1);
    await expect.poll(() => xss.textContent()).toBe(XSS);
    // A row click selects the point: focus, centred on the map. (Ids sort naturally: 0, 1, 2, …;
    // clip 100 is the 101st row, reached by scrolling the table.)
    expect((await shown()).slice(0, 4)).toEqual([0, 1, 2, 3]);
    await page.locator("#table-body").evaluate((el) => {
      el.scrollTop = 95 * 20;
    });
    const row = page.locator('#table-rows .tr[data-index="100"]');
    await row.click();
    expect(
      await page.evaluate(() =>
        (window as unknown as { audiomap: { focus(): number } }).audiomap.focus(),
      ),
    ).toBe(100);
    await expect
      .poll(() => page.locator('#table-rows .tr[data-index="100"]').getAttribute("class"))
      .toBe("tr on");
    const box = (await page.locator("#stage").boundingBox())!;
    const p = await pointOnScreen(page, 100);
    expect(Math.abs(p.x - (box.x + box.width / 2))).toBeLessThan(1.5);
    expect(Math.abs(p.y - (box.y + box.height / 2))).toBeLessThan(1.5);
    await page.screenshot({ path: join(SHOTS, "table.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("turns a 3-D layout in an orbit view: depth becomes visible as the view turns", async () => {
    // Two groups that differ only in z: one spot in the x–y view, two once the view turns.
    const n = 400;
    const coords = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      coords[3 * i] = (i % 10) * 0.01;
      coords[3 * i + 1] = (i % 7) * 0.01;
      coords[3 * i + 2] = i < n / 2 ? -5 : 5;
    }
    const file = join(dir, "orbit.html");
    writeFileSync(file, interactiveHtml({ coords, n, dims: 3 }, { title: "orbit" }));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => "audiomap" in window);
    // Clips 0 and 210 share x and y (both multiples of 70) and differ in z.
    const gap = async () => {
      const a = await pointOnScreen(page, 0);
      const b = await pointOnScreen(page, 210);
      return Math.hypot(a.x - b.x, a.y - b.y);
    };
    expect(await gap()).toBeLessThan(5);
    await page.selectOption("#view", "orbit");
    const turned = await gap();
    expect(turned).toBeGreaterThan(50);
    // A horizontal drag changes the yaw and moves the groups on screen.
    const orbit = () =>
      page.evaluate(() =>
        (
          window as unknown as { audiomap: { orbit(): { on: boolean; yaw: number } } }
        ).audiomap.orbit(),
      );
    const before = await orbit();
    expect(before.on).toBe(true);
    const box = (await page.locator("#stage").boundingBox())!;
    await page.mouse.move(box.x + 100, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 160, box.y + 100, { steps: 6 });
    await page.mouse.up();
    const after = await orbit();
    expect(after.yaw - before.yaw).toBeCloseTo(0.6, 5);
    expect(Math.abs((await gap()) - turned)).toBeGreaterThan(5);
    await page.screenshot({ path: join(SHOTS, "orbit.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows no neighbour panel when the page has no neighbour lists", async () => {
    const { page } = await open(60, "link");
    const p = await pointOnScreen(page, 7);
    await page.mouse.click(p.x, p.y);
    await expect.poll(() => page.locator("#now-playing").textContent()).toContain("7");
    expect(await page.locator("#neighbors-panel").isVisible()).toBe(false);
    await page.close();
  });

  it("plays embedded data: audio", async () => {
    const { page, errors } = await open(60, "embed");
    const p = await pointOnScreen(page, 7);
    await page.mouse.click(p.x, p.y);
    await expect
      .poll(
        () => page.evaluate(() => !(document.getElementById("player") as HTMLAudioElement).paused),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(
      await page.evaluate(() => (document.getElementById("player") as HTMLAudioElement).src),
    ).toMatch(/^data:audio\/wav;base64,/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows an XSS payload in a label as text and never runs it", async () => {
    const { page, errors } = await open(300, "link");
    const p = await pointOnScreen(page, 0);
    await page.mouse.move(p.x, p.y);
    const cell = page.locator('#tooltip td[data-field="label"]');
    await expect.poll(() => cell.textContent()).toBe(XSS);
    expect(await page.locator("#tooltip img").count()).toBe(0);
    expect(await page.locator("#legend img").count()).toBe(0);
    expect(await page.locator("#legend .name").first().textContent()).toBe(XSS);
    expect(await page.title()).toBe(`test ${XSS}`);
    await page.waitForTimeout(200);
    expect(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).toBeUndefined();
    await page.screenshot({ path: join(SHOTS, "xss.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("filters by search and exports a lasso selection", async () => {
    const { page } = await open(3000, "link");
    type Api = { audiomap: { visibleCount(): number; selectedIds(): string[] } };
    await page.fill("#search", "word1");
    await expect
      .poll(() => page.evaluate(() => (window as unknown as Api).audiomap.visibleCount()))
      .toBe(1000);
    await page.fill("#search", "");
    // Lasso around cluster 0's points: they lie in data [0,4]×[0,4].
    const a = await pointOnScreen(page, 0);
    const corners = await page.evaluate(() => {
      const api = (
        window as unknown as { audiomap: { screenPosition(i: number): { x: number; y: number } } }
      ).audiomap;
      let x0 = Infinity,
        x1 = -Infinity,
        y0 = Infinity,
        y1 = -Infinity;
      for (let i = 0; i < 3000; i += 3) {
        const p = api.screenPosition(i);
        x0 = Math.min(x0, p.x);
        x1 = Math.max(x1, p.x);
        y0 = Math.min(y0, p.y);
        y1 = Math.max(y1, p.y);
      }
      return { x0: x0 - 3, x1: x1 + 3, y0: y0 - 3, y1: y1 + 3 };
    });
    expect(a.x).toBeGreaterThanOrEqual(corners.x0);
    await page.keyboard.down("Shift");
    await page.mouse.move(corners.x0, corners.y0);
    await page.mouse.down();
    for (const [x, y] of [
      [corners.x1, corners.y0],
      [corners.x1, corners.y1],
      [corners.x0, corners.y1],
      [corners.x0, corners.y0 + 1],
    ])
      await page.mouse.move(x!, y!, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    const ids = await page.evaluate(() => (window as unknown as Api).audiomap.selectedIds());
    expect(ids.length).toBe(1000);
    expect(ids.every((id) => Number(id) % 3 === 0)).toBe(true);
    await expect.poll(() => page.locator("#selection-count").textContent()).toBe("1000 selected");
    const download = page.waitForEvent("download");
    await page.click("#export-json");
    const file = await (await download).path();
    const { readFileSync } = await import("node:fs");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(ids);
    await page.screenshot({ path: join(SHOTS, "lasso.png") });
    await page.close();
  });

  it("stays responsive at 100,000 points", async () => {
    const { page, errors } = await open(100_000, "link");
    expect(await page.locator("#point-count").textContent()).toBe("100,000 points");
    const p = await pointOnScreen(page, 99_999);
    await page.mouse.move(p.x, p.y);
    await expect
      .poll(() => page.locator('#tooltip td[data-field="id"]').textContent())
      .toBe("99999");
    await page.screenshot({ path: join(SHOTS, "100k.png") });
    // Level of detail: a moving view may draw a sample; a still one draws every point.
    const drawn = () =>
      page.evaluate(() =>
        (window as unknown as { audiomap: { drawnPoints(): number } }).audiomap.drawnPoints(),
      );
    for (let step = 0; step < 8; step++) await page.mouse.wheel(0, step % 2 ? 80 : -80);
    await expect.poll(drawn, { timeout: 5000 }).toBe(100_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe.skipIf(!haveChromium)("interactive page without WebGL", () => {
  it("falls back to a 2-D canvas, says so, and still hovers; 3-D layouts get a view picker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "audiomap-html2d-"));
    const browser = await launchChromium(["--disable-3d-apis"]);
    try {
      const n = 500;
      const coords = Float32Array.from(
        { length: n * 3 },
        (_, i) => Math.sin(i * 1.7) * 10 + (i % 3),
      );
      const label = Array.from({ length: n }, (_, i) => `k${i % 5}`);
      const file = join(dir, "map3d.html");
      writeFileSync(
        file,
        interactiveHtml({ coords, n, dims: 3 }, { title: "3d", meta: { label } }),
      );
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => "audiomap" in window);
      expect(await page.locator("#renderer").textContent()).toBe("2D canvas (WebGL2 unavailable)");
      expect(await page.locator("#view option").allTextContents()).toEqual([
        "x–y",
        "x–z",
        "y–z",
        "3-D orbit (drag to turn)",
      ]);
      await page.selectOption("#view", "1,2");
      const p = await page.evaluate(() =>
        (
          window as unknown as {
            audiomap: { screenPosition(i: number): { x: number; y: number } };
          }
        ).audiomap.screenPosition(42),
      );
      await page.mouse.move(p.x, p.y);
      await expect
        .poll(() => page.locator('#tooltip td[data-field="label"]').textContent())
        .toBe(label[42]);
      await page.screenshot({ path: join(SHOTS, "fallback-2d.png") });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
