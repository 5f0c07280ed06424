import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { DataTable } from "@audiomap/viz";

/** The metadata roles the viz commands use, found by column name. */
export interface PointColumns {
  ids: string[];
  labels?: string[];
  paths?: string[];
  predictions?: string[];
  clusters?: string[];
  /** Name of the label column used, if any. */
  labelColumn?: string;
}

const ID = ["id", "key", "name", "index"];
const PATH = ["path", "file", "filename", "audio_path", "audio"];
const PREDICTION = ["prediction", "predicted", "pred", "top_label"];
const CLUSTER = ["cluster", "clusters"];

/**
 * Picks the id, label, path, prediction and cluster columns of a table. The label column is
 * `labelColumn` when given, else the first of the viz package's usual label names.
 */
export async function pointColumns(table: DataTable, labelColumn?: string): Promise<PointColumns> {
  const { findColumn, guessLabelColumn, metaStrings } = await import("@audiomap/viz");
  const names = Object.keys(table.meta);
  const label = guessLabelColumn(names, labelColumn);
  const idCol = findColumn(names, ID);
  const ids = metaStrings(table, idCol) ?? Array.from({ length: table.n }, (_, i) => String(i));
  const out: PointColumns = { ids };
  const labels = metaStrings(table, label);
  if (labels) {
    out.labels = labels;
    out.labelColumn = label;
  }
  const paths = metaStrings(table, findColumn(names, PATH));
  if (paths) out.paths = paths;
  const predictions = metaStrings(table, findColumn(names, PREDICTION));
  if (predictions) out.predictions = predictions;
  const clusters = metaStrings(table, findColumn(names, CLUSTER));
  if (clusters) out.clusters = clusters;
  return out;
}

/**
 * Resolves clip paths from a table: absolute paths stay; relative ones are taken relative to
 * the table's folder when the file exists there, else to the current directory.
 */
export function resolveClipPaths(paths: readonly string[], tablePath: string): (string | null)[] {
  const base = dirname(resolve(tablePath));
  return paths.map((p) => {
    if (!p) return null;
    if (isAbsolute(p) || /^(https?:|data:)/i.test(p)) return p;
    const near = resolve(base, p);
    return existsSync(near) ? near : resolve(p);
  });
}
