import type { ReportExample, ReportInput } from "./types.js";

const collator = new Intl.Collator("en", { numeric: true });

/**
 * Picks up to `k` examples per cluster: the first rows in file order of each cluster's most
 * common label, then of the others, so the examples show what the cluster mostly holds.
 */
export function pickExamples(
  input: ReportInput,
  k: number,
): { cluster: string; size: number; top: string; examples: ReportExample[] }[] {
  const clusters = input.clusters;
  if (!clusters) return [];
  const byCluster = new Map<string, number[]>();
  clusters.forEach((c, i) => {
    const list = byCluster.get(c);
    if (list) list.push(i);
    else byCluster.set(c, [i]);
  });
  return [...byCluster.keys()].sort(collator.compare).map((cluster) => {
    const rows = byCluster.get(cluster)!;
    const counts = new Map<string, number>();
    for (const i of rows) {
      const l = input.labels?.[i] ?? "";
      counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    const top =
      [...counts.entries()].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0]))[0]?.[0] ??
      "";
    const ordered = [
      ...rows.filter((i) => (input.labels?.[i] ?? "") === top),
      ...rows.filter((i) => (input.labels?.[i] ?? "") !== top),
    ];
    const examples = ordered.slice(0, k).map((i) => ({
      id: input.ids?.[i] ?? String(i),
      label: input.labels?.[i],
      path: input.paths?.[i],
      audio: input.audio?.[i] ?? null,
    }));
    return { cluster, size: rows.length, top, examples };
  });
}

/** Formats a metric for tables: 4 decimals, or "–" when missing. */
export function fmtMetric(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? "–" : v.toFixed(4);
}
