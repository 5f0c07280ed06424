/**
 * The demo's per-point results as tables in the report folder, in the formats `audiomap umap`
 * and `audiomap cluster` write, so `audiomap report embeddings.parquet --layout layout.parquet
 * --clusters clusters.parquet` redraws the same report.
 */
import { join } from "node:path";

/** Per-point results, rows in embeddings-table order. */
export interface DemoPoints {
  ids: string[];
  labels: string[];
  /** Row-major [n, 2]. */
  layout: Float32Array;
  clusters: Int32Array;
  /** Top-1 label of the model's head ("" when a clip has none), when the model has a head. */
  predictions?: string[];
}

/** Writes `layout.parquet` (x, y, id) and `clusters.parquet` (cluster, id, label, prediction). */
export async function writeDemoTables(
  dir: string,
  p: DemoPoints,
): Promise<{ layout: string; clusters: string }> {
  const viz = await import("@audiomap/viz");
  const n = p.ids.length;
  const layout = join(dir, "layout.parquet");
  const clusters = join(dir, "clusters.parquet");
  await viz.writeTable(layout, {
    numeric: {
      x: Float32Array.from({ length: n }, (_, i) => p.layout[2 * i] as number),
      y: Float32Array.from({ length: n }, (_, i) => p.layout[2 * i + 1] as number),
    },
    meta: { id: p.ids },
  });
  await viz.writeTable(clusters, {
    numeric: { cluster: p.clusters },
    meta: {
      id: p.ids,
      label: p.labels,
      ...(p.predictions && { prediction: p.predictions }),
    },
  });
  return { layout, clusters };
}
