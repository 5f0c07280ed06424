/**
 * Keyword predictions for the demo: the model head's top-1 label per clip, by record id, from
 * the same `classifyRecords` that `audiomap classify` uses.
 */
import type { EmbeddingModel } from "@audiomap/embeddings";

/** Top-1 predictions by record id, and how many clips could not be classified. */
export interface Predictions {
  byId: Map<string, string>;
  /** Top-1 probability by record id. */
  scoreById: Map<string, number>;
  failed: number;
}

/** Classifies every clip of a Speech Commands folder's test split. */
export async function predictTopLabels(
  model: EmbeddingModel,
  dataDir: string,
  onClip?: () => void,
): Promise<Predictions> {
  const emb = await import("@audiomap/embeddings");
  const records = await emb.openDataset(dataDir, { split: "test" });
  const indexed = (async function* () {
    let index = 0;
    for await (const record of records) yield { index: index++, record };
  })();
  const byId = new Map<string, string>();
  const scoreById = new Map<string, number>();
  let failed = 0;
  for await (const r of emb.classifyRecords(model, indexed, {
    decode: emb.decodeAudio,
    topK: 1,
  })) {
    const top = r.top?.[0];
    if (top) {
      byId.set(r.id, top.label);
      scoreById.set(r.id, top.score);
    } else failed++;
    onClip?.();
  }
  return { byId, scoreById, failed };
}

/** Share of clips whose prediction equals their label; NaN when no clip has both. */
export function topOneAccuracy(labels: readonly string[], predictions: readonly string[]): number {
  let n = 0;
  let hit = 0;
  labels.forEach((label, i) => {
    const p = predictions[i];
    if (!p) return;
    n++;
    if (p === label) hit++;
  });
  return n === 0 ? Number.NaN : hit / n;
}
