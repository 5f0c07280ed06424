/// <reference lib="dom" />
/**
 * The interactive page's script. It runs in the browser: `page.ts` embeds this function's
 * source text, so it must be self-contained (no imports, no outer variables).
 *
 * Data comes from the JSON block #audiomap-data; every string from it reaches the DOM through
 * textContent or an attribute setter, never through innerHTML, because labels and file names
 * are untrusted. Points are drawn by a small WebGL2 renderer, or by a 2-D canvas when WebGL2
 * is unavailable. Hover uses a uniform grid over the data, so a lookup touches a few cells.
 */
export function clientMain(): void {
  interface Coloring {
    name: string;
    names: string[];
    colors: string[];
    counts: number[];
    index: number[];
  }
  interface Payload {
    title: string;
    n: number;
    dims: number;
    coords: string;
    fields: { name: string; values: string[] }[];
    colorings: Coloring[];
    audio: (string | null)[];
    neighbors?: { k: number; indices: string; distances: string };
    numeric?: { name: string; values: string; min: number; max: number; missing: number }[];
  }
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const data = JSON.parse($("audiomap-data").textContent ?? "{}") as Payload;
  const n = data.n;
  const dims = data.dims;
  const bin = atob(data.coords);
  const raw = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) raw[k] = bin.charCodeAt(k);
  const all = new Float32Array(raw.buffer);
  const bytesOf = (b64: string): ArrayBuffer => {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
    return out.buffer;
  };
  const nbK = data.neighbors?.k ?? 0;
  const nbIndex = data.neighbors ? new Int32Array(bytesOf(data.neighbors.indices)) : null;
  const nbDist = data.neighbors ? new Float32Array(bytesOf(data.neighbors.distances)) : null;
  let focus = -1; // the clicked point whose neighbours are listed
  // Continuous columns: colour by one of them, and filter each by a [lo, hi] range.
  const numeric = (data.numeric ?? []).map((c) => ({
    ...c,
    v: new Float32Array(bytesOf(c.values)),
    lo: Number.NaN,
    hi: Number.NaN,
  }));
  let numericColor: (typeof numeric)[number] | null = null;
  // Label against prediction: "mismatches only", or one confusion-matrix cell.
  const labelField = data.fields.find((f) => f.name === "label");
  const predField = data.fields.find((f) => f.name === "prediction");
  let mismatchesOnly = false;
  let cellFilter: { label: string; predicted: string } | null = null;
  // Viridis at nine evenly spaced stops, interpolated linearly.
  const RAMP = [
    [68, 1, 84],
    [71, 45, 123],
    [59, 82, 139],
    [44, 114, 142],
    [33, 145, 140],
    [40, 174, 128],
    [94, 201, 98],
    [173, 220, 48],
    [253, 231, 37],
  ];
  const ramp = (t: number): number[] => {
    const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
    const k = Math.min(RAMP.length - 2, Math.floor(x));
    const f = x - k;
    return RAMP[k]!.map((a, c) => Math.round(a + (RAMP[k + 1]![c]! - a) * f));
  };

  // --- state -------------------------------------------------------------------------------
  const pos = new Float32Array(n * 2);
  let coloring = data.colorings[0]!;
  const hiddenCats = new Set<number>();
  let query = "";
  const visible = new Uint8Array(n).fill(1);
  let selected: Uint8Array | null = null;
  let cam = { cx: 0, cy: 0, scale: 1 }; // data → CSS px: (v - c) * scale + half size
  const stage = $("stage");
  const canvas = $<HTMLCanvasElement>("plot");
  const overlay = $<HTMLCanvasElement>("overlay");
  const tooltip = $("tooltip");
  const player = $<HTMLAudioElement>("player");
  let W = 1;
  let H = 1;
  const dpr = () => window.devicePixelRatio || 1;

  function setView(a: number, b: number): void {
    for (let i = 0; i < n; i++) {
      pos[2 * i] = all[i * dims + a]!;
      pos[2 * i + 1] = all[i * dims + b]!;
    }
    buildGrid();
    fitCamera();
    uploadPositions();
    if (visible.length === n) {
      computeNames();
      computeContours();
    }
  }

  // 3-D orbit: the points rotated about their centre (yaw about the vertical axis, then pitch
  // about the horizontal one) and projected orthographically; a drag turns them.
  const orbit = { on: false, yaw: 0.6, pitch: -0.4, c: [0, 0, 0] as number[] };
  function project(fit: boolean): void {
    const [cx, cy, cz] = orbit.c as [number, number, number];
    const cyw = Math.cos(orbit.yaw);
    const syw = Math.sin(orbit.yaw);
    const cp = Math.cos(orbit.pitch);
    const sp = Math.sin(orbit.pitch);
    for (let i = 0; i < n; i++) {
      const x = all[i * 3]! - cx;
      const y = all[i * 3 + 1]! - cy;
      const z = all[i * 3 + 2]! - cz;
      const x1 = cyw * x + syw * z;
      const z1 = -syw * x + cyw * z;
      pos[2 * i] = x1;
      pos[2 * i + 1] = cp * y - sp * z1;
    }
    buildGrid();
    if (fit) fitCamera();
    uploadPositions();
  }
  function setOrbit(): void {
    orbit.on = true;
    const c = [0, 0, 0];
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k]! += all[i * 3 + k]! / n;
    orbit.c = c;
    // Centre the view on the origin of the rotated space, at the scale that fits any turn.
    project(true);
    cam.cx = 0;
    cam.cy = 0;
    redraw();
  }

  function fitCamera(): void {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = pos[2 * i]!;
      const y = pos[2 * i + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (n === 0) x0 = x1 = y0 = y1 = 0;
    const span = Math.max((x1 - x0) / Math.max(W - 60, 1), (y1 - y0) / Math.max(H - 60, 1)) || 1;
    cam = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: 1 / span };
    fitScale = cam.scale;
  }

  const toScreen = (i: number): [number, number] => [
    (pos[2 * i]! - cam.cx) * cam.scale + W / 2,
    H / 2 - (pos[2 * i + 1]! - cam.cy) * cam.scale,
  ];
  const toData = (sx: number, sy: number): [number, number] => [
    (sx - W / 2) / cam.scale + cam.cx,
    (H / 2 - sy) / cam.scale + cam.cy,
  ];
  let fitScale = 1;
  /** Point diameter in CSS px: smaller for dense plots, growing gently when zoomed in. */
  const pointSize = () =>
    (n > 20000 ? 3 : n > 2000 ? 4.5 : n > 300 ? 7 : 10) *
    Math.min(3, Math.max(1, Math.sqrt(cam.scale / fitScale)));

  // --- spatial grid for hover --------------------------------------------------------------
  let grid = {
    x0: 0,
    y0: 0,
    cell: 1,
    gw: 1,
    gh: 1,
    start: new Int32Array(2),
    items: new Int32Array(0),
  };
  function buildGrid(): void {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, pos[2 * i]!);
      x1 = Math.max(x1, pos[2 * i]!);
      y0 = Math.min(y0, pos[2 * i + 1]!);
      y1 = Math.max(y1, pos[2 * i + 1]!);
    }
    if (n === 0) x0 = x1 = y0 = y1 = 0;
    const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
    const cell = Math.max(x1 - x0, y1 - y0, 1e-9) / side;
    const gw = Math.floor((x1 - x0) / cell) + 1;
    const gh = Math.floor((y1 - y0) / cell) + 1;
    const cellOf = new Int32Array(n);
    const start = new Int32Array(gw * gh + 1);
    for (let i = 0; i < n; i++) {
      const c =
        Math.floor((pos[2 * i + 1]! - y0) / cell) * gw + Math.floor((pos[2 * i]! - x0) / cell);
      cellOf[i] = c;
      start[c + 1]!++;
    }
    for (let c = 0; c < gw * gh; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, gw * gh);
    const items = new Int32Array(n);
    for (let i = 0; i < n; i++) items[fill[cellOf[i]!]!++] = i;
    grid = { x0, y0, cell, gw, gh, start, items };
  }

  /** The nearest visible point within `radius` CSS px of (sx, sy), or -1. */
  function pick(sx: number, sy: number, radius: number): number {
    const [dx, dy] = toData(sx, sy);
    const r = radius / cam.scale;
    const g = grid;
    const cx0 = Math.max(0, Math.floor((dx - r - g.x0) / g.cell));
    const cx1 = Math.min(g.gw - 1, Math.floor((dx + r - g.x0) / g.cell));
    const cy0 = Math.max(0, Math.floor((dy - r - g.y0) / g.cell));
    const cy1 = Math.min(g.gh - 1, Math.floor((dy + r - g.y0) / g.cell));
    let best = -1;
    let bestD = r * r;
    for (let cy = cy0; cy <= cy1; cy++)
      for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * g.gw + cx;
        for (let k = g.start[c]!; k < g.start[c + 1]!; k++) {
          const i = g.items[k]!;
          if (!visible[i]) continue;
          const d = (pos[2 * i]! - dx) ** 2 + (pos[2 * i + 1]! - dy) ** 2;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    return best;
  }

  // --- renderers ---------------------------------------------------------------------------
  interface Renderer {
    name: string;
    positions(): void;
    colors(rgba: Uint8Array): void;
    /** Draws the first `count` points of the draw order (all of them by default). */
    draw(count?: number): void;
  }
  // Level of detail: above LOD_MIN points the GPU buffers hold the points in a seeded random
  // order, so any prefix is a uniform sample. While the view moves, frames draw a prefix sized
  // to keep about 30 frames per second; the whole set is drawn once the view is still.
  const LOD_MIN = 50_000;
  let order: Uint32Array | null = null;
  if (n > LOD_MIN) {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    let seed = 0x9e3779b9;
    for (let i = n - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const j = seed % (i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
  let rgba = new Uint8Array(n * 4);
  const renderer: Renderer = makeWebGL() ?? make2D();

  function makeWebGL(): Renderer | null {
    let gl: WebGL2RenderingContext | null = null;
    try {
      // Round points are smoothed in the fragment shader, so MSAA (costly in software GL) is off.
      gl = canvas.getContext("webgl2", { antialias: false, premultipliedAlpha: false });
    } catch {
      gl = null;
    }
    if (!gl) return null;
    const vs = `#version 300 es
      in vec2 a_pos; in vec4 a_col;
      uniform vec2 u_center; uniform float u_scale; uniform vec2 u_half; uniform float u_size;
      out vec4 v_col;
      void main(){
        vec2 p = (a_pos - u_center) * u_scale / u_half;
        gl_Position = vec4(p, 0.0, 1.0);
        gl_PointSize = a_col.a < 0.5 ? u_size * 0.7 : u_size;
        v_col = a_col;
      }`;
    const fs = `#version 300 es
      precision mediump float;
      in vec4 v_col; out vec4 o;
      void main(){
        vec2 d = gl_PointCoord - 0.5;
        float r = dot(d, d);
        if (r > 0.25) discard;
        float edge = smoothstep(0.25, 0.17, r);
        o = vec4(v_col.rgb, v_col.a * edge);
      }`;
    const compile = (type: number, src: string) => {
      const s = gl!.createShader(type)!;
      gl!.shaderSource(s, src);
      gl!.compileShader(s);
      if (!gl!.getShaderParameter(s, gl!.COMPILE_STATUS))
        throw new Error(gl!.getShaderInfoLog(s) ?? "shader");
      return s;
    };
    const prog = gl.createProgram()!;
    try {
      gl.attachShader(prog, compile(gl.VERTEX_SHADER, vs));
      gl.attachShader(prog, compile(gl.FRAGMENT_SHADER, fs));
      gl.linkProgram(prog);
      if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) return null;
    } catch {
      return null;
    }
    const vao = gl.createVertexArray();
    gl.bindVertexArray(vao);
    const posBuf = gl.createBuffer();
    const colBuf = gl.createBuffer();
    const aPos = gl.getAttribLocation(prog, "a_pos");
    const aCol = gl.getAttribLocation(prog, "a_col");
    gl.bindBuffer(gl.ARRAY_BUFFER, posBuf);
    gl.enableVertexAttribArray(aPos);
    gl.vertexAttribPointer(aPos, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, colBuf);
    gl.enableVertexAttribArray(aCol);
    gl.vertexAttribPointer(aCol, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    const u = (name: string) => gl!.getUniformLocation(prog, name);
    const uCenter = u("u_center");
    const uScale = u("u_scale");
    const uHalf = u("u_half");
    const uSize = u("u_size");
    return {
      name: "WebGL2",
      positions() {
        let data = pos;
        if (order) {
          data = new Float32Array(2 * n);
          for (let k = 0; k < n; k++) {
            data[2 * k] = pos[2 * order[k]!]!;
            data[2 * k + 1] = pos[2 * order[k]! + 1]!;
          }
        }
        gl!.bindBuffer(gl!.ARRAY_BUFFER, posBuf);
        gl!.bufferData(gl!.ARRAY_BUFFER, data, gl!.STATIC_DRAW);
      },
      colors(c) {
        let data = c;
        if (order) {
          const words = new Uint32Array(c.buffer, c.byteOffset, n);
          const out = new Uint32Array(n);
          for (let k = 0; k < n; k++) out[k] = words[order[k]!]!;
          data = new Uint8Array(out.buffer);
        }
        gl!.bindBuffer(gl!.ARRAY_BUFFER, colBuf);
        gl!.bufferData(gl!.ARRAY_BUFFER, data, gl!.DYNAMIC_DRAW);
      },
      draw(count = n) {
        const g = gl!;
        g.viewport(0, 0, canvas.width, canvas.height);
        g.clearColor(1, 1, 1, 1);
        g.clear(g.COLOR_BUFFER_BIT);
        g.enable(g.BLEND);
        g.blendFunc(g.SRC_ALPHA, g.ONE_MINUS_SRC_ALPHA);
        g.useProgram(prog);
        g.bindVertexArray(vao);
        g.uniform2f(uCenter, cam.cx, cam.cy);
        g.uniform1f(uScale, cam.scale);
        g.uniform2f(uHalf, W / 2, H / 2);
        g.uniform1f(uSize, pointSize() * dpr());
        g.drawArrays(g.POINTS, 0, order ? Math.min(count, n) : n);
      },
    };
  }

  function make2D(): Renderer {
    const ctx = canvas.getContext("2d")!;
    return {
      name: "2D canvas (WebGL2 unavailable)",
      positions() {},
      colors() {},
      draw() {
        const k = dpr();
        ctx.setTransform(k, 0, 0, k, 0, 0);
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, W, H);
        const s = pointSize();
        for (let i = 0; i < n; i++) {
          const [x, y] = toScreen(i);
          if (x < -s || y < -s || x > W + s || y > H + s) continue;
          ctx.fillStyle = `rgba(${rgba[4 * i]},${rgba[4 * i + 1]},${rgba[4 * i + 2]},${rgba[4 * i + 3]! / 255})`;
          ctx.fillRect(x - s / 2, y - s / 2, s, s);
        }
      },
    };
  }

  let pending = false;
  let draws = 0; // frames drawn so far (read by bench/map)
  let lastInput = -Infinity; // when the view last moved (pan or zoom)
  let lastFrame = 0;
  let budget = Math.min(n, 200_000); // points per frame while moving
  let drawn = n; // points in the last frame
  let settle = 0;
  /** Called by pan and zoom: frames drawn in the next 200 ms are sampled, then one is full. */
  function moved(): void {
    lastInput = performance.now();
    clearTimeout(settle);
    settle = window.setTimeout(redraw, 220);
    redraw();
  }
  function redraw(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame((now) => {
      pending = false;
      const moving = order !== null && now - lastInput < 200;
      if (moving && lastFrame > 0) {
        const interval = now - lastFrame;
        if (interval > 45) budget = Math.max(20_000, Math.floor(budget * 0.75));
        else if (interval < 25) budget = Math.min(n, Math.ceil(budget * 1.15));
      }
      lastFrame = moving ? now : 0;
      drawn = moving ? budget : n;
      renderer.draw(drawn);
      drawOverlay();
      draws++;
    });
  }
  function uploadPositions(): void {
    renderer.positions();
    redraw();
  }

  // --- colours, filter, legend -------------------------------------------------------------
  const hex = (h: string) => [1, 3, 5].map((k) => Number.parseInt(h.slice(k, k + 2), 16));
  function recolor(): void {
    const cols = coloring.colors.map(hex);
    const q = query.toLowerCase();
    let shown = 0;
    rgba = new Uint8Array(n * 4);
    const filters = numeric.filter((f) => !Number.isNaN(f.lo) || !Number.isNaN(f.hi));
    const num = numericColor;
    const span = num ? num.max - num.min || 1 : 1;
    const missingColor = [170, 170, 170];
    for (let i = 0; i < n; i++) {
      const cat = coloring.index[i]!;
      let vis = num !== null || !hiddenCats.has(cat);
      for (const f of filters) {
        const v = f.v[i]!;
        // A missing value fails every active range.
        if (
          !(
            v >= (Number.isNaN(f.lo) ? -Infinity : f.lo) &&
            v <= (Number.isNaN(f.hi) ? Infinity : f.hi)
          )
        )
          vis = false;
      }
      if (vis && labelField && predField) {
        const l = labelField.values[i]!;
        const p = predField.values[i]!;
        if (mismatchesOnly && (l === p || l === "" || p === "")) vis = false;
        if (cellFilter && (l !== cellFilter.label || p !== cellFilter.predicted)) vis = false;
      }
      if (vis && q) vis = data.fields.some((f) => f.values[i]!.toLowerCase().includes(q));
      visible[i] = vis ? 1 : 0;
      const inSel = selected ? selected[i] === 1 : true;
      const c = num
        ? Number.isNaN(num.v[i]!)
          ? missingColor
          : ramp((num.v[i]! - num.min) / span)
        : cols[cat]!;
      const on = vis && inSel;
      if (vis) shown++;
      rgba[4 * i] = on ? c[0]! : 200;
      rgba[4 * i + 1] = on ? c[1]! : 200;
      rgba[4 * i + 2] = on ? c[2]! : 200;
      rgba[4 * i + 3] = on ? 215 : vis ? 90 : 25;
    }
    renderer.colors(rgba);
    computeNames();
    computeContours();
    refreshTable();
    updateHistograms();
    $("shown-count").textContent = shown === n ? "" : `${shown.toLocaleString("en-US")} shown · `;
    redraw();
  }

  function buildLegend(): void {
    const box = $("legend");
    box.replaceChildren();
    if (numericColor) {
      const num = numericColor;
      $("legend-title").textContent = `Colour: ${num.name}`;
      const bar = document.createElement("div");
      bar.className = "ramp";
      bar.style.background = `linear-gradient(to right, ${RAMP.map((c) => `rgb(${c.join(",")})`).join(", ")})`;
      const ends = document.createElement("div");
      ends.className = "ramp-ends";
      const lo = document.createElement("span");
      lo.id = "ramp-min";
      lo.textContent = String(Number(num.min.toPrecision(4)));
      const hi = document.createElement("span");
      hi.id = "ramp-max";
      hi.textContent = String(Number(num.max.toPrecision(4)));
      ends.append(lo, hi);
      box.append(bar, ends);
      if (num.missing > 0) {
        const note = document.createElement("div");
        note.className = "hint";
        note.textContent = `${num.missing.toLocaleString("en-US")} missing (grey)`;
        box.append(note);
      }
      return;
    }
    coloring.names.forEach((name, k) => {
      const item = document.createElement("div");
      item.className = hiddenCats.has(k) ? "legend-item off" : "legend-item";
      item.title = "click: hide/show · double-click: show only this";
      const sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = coloring.colors[k]!;
      const label = document.createElement("span");
      label.className = "name";
      label.textContent = name;
      const cnt = document.createElement("span");
      cnt.className = "cnt";
      cnt.textContent = String(coloring.counts[k]);
      item.append(sw, label, cnt);
      item.addEventListener("click", () => {
        if (hiddenCats.has(k)) hiddenCats.delete(k);
        else hiddenCats.add(k);
        buildLegend();
        recolor();
      });
      item.addEventListener("dblclick", () => {
        hiddenCats.clear();
        coloring.names.forEach((_, j) => {
          if (j !== k) hiddenCats.add(j);
        });
        buildLegend();
        recolor();
      });
      box.append(item);
    });
    $("legend-title").textContent = `Colour: ${coloring.name}`;
  }

  // --- tooltip and audio -------------------------------------------------------------------
  let hovered = -1;
  function showTooltip(i: number, sx: number, sy: number): void {
    hovered = i;
    if (i < 0) {
      tooltip.style.display = "none";
      redraw();
      return;
    }
    const table = document.createElement("table");
    for (const f of data.fields) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = f.name;
      const td = document.createElement("td");
      td.textContent = f.values[i]!;
      td.dataset.field = f.name;
      tr.append(th, td);
      table.append(tr);
    }
    tooltip.replaceChildren(table);
    if (data.audio[i]) {
      const hint = document.createElement("div");
      hint.className = "hint";
      hint.textContent = "click to play";
      tooltip.append(hint);
    }
    tooltip.style.display = "block";
    const left = sx + 14 + 300 > W ? sx - 14 - tooltip.offsetWidth : sx + 14;
    tooltip.style.left = `${Math.max(0, left)}px`;
    tooltip.style.top = `${Math.max(0, Math.min(sy + 14, H - tooltip.offsetHeight))}px`;
    redraw();
  }

  function play(i: number): void {
    const src = data.audio[i];
    const idField = data.fields[0]!;
    if (!src) {
      $("now-playing").textContent = `${idField.values[i]} has no audio`;
      return;
    }
    // Only data: audio and plain relative/http(s) URLs are used as sources.
    if (!/^(data:audio\/|https?:|[^:]*$)/i.test(src)) return;
    player.src = src;
    $("now-playing").textContent = `▶ ${idField.values[i]}`;
    player.play().catch((e: Error) => {
      $("now-playing").textContent = `cannot play ${idField.values[i]}: ${e.message}`;
    });
  }

  // --- cluster names and density contours (overlay, in data coordinates) -------------------
  let names: { text: string; x: number; y: number; color: string }[] = [];
  let contours: { level: number; segs: Float32Array }[] = [];
  const showNames = () => $<HTMLInputElement>("show-names").checked;
  const showContours = () => $<HTMLInputElement>("show-contours").checked;
  /** Each shown category's name at the mean of its visible points (categorical colourings). */
  function computeNames(): void {
    names = [];
    if (numericColor || coloring.names.length > 64) return;
    const c = coloring.names.length;
    const sx = new Float64Array(c);
    const sy = new Float64Array(c);
    const cnt = new Float64Array(c);
    for (let i = 0; i < n; i++) {
      if (!visible[i]) continue;
      const k = coloring.index[i]!;
      sx[k]! += pos[2 * i]!;
      sy[k]! += pos[2 * i + 1]!;
      cnt[k]!++;
    }
    for (let k = 0; k < c; k++)
      if (cnt[k]! > 0)
        names.push({
          text: coloring.names[k]!,
          x: sx[k]! / cnt[k]!,
          y: sy[k]! / cnt[k]!,
          color: coloring.colors[k]!,
        });
  }
  /**
   * Density of the visible points on an 80 × 80 grid (Gaussian blur of a histogram), traced by
   * marching squares at 20, 45 and 70% of its peak.
   */
  function computeContours(): void {
    contours = [];
    const G = 80;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      if (!visible[i]) continue;
      x0 = Math.min(x0, pos[2 * i]!);
      x1 = Math.max(x1, pos[2 * i]!);
      y0 = Math.min(y0, pos[2 * i + 1]!);
      y1 = Math.max(y1, pos[2 * i + 1]!);
    }
    if (!(x1 > x0) || !(y1 > y0)) return;
    // Six cells of margin on each side, so the blurred density falls to zero and contours close.
    const cw = (x1 - x0) / (G - 13);
    const ch = (y1 - y0) / (G - 13);
    x0 -= 6 * cw;
    y0 -= 6 * ch;
    let grid = new Float32Array(G * G);
    for (let i = 0; i < n; i++) {
      if (!visible[i]) continue;
      const gx = Math.min(G - 1, Math.floor((pos[2 * i]! - x0) / cw));
      const gy = Math.min(G - 1, Math.floor((pos[2 * i + 1]! - y0) / ch));
      grid[gy * G + gx]!++;
    }
    // A Gaussian of sigma 2 cells, 9 taps.
    const taps = [-4, -3, -2, -1, 0, 1, 2, 3, 4].map((t) => Math.exp(-(t * t) / 8));
    const sum = taps.reduce((a, b) => a + b, 0);
    const kernel = taps.map((v) => v / sum);
    for (const horizontal of [true, false]) {
      const out = new Float32Array(G * G);
      for (let y = 0; y < G; y++)
        for (let x = 0; x < G; x++) {
          let v = 0;
          for (let t = -4; t <= 4; t++) {
            const xx = horizontal ? x + t : x;
            const yy = horizontal ? y : y + t;
            if (xx >= 0 && xx < G && yy >= 0 && yy < G) v += grid[yy * G + xx]! * kernel[t + 4]!;
          }
          out[y * G + x] = v;
        }
      grid = out;
    }
    let peak = 0;
    for (const v of grid) peak = Math.max(peak, v);
    if (peak <= 0) return;
    for (const share of [0.2, 0.45, 0.7]) {
      const level = share * peak;
      const segs: number[] = [];
      const at = (x: number, y: number) => grid[y * G + x]!;
      // Where the level crosses the edge between two grid nodes, in data coordinates.
      const cross = (ax: number, ay: number, bx: number, by: number): [number, number] => {
        const a = at(ax, ay);
        const b = at(bx, by);
        const t = (level - a) / (b - a);
        return [x0 + (ax + (bx - ax) * t + 0.5) * cw, y0 + (ay + (by - ay) * t + 0.5) * ch];
      };
      for (let y = 0; y < G - 1; y++)
        for (let x = 0; x < G - 1; x++) {
          const code =
            (at(x, y) > level ? 1 : 0) |
            (at(x + 1, y) > level ? 2 : 0) |
            (at(x + 1, y + 1) > level ? 4 : 0) |
            (at(x, y + 1) > level ? 8 : 0);
          if (code === 0 || code === 15) continue;
          const edges: [number, number][] = [];
          if ((code & 1) !== (code & 2) >> 1) edges.push(cross(x, y, x + 1, y));
          if ((code & 2) >> 1 !== (code & 4) >> 2) edges.push(cross(x + 1, y, x + 1, y + 1));
          if ((code & 4) >> 2 !== (code & 8) >> 3) edges.push(cross(x + 1, y + 1, x, y + 1));
          if ((code & 8) >> 3 !== (code & 1)) edges.push(cross(x, y + 1, x, y));
          // Two crossings: one segment; four (a saddle): two.
          for (let e = 0; e + 1 < edges.length; e += 2) segs.push(...edges[e]!, ...edges[e + 1]!);
        }
      contours.push({ level: share, segs: Float32Array.from(segs) });
    }
  }
  function drawNamesAndContours(ctx: CanvasRenderingContext2D): void {
    const screen = (x: number, y: number): [number, number] => [
      (x - cam.cx) * cam.scale + W / 2,
      H / 2 - (y - cam.cy) * cam.scale,
    ];
    if (showContours()) {
      ctx.strokeStyle = "rgba(40,40,40,0.55)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const c of contours)
        for (let k = 0; k < c.segs.length; k += 4) {
          const [ax, ay] = screen(c.segs[k]!, c.segs[k + 1]!);
          const [bx, by] = screen(c.segs[k + 2]!, c.segs[k + 3]!);
          ctx.moveTo(ax, ay);
          ctx.lineTo(bx, by);
        }
      ctx.stroke();
    }
    if (showNames()) {
      ctx.font = "bold 12px 'DejaVu Sans', system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      for (const label of names) {
        const [x, y] = screen(label.x, label.y);
        ctx.lineWidth = 3.5;
        ctx.strokeStyle = "rgba(255,255,255,0.9)";
        ctx.strokeText(label.text, x, y);
        ctx.fillStyle = "#111";
        ctx.fillText(label.text, x, y);
      }
    }
  }

  // --- the metadata table (virtualised, sortable, linked to the map) -----------------------
  const ROW = 20;
  const tablePanel = $("table-panel");
  const tableBody = $("table-body");
  const tableRows = $("table-rows");
  let sortField = -1; // index into data.fields, or -1 for data order
  let sortDesc = false;
  let sortedAll: Uint32Array | null = null; // all points in the current sort order
  let rows = new Uint32Array(0); // the shown points, in table order
  const numericOf = (name: string) => numeric.find((c) => c.name === name);
  function sortRows(): void {
    sortedAll = null;
    if (sortField < 0) return;
    const f = data.fields[sortField]!;
    const num = numericOf(f.name);
    const idx = Array.from({ length: n }, (_, i) => i);
    if (num) {
      // Missing values (NaN) last in both directions.
      idx.sort((a, b) => {
        const x = num.v[a]!;
        const y = num.v[b]!;
        if (Number.isNaN(x) || Number.isNaN(y))
          return Number.isNaN(x) ? (Number.isNaN(y) ? a - b : 1) : -1;
        return (sortDesc ? y - x : x - y) || a - b;
      });
    } else {
      // Natural order ("clip 2" before "clip 10").
      const v = f.values;
      const cmp = new Intl.Collator("en", { numeric: true }).compare;
      idx.sort((a, b) => (sortDesc ? cmp(v[b]!, v[a]!) : cmp(v[a]!, v[b]!)) || a - b);
    }
    sortedAll = Uint32Array.from(idx);
  }
  function buildTableHead(): void {
    const head = $("table-head");
    head.replaceChildren();
    data.fields.forEach((f, k) => {
      const cell = document.createElement("span");
      cell.className = "th";
      cell.dataset.field = f.name;
      cell.textContent = f.name + (k === sortField ? (sortDesc ? " ▼" : " ▲") : "");
      cell.title = "click: sort";
      cell.addEventListener("click", () => {
        if (sortField === k) sortDesc = !sortDesc;
        else {
          sortField = k;
          sortDesc = false;
        }
        sortRows();
        buildTableHead();
        refreshTable();
      });
      head.append(cell);
    });
  }
  function refreshTable(): void {
    if (tablePanel.hidden) return;
    const order = sortedAll;
    const out = new Uint32Array(n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k;
      if (visible[i]) out[m++] = i;
    }
    rows = out.subarray(0, m);
    $("table-count").textContent = `${m.toLocaleString("en-US")} rows`;
    tableRows.style.height = `${m * ROW}px`;
    renderTableRows();
  }
  function renderTableRows(): void {
    const top = tableBody.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - 5);
    const last = Math.min(rows.length, Math.ceil((top + tableBody.clientHeight) / ROW) + 5);
    const items: HTMLElement[] = [];
    for (let r = first; r < last; r++) {
      const i = rows[r]!;
      const tr = document.createElement("div");
      tr.className = i === focus ? "tr on" : "tr";
      tr.style.top = `${r * ROW}px`;
      tr.dataset.index = String(i);
      for (const f of data.fields) {
        const td = document.createElement("span");
        td.className = "td";
        td.textContent = f.values[i]!;
        tr.append(td);
      }
      tr.addEventListener("click", () => selectFromTable(i));
      items.push(tr);
    }
    tableRows.replaceChildren(...items);
  }
  /** A table row click: focus the point, centre the map on it, list its neighbours. */
  function selectFromTable(i: number): void {
    cam.cx = pos[2 * i]!;
    cam.cy = pos[2 * i + 1]!;
    showNeighbors(i);
    focus = i;
    renderTableRows();
    redraw();
  }
  tableBody.addEventListener("scroll", renderTableRows);
  $("toggle-table").addEventListener("click", () => {
    tablePanel.hidden = !tablePanel.hidden;
    $("toggle-table").setAttribute("aria-pressed", String(!tablePanel.hidden));
    if (!tablePanel.hidden) {
      buildTableHead();
      refreshTable();
    }
  });

  // --- label against prediction ------------------------------------------------------------
  function buildConfusion(): void {
    if (!labelField || !predField) return;
    const classes = [
      ...new Set([...labelField.values, ...predField.values].filter((v) => v !== "")),
    ].sort();
    const at = new Map(classes.map((c, k) => [c, k]));
    const c = classes.length;
    const counts = new Int32Array(c * c);
    let scored = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const l = labelField.values[i]!;
      const p = predField.values[i]!;
      if (l === "" || p === "") continue;
      counts[at.get(l)! * c + at.get(p)!]!++;
      scored++;
      if (l === p) correct++;
    }
    $("confusion-panel").hidden = false;
    $("accuracy").textContent =
      `top-1 ${scored ? ((100 * correct) / scored).toFixed(1) : "–"}% of ${scored.toLocaleString("en-US")}`;
    const table = document.createElement("table");
    table.id = "confusion";
    const head = document.createElement("tr");
    const corner = document.createElement("th");
    corner.textContent = "label \\ predicted";
    head.append(corner);
    for (const name of classes) {
      const th = document.createElement("th");
      th.className = "col";
      th.textContent = name;
      th.title = name;
      head.append(th);
    }
    table.append(head);
    classes.forEach((label, r) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.textContent = label;
      tr.append(th);
      let total = 0;
      for (let k = 0; k < c; k++) total += counts[r * c + k]!;
      classes.forEach((predicted, k) => {
        const td = document.createElement("td");
        const count = counts[r * c + k]!;
        td.textContent = count ? String(count) : "";
        td.dataset.label = label;
        td.dataset.predicted = predicted;
        td.dataset.count = String(count);
        const share = total ? count / total : 0;
        td.style.background = count
          ? `rgba(${r === k ? "44,114,142" : "214,39,40"},${0.15 + 0.85 * share})`
          : "";
        td.title = `${label} → ${predicted}: ${count}`;
        td.addEventListener("click", () => {
          const same = cellFilter?.label === label && cellFilter.predicted === predicted;
          cellFilter = same || count === 0 ? null : { label, predicted };
          table.querySelectorAll("td.on").forEach((cell) => {
            cell.classList.remove("on");
          });
          if (cellFilter) td.classList.add("on");
          recolor();
        });
        tr.append(td);
      });
      table.append(tr);
    });
    $("confusion-box").replaceChildren(table);
    $<HTMLInputElement>("mismatches").addEventListener("change", (e) => {
      mismatchesOnly = (e.target as HTMLInputElement).checked;
      recolor();
    });
  }

  // --- nearest neighbours in embedding space -----------------------------------------------
  const fieldOf = (name: string) => data.fields.find((f) => f.name === name);
  function showNeighbors(i: number): void {
    focus = i;
    const panel = $("neighbors-panel");
    if (!nbIndex || !nbDist || i < 0) {
      panel.hidden = true;
      redraw();
      return;
    }
    panel.hidden = false;
    const ids = data.fields[0]!;
    const label = fieldOf("label");
    $("neighbors-of").textContent = `of ${ids.values[i]}${label ? ` (${label.values[i]})` : ""}`;
    const items: HTMLElement[] = [];
    for (let r = 0; r < nbK; r++) {
      const j = nbIndex[i * nbK + r]!;
      const li = document.createElement("li");
      li.className = "neighbor";
      li.dataset.index = String(j);
      const id = document.createElement("span");
      id.className = "nid";
      id.textContent = ids.values[j]!;
      const lab = document.createElement("span");
      lab.className = "nlab";
      lab.textContent = label ? label.values[j]! : "";
      const dist = document.createElement("span");
      dist.className = "ndist";
      dist.textContent = nbDist[i * nbK + r]!.toPrecision(3);
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "▶";
      button.title = "play";
      button.disabled = !data.audio[j];
      button.addEventListener("click", (e) => {
        e.stopPropagation();
        play(j);
      });
      li.append(button, id, lab, dist);
      // Clicking the row moves the focus to that neighbour.
      li.addEventListener("click", () => showNeighbors(j));
      items.push(li);
    }
    $("neighbors").replaceChildren(...items);
    redraw();
  }

  // --- lasso -------------------------------------------------------------------------------
  let lasso: [number, number][] | null = null;
  function drawOverlay(): void {
    const ctx = overlay.getContext("2d")!;
    const k = dpr();
    ctx.setTransform(k, 0, 0, k, 0, 0);
    ctx.clearRect(0, 0, W, H);
    drawNamesAndContours(ctx);
    if (hovered >= 0) {
      const [x, y] = toScreen(hovered);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(x, y, pointSize() / 2 + 3, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (focus >= 0) {
      // The clicked point (thick ring) and its embedding-space neighbours (thin rings).
      ctx.strokeStyle = "#d62728";
      const ring = (i: number, width: number) => {
        const [x, y] = toScreen(i);
        ctx.lineWidth = width;
        ctx.beginPath();
        ctx.arc(x, y, pointSize() / 2 + 2.5, 0, Math.PI * 2);
        ctx.stroke();
      };
      ring(focus, 2.5);
      if (nbIndex) for (let j = 0; j < nbK; j++) ring(nbIndex[focus * nbK + j]!, 1);
    }
    if (lasso && lasso.length > 1) {
      ctx.strokeStyle = "#333";
      ctx.setLineDash([4, 3]);
      ctx.fillStyle = "rgba(80,120,200,0.08)";
      ctx.beginPath();
      ctx.moveTo(lasso[0]![0], lasso[0]![1]);
      for (const [x, y] of lasso) ctx.lineTo(x, y);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  function finishLasso(poly: [number, number][]): void {
    if (poly.length < 3) return;
    const dataPoly = poly.map(([x, y]) => toData(x, y));
    const sel = new Uint8Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (!visible[i]) continue;
      if (inside(pos[2 * i]!, pos[2 * i + 1]!, dataPoly)) {
        sel[i] = 1;
        count++;
      }
    }
    selected = count > 0 ? sel : null;
    $("selection").style.display = count > 0 ? "flex" : "none";
    $("selection-count").textContent = `${count} selected`;
    recolor();
  }

  function inside(x: number, y: number, poly: [number, number][]): boolean {
    let c = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i]!;
      const [xj, yj] = poly[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
    }
    return c;
  }

  function selectedIds(): string[] {
    const ids: string[] = [];
    const idField = data.fields[0]!;
    if (selected) for (let i = 0; i < n; i++) if (selected[i]) ids.push(idField.values[i]!);
    return ids;
  }

  function download(name: string, text: string, type: string): void {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // --- events ------------------------------------------------------------------------------
  function resize(): void {
    const r = stage.getBoundingClientRect();
    const firstTime = W === 1 && H === 1;
    W = Math.max(1, r.width);
    H = Math.max(1, r.height);
    for (const c of [canvas, overlay]) {
      c.width = Math.round(W * dpr());
      c.height = Math.round(H * dpr());
    }
    if (firstTime) fitCamera();
    redraw();
  }

  let drag: {
    x: number;
    y: number;
    cx: number;
    cy: number;
    moved: boolean;
    yaw: number;
    pitch: number;
  } | null = null;
  const local = (e: MouseEvent): [number, number] => {
    const r = stage.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const lassoMode = () => $<HTMLInputElement>("lasso-mode").checked;
  stage.addEventListener("mousedown", (e) => {
    const [x, y] = local(e);
    if (e.shiftKey || lassoMode()) lasso = [[x, y]];
    else drag = { x, y, cx: cam.cx, cy: cam.cy, moved: false, yaw: orbit.yaw, pitch: orbit.pitch };
  });
  window.addEventListener("mousemove", (e) => {
    const [x, y] = local(e);
    if (lasso) {
      lasso.push([x, y]);
      redraw();
      return;
    }
    if (drag) {
      if (Math.abs(x - drag.x) + Math.abs(y - drag.y) > 3) drag.moved = true;
      if (drag.moved && orbit.on) {
        orbit.yaw = drag.yaw + (x - drag.x) * 0.01;
        orbit.pitch = Math.max(-1.55, Math.min(1.55, drag.pitch + (y - drag.y) * 0.01));
        project(false);
        tooltip.style.display = "none";
        moved();
        return;
      }
      if (drag.moved) {
        cam.cx = drag.cx - (x - drag.x) / cam.scale;
        cam.cy = drag.cy + (y - drag.y) / cam.scale;
        tooltip.style.display = "none";
        moved();
        return;
      }
    }
    if (e.target === stage || e.target === overlay || e.target === canvas) {
      const i = pick(x, y, pointSize() / 2 + 4);
      if (i !== hovered || i >= 0) showTooltip(i, x, y);
    }
  });
  window.addEventListener("mouseup", (e) => {
    if (lasso) {
      const poly = lasso;
      lasso = null;
      finishLasso(poly);
      return;
    }
    if (drag?.moved && orbit.on) {
      computeNames();
      computeContours();
      redraw();
    }
    if (drag && !drag.moved && (e.target === overlay || e.target === canvas)) {
      const [x, y] = local(e);
      const i = pick(x, y, pointSize() / 2 + 4);
      if (i >= 0) {
        play(i);
        showNeighbors(i);
      }
    }
    drag = null;
  });
  stage.addEventListener("mouseleave", () => {
    if (!drag && !lasso) showTooltip(-1, 0, 0);
  });
  stage.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const [x, y] = local(e);
      const [dx, dy] = toData(x, y);
      cam.scale *= Math.exp(-e.deltaY * 0.0015);
      // Keep the data point under the cursor fixed while zooming.
      cam.cx = dx - (x - W / 2) / cam.scale;
      cam.cy = dy + (y - H / 2) / cam.scale;
      moved();
    },
    { passive: false },
  );
  // The stage changes size with the window and when the header wraps (e.g. selection buttons).
  new ResizeObserver(resize).observe(stage);

  const colorSel = $<HTMLSelectElement>("color-by");
  for (const c of data.colorings) {
    const o = document.createElement("option");
    o.value = c.name;
    o.textContent = c.name;
    colorSel.append(o);
  }
  for (const c of numeric) {
    const o = document.createElement("option");
    o.value = `numeric:${c.name}`;
    o.textContent = `${c.name} (continuous)`;
    colorSel.append(o);
  }
  colorSel.addEventListener("change", () => {
    numericColor = numeric.find((c) => `numeric:${c.name}` === colorSel.value) ?? null;
    if (!numericColor)
      coloring = data.colorings.find((c) => c.name === colorSel.value) ?? data.colorings[0]!;
    hiddenCats.clear();
    buildLegend();
    recolor();
  });
  // A histogram per continuous column: all points (light) and the shown ones (dark), so it
  // cross-filters with every other filter. Dragging across it sets the column's range;
  // a double click clears it.
  const BINS = 30;
  const histograms: { f: (typeof numeric)[number]; shown: HTMLElement[]; peak: number }[] = [];
  function binOf(f: (typeof numeric)[number], v: number): number {
    const width = (f.max - f.min) / BINS || 1;
    return Math.min(BINS - 1, Math.max(0, Math.floor((v - f.min) / width)));
  }
  function histogram(
    f: (typeof numeric)[number],
    lo: HTMLInputElement,
    hi: HTMLInputElement,
  ): HTMLElement {
    const box = document.createElement("div");
    box.className = "hist";
    box.dataset.column = f.name;
    const total = new Int32Array(BINS);
    for (const v of f.v) if (!Number.isNaN(v)) total[binOf(f, v)]!++;
    const peak = Math.max(1, ...total);
    const shown: HTMLElement[] = [];
    for (let b = 0; b < BINS; b++) {
      const bar = document.createElement("span");
      bar.className = "bin";
      bar.dataset.bin = String(b);
      const back = document.createElement("i");
      back.className = "all";
      back.style.height = `${(100 * total[b]!) / peak}%`;
      const front = document.createElement("i");
      front.className = "shown";
      bar.append(back, front);
      box.append(bar);
      shown.push(front);
    }
    histograms.push({ f, shown, peak });
    const width = (f.max - f.min) / BINS || 1;
    let start = -1;
    const binAt = (e: MouseEvent) => {
      const r = box.getBoundingClientRect();
      return Math.min(BINS - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * BINS)));
    };
    box.addEventListener("mousedown", (e) => {
      start = binAt(e);
      e.preventDefault();
    });
    window.addEventListener("mouseup", (e) => {
      if (start < 0) return;
      const end = binAt(e);
      const [a, b] = start <= end ? [start, end] : [end, start];
      start = -1;
      f.lo = f.min + a * width;
      f.hi = b === BINS - 1 ? f.max : f.min + (b + 1) * width;
      lo.value = String(Number(f.lo.toPrecision(6)));
      hi.value = String(Number(f.hi.toPrecision(6)));
      recolor();
    });
    box.addEventListener("dblclick", () => {
      f.lo = f.hi = Number.NaN;
      lo.value = hi.value = "";
      recolor();
    });
    return box;
  }
  function updateHistograms(): void {
    for (const h of histograms) {
      const counts = new Int32Array(BINS);
      for (let i = 0; i < n; i++) {
        const v = h.f.v[i]!;
        if (visible[i] && !Number.isNaN(v)) counts[binOf(h.f, v)]!++;
      }
      h.shown.forEach((el, b) => {
        el.parentElement!.dataset.count = String(counts[b]);
        el.style.height = `${(100 * counts[b]!) / h.peak}%`;
      });
    }
  }

  // One range filter per continuous column; an empty box leaves that side open.
  const filterBox = $("filters");
  for (const f of numeric) {
    const row = document.createElement("div");
    row.className = "filter";
    const name = document.createElement("span");
    name.className = "fname";
    name.textContent = f.name;
    const box = (side: "lo" | "hi") => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.placeholder = String(Number((side === "lo" ? f.min : f.max).toPrecision(4)));
      input.dataset.column = f.name;
      input.dataset.side = side;
      input.setAttribute("aria-label", `${f.name} ${side === "lo" ? "at least" : "at most"}`);
      input.addEventListener("input", () => {
        f[side] = input.value === "" ? Number.NaN : Number(input.value);
        recolor();
      });
      return input;
    };
    const dash = document.createElement("span");
    dash.textContent = "–";
    const lo = box("lo");
    const hi = box("hi");
    row.append(name, lo, dash, hi);
    filterBox.append(row, histogram(f, lo, hi));
  }
  $("filters-panel").hidden = numeric.length === 0;
  $<HTMLInputElement>("show-names").checked = coloring.names.length <= 64;
  $("show-names").addEventListener("change", redraw);
  $("show-contours").addEventListener("change", redraw);
  $<HTMLInputElement>("search").addEventListener("input", (e) => {
    query = (e.target as HTMLInputElement).value.trim();
    recolor();
  });
  const viewSel = $<HTMLSelectElement>("view");
  if (dims === 3) {
    for (const [label, a, b] of [
      ["x–y", 0, 1],
      ["x–z", 0, 2],
      ["y–z", 1, 2],
    ] as const) {
      const o = document.createElement("option");
      o.value = `${a},${b}`;
      o.textContent = label;
      viewSel.append(o);
    }
    const o = document.createElement("option");
    o.value = "orbit";
    o.textContent = "3-D orbit (drag to turn)";
    viewSel.append(o);
    viewSel.addEventListener("change", () => {
      if (viewSel.value === "orbit") {
        setOrbit();
        computeNames();
        computeContours();
        return;
      }
      orbit.on = false;
      const [a, b] = viewSel.value.split(",").map(Number) as [number, number];
      setView(a, b);
    });
  } else viewSel.parentElement!.style.display = "none";
  $("reset").addEventListener("click", () => {
    fitCamera();
    redraw();
  });
  $("clear-selection").addEventListener("click", () => {
    selected = null;
    $("selection").style.display = "none";
    recolor();
  });
  $("export-txt").addEventListener("click", () =>
    download("selection.txt", `${selectedIds().join("\n")}\n`, "text/plain"),
  );
  $("export-json").addEventListener("click", () =>
    download("selection.json", JSON.stringify(selectedIds(), null, 1), "application/json"),
  );

  // --- start -------------------------------------------------------------------------------
  document.title = data.title;
  $("title").textContent = data.title;
  $("point-count").textContent = `${n.toLocaleString("en-US")} points`;
  stage.dataset.renderer = renderer.name;
  $("renderer").textContent = renderer.name;
  resize();
  setView(0, 1);
  buildLegend();
  buildConfusion();
  recolor();
  // A small handle for scripts and tests: where a point is drawn, and what is shown.
  (window as unknown as { audiomap: unknown }).audiomap = {
    n,
    renderer: renderer.name,
    screenPosition: (i: number) => {
      const [x, y] = toScreen(i);
      const r = stage.getBoundingClientRect();
      return { x: x + r.left, y: y + r.top };
    },
    selectedIds,
    visibleCount: () => visible.reduce((a, b) => a + b, 0),
    focus: () => focus,
    orbit: () => ({ on: orbit.on, yaw: orbit.yaw, pitch: orbit.pitch }),
    draws: () => draws,
    /** Points in the last frame: all of them, or the moving-view sample (above 50,000). */
    drawnPoints: () => drawn,
    /** Where a data-space point falls on the page. */
    screenPositionOf: (x: number, y: number) => {
      const r = stage.getBoundingClientRect();
      return {
        x: (x - cam.cx) * cam.scale + W / 2 + r.left,
        y: H / 2 - (y - cam.cy) * cam.scale + r.top,
      };
    },
    /** Where each category name is drawn (screen px, page coordinates). */
    namePositions: () =>
      names.map((label) => {
        const r = stage.getBoundingClientRect();
        return {
          text: label.text,
          x: (label.x - cam.cx) * cam.scale + W / 2 + r.left,
          y: H / 2 - (label.y - cam.cy) * cam.scale + r.top,
        };
      }),
    contourSegments: () => contours.reduce((a, c) => a + c.segs.length / 4, 0),
  };
}
