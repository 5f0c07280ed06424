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
  /** Names of the columns each role was read from, if any. */
  labelColumn?: string;
  idColumn?: string;
  pathColumn?: string;
  predictionColumn?: string;
  clusterColumn?: string;
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
  if (idCol && table.meta[idCol]) out.idColumn = idCol;
  const labels = metaStrings(table, label);
  if (labels) {
    out.labels = labels;
    out.labelColumn = label;
  }
  const pathCol = findColumn(names, PATH);
  const paths = metaStrings(table, pathCol);
  if (paths) {
    out.paths = paths;
    out.pathColumn = pathCol!;
  }
  const predictionCol = findColumn(names, PREDICTION);
  const predictions = metaStrings(table, predictionCol);
  if (predictions) {
    out.predictions = predictions;
    out.predictionColumn = predictionCol!;
  }
  const clusterCol = findColumn(names, CLUSTER);
  const clusters = metaStrings(table, clusterCol);
  if (clusters) {
    out.clusters = clusters;
    out.clusterColumn = clusterCol!;
  }
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

/** The table's metadata columns other than the id, label, path, prediction and cluster ones. */
export function extraColumns(table: DataTable, cols: PointColumns): DataTable["meta"] {
  const used = new Set(
    [
      cols.idColumn,
      cols.labelColumn,
      cols.pathColumn,
      cols.predictionColumn,
      cols.clusterColumn,
    ].filter((c): c is string => c !== undefined),
  );
  return Object.fromEntries(Object.entries(table.meta).filter(([name]) => !used.has(name)));
}
