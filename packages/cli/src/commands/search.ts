/** `audiomap search <clip|id> --db <table.lance>`: nearest clips in a LanceDB table. */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { loadModelFromFlags, nonNegativeInt } from "../options.js";
import { addOutputOptions, type OutputFlags } from "../output.js";
import { CliError, ExitCode } from "../run.js";

interface SearchFlags extends OutputFlags {
  db: string;
  k: number;
  metric: "l2" | "cosine";
  model?: string;
  device: string;
}

/** Registers `search`. */
export function registerSearch(program: Command): void {
  const command = program
    .command("search")
    .description(
      "list the clips nearest to an audio file or to a stored id in a LanceDB table (embed --format lance)",
    )
    .argument("<query>", "audio file (embedded with the table's settings) or the id of a row")
    .requiredOption("--db <table.lance>", "LanceDB table written by `embed -o <name>.lance`")
    .option("-k <k>", "neighbours", nonNegativeInt, 10)
    .addOption(
      new Option("--metric <metric>", "l2: Euclidean distance; cosine: 1 - cosine similarity")
        .choices(["l2", "cosine"])
        .default("l2"),
    )
    .option("--model <file.pt>", "model for a file query (default: the one that built the table)")
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "auto");
  addOutputOptions(command, "print the hits as one JSON document on stdout")
    .addHelpText("after", "\nExample:\n  audiomap search query.wav --db emb.lance -k 5")
    .action(async (query: string, flags: SearchFlags) => {
      const emb = await import("@audiomap/embeddings");
      let vector: Float32Array | undefined;
      if (existsSync(query) && emb.isAudioFile(query)) vector = await embedQuery(query, flags);
      else vector = await emb.lanceEmbeddingOf(flags.db, query);
      if (!vector)
        throw new CliError(
          `"${query}" is neither an audio file nor an id in ${flags.db}`,
          ExitCode.usage,
        );
      const hits = await emb.searchLance(flags.db, vector, { k: flags.k, metric: flags.metric });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(hits.map(({ record: _r, ...h }) => h))}\n`);
        return;
      }
      const name = flags.metric === "l2" ? "L2 distance" : "cosine distance (1 - cos)";
      process.stdout.write(`rank  ${name}  id [label]\n`);
      for (const [i, h] of hits.entries()) {
        process.stdout.write(
          `${String(i + 1).padStart(3)}  ${h.distance.toFixed(4)}  ${h.id}${h.label ? `  [${h.label}]` : ""}\n`,
        );
      }
      process.stdout.write(
        hits[0]?.index
          ? `search: the table's Lance vector index (${hits[0].index}, approximate)\n`
          : "search: exhaustive scan (the table has no vector index on embedding)\n",
      );
    });
}

/** Embeds one file with the settings the table was built with (its .audiomap.json sidecar). */
async function embedQuery(file: string, flags: SearchFlags): Promise<Float32Array> {
  const emb = await import("@audiomap/embeddings");
  const sidecar = `${flags.db}.audiomap.json`;
  const settings = existsSync(sidecar)
    ? (JSON.parse(await readFile(sidecar, "utf8")) as {
        model?: string;
        layer?: string;
        pool?: "mean" | "meanstd" | "max";
        normalize?: boolean;
      })
    : {};
  const { model } = await loadModelFromFlags({
    model: flags.model ?? settings.model,
    device: flags.device,
  });
  try {
    const records = [{ index: 0, record: { id: file, source: { path: file } } }];
    for await (const chunk of emb.embedRecords(model, records, {
      decode: emb.decodeAudio,
      layer: settings.layer,
      pool: settings.pool,
      normalize: settings.normalize,
    })) {
      if (chunk.errors[0])
        throw new CliError(`${file}: ${chunk.errors[0].code} ${chunk.errors[0].reason}`);
      return chunk.embeddings.slice(0, chunk.dim);
    }
    throw new CliError(`${file}: nothing embedded`);
  } finally {
    await model.dispose();
  }
}
