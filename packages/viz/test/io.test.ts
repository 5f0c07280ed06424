import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  metaStrings,
  parseNpy,
  readTable,
  TableError,
  toCsv,
  writeTable,
} from "../src/io/index.js";
import { havePython, runPython, writeIrisCsv } from "./helpers/python.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "audiomap-io-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hand-made tables (always run)", () => {
  it("takes embedding_0 … embedding_{d-1} of a CSV as the vector, in index order", async () => {
    const p = join(dir, "emb.csv");
    const cols = Array.from({ length: 12 }, (_, j) => `embedding_${j}`);
    // Written out of order: embedding_10 sorts before embedding_2 as text.
    const order = [...cols].sort();
    const row = (i: number) => order.map((c) => i * 100 + Number(c.slice(10))).join(",");
    writeFileSync(
      p,
      `index,id,duration_sec,${order.join(",")}\n0,a,1.5,${row(0)}\n1,b,2,${row(1)}\n`,
    );
    const t = await readTable(p);
    expect(t.vectorColumns).toEqual(cols);
    expect(Array.from(t.vectors.subarray(12, 24))).toEqual(cols.map((_, j) => 100 + j));
    expect(t.meta.duration_sec).toEqual([1.5, 2]);
  });

  it("reads JSON Lines with an embedding array per line", async () => {
    const p = join(dir, "emb.jsonl");
    writeFileSync(
      p,
      '{"id":"a","label":"yes","embedding":[1,2,3]}\n{"id":"b","label":null,"embedding":[4,5,6]}\n',
    );
    const t = await readTable(p);
    expect([t.n, t.dim]).toEqual([2, 3]);
    expect(Array.from(t.vectors)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.meta).toEqual({ id: ["a", "b"], label: ["yes", null] });
  });

  it("reads a CSV: numeric columns are features, the label column and ids are metadata", async () => {
    const p = join(dir, "t.csv");
    writeFileSync(p, 'id,a,b,label,note\n7,1.5,-2,cat,"x, ""y"""\n8,3,4e-1,dog,\n');
    const t = await readTable(p);
    expect([t.n, t.dim]).toEqual([2, 2]);
    expect(t.vectorColumns).toEqual(["a", "b"]);
    expect(Array.from(t.vectors)).toEqual([1.5, -2, 3, Math.fround(0.4)]);
    expect(metaStrings(t, "label")).toEqual(["cat", "dog"]);
    expect(t.meta.note).toEqual(['x, "y"', null]);
    expect(t.meta.id).toEqual([7, 8]);
  });

  it("uses x,y(,z) as the features of a layout file and round-trips CSV and Parquet", async () => {
    const out = {
      numeric: {
        x: new Float32Array([0.5, 1]),
        y: new Float32Array([2, -3]),
        z: new Float32Array([9, 8]),
      },
      meta: { id: ["a", "b"], label: ["<b>", null], dur: [1.25, 2] },
    };
    for (const ext of ["csv", "parquet"]) {
      const p = join(dir, `layout.${ext}`);
      await writeTable(p, out);
      const t = await readTable(p);
      expect(t.vectorColumns).toEqual(["x", "y", "z"]);
      expect(Array.from(t.vectors)).toEqual([0.5, 2, 9, 1, -3, 8]);
      expect(t.meta.id).toEqual(["a", "b"]);
      expect(t.meta.label).toEqual(["<b>", null]);
      expect(t.meta.dur).toEqual([1.25, 2]);
    }
    expect(toCsv(out).split("\n")[0]).toBe("x,y,z,id,label,dur");
  });

  it("reads an audiomap-style Parquet with a FixedSizeList<float32> embedding column", async () => {
    const arrow = await import("apache-arrow");
    const pq = await import("parquet-wasm");
    const n = 5;
    const d = 3;
    const values = Float32Array.from({ length: n * d }, (_, i) => i / 7);
    const child = arrow.makeData({ type: new arrow.Float32(), length: n * d, data: values });
    const type = new arrow.FixedSizeList(d, new arrow.Field("item", new arrow.Float32(), false));
    const table = new arrow.Table({
      path: arrow.vectorFromArray(["a.wav", "b.wav", "c.wav", "d.wav", "e.wav"], new arrow.Utf8()),
      embedding: arrow.makeVector(arrow.makeData({ type, length: n, nullCount: 0, child })),
      label: arrow.vectorFromArray(["yes", "no", "yes", null, "up"], new arrow.Utf8()),
      duration: arrow.vectorFromArray([1, 2, 3, 4, 5], new arrow.Float64()),
    });
    const p = join(dir, "emb.parquet");
    writeFileSync(p, pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(table, "stream"))));
    const t = await readTable(p);
    expect([t.n, t.dim, t.vectorColumns]).toEqual([5, 3, ["embedding"]]);
    expect(t.vectors).toEqual(values);
    expect(Object.keys(t.meta)).toEqual(["path", "label", "duration"]);
    expect(t.meta.label).toEqual(["yes", "no", "yes", null, "up"]);
  });

  it("parses a hand-built .npy header and data", () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const padded = `${header.padEnd(117, " ")}\n`; // 10 + 118 = 128 bytes, as numpy aligns
    const bytes = new Uint8Array(10 + padded.length + 24);
    bytes.set([0x93, ...Buffer.from("NUMPY"), 1, 0]);
    new DataView(bytes.buffer).setUint16(8, padded.length, true);
    bytes.set(Buffer.from(padded), 10);
    new Float32Array(bytes.buffer, 10 + padded.length, 6).set([1, 2, 3, 4, 5, 6]);
    const a = parseNpy(bytes);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects unknown formats and missing columns with stable codes", async () => {
    await expect(readTable(join(dir, "x.txt"))).rejects.toMatchObject({ code: "TABLE_FORMAT" });
    const p = join(dir, "words.csv");
    writeFileSync(p, "a,b\nx,y\n");
    await expect(readTable(p)).rejects.toBeInstanceOf(TableError);
    await expect(readTable(p)).rejects.toMatchObject({ code: "TABLE_NO_VECTORS" });
    const q = join(dir, "num.csv");
    writeFileSync(q, "a,b\n1,2\n");
    await expect(readTable(q, { labelColumn: "nope" })).rejects.toMatchObject({
      code: "TABLE_COLUMN",
    });
  });
});

describe.skipIf(!havePython("numpy", "sklearn"))("against numpy / sklearn files", () => {
  it("reads sklearn's iris CSV: 150 × 4 with species labels", async () => {
    const p = join(dir, "iris.csv");
    writeIrisCsv(p);
    const t = await readTable(p);
    expect([t.n, t.dim]).toEqual([150, 4]);
    expect(new Set(metaStrings(t, "species"))).toEqual(
      new Set(["setosa", "versicolor", "virginica"]),
    );
    expect(Array.from(t.vectors.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it("reads numpy-written .npy (float32, float64, int64) with the sibling .jsonl", async () => {
    for (const dtype of ["float32", "float64", "int64"]) {
      const p = join(dir, `m_${dtype}.npy`);
      runPython(
        `import sys, json, numpy as np
a = (np.arange(12).reshape(4, 3) * 1.5 - 3).astype("${dtype}")
np.save(sys.argv[1], a)
with open(sys.argv[1][:-4] + ".jsonl", "w") as f:
    for i in range(4): f.write(json.dumps({"id": f"r{i}", "label": ["a", "b"][i % 2], "ok": True}) + "\\n")`,
        [p],
      );
      const t = await readTable(p);
      const expected = Array.from({ length: 12 }, (_, i) => {
        const v = i * 1.5 - 3;
        return dtype === "int64" ? Math.trunc(v) : v;
      });
      expect([t.n, t.dim]).toEqual([4, 3]);
      expect(Array.from(t.vectors)).toEqual(expected);
      expect(t.meta.label).toEqual(["a", "b", "a", "b"]);
      expect(t.meta.ok).toEqual(["true", "true", "true", "true"]);
    }
  });
});
