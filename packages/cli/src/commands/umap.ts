import type { Command } from "commander";
import { addOutputOptions, type OutputFlags } from "../output.js";
import { intIn, numberIn, oneOf } from "../viz/flags.js";
import type { RegisterCommand } from "./index.js";

/**
 * `audiomap umap <embeddings> -o layout.parquet|.csv`: projects vectors to 2-D or 3-D; with
 * `--fit-sample N` fits on a sample and places the rest, `--save-model` keeps the fitted layout,
 * and `--transform-with` places another file's rows (a shard) onto a saved one.
 */
export const registerUmap: RegisterCommand = (program: Command) => {
  const command = program
    .command("umap")
    .description("project embeddings to a 2-D/3-D UMAP layout, with optional pictures")
    .argument(
      "<embeddings>",
      "embeddings or any numeric table (.parquet, .csv, .npy + .jsonl, .jsonl, .lance, .tsv)",
    )
    .requiredOption("-o, --output <file>", "layout file: .parquet or .csv (x, y[, z] + metadata)")
    .option("--dims <n>", "2 or 3", (v: string) => intIn(2, 3)(v) as 2 | 3, 2)
    .option("--neighbors <n>", "UMAP n_neighbors", intIn(2, 1000), 15)
    .option("--min-dist <x>", "UMAP min_dist", numberIn(0, 10), 0.1)
    .option("--spread <x>", "UMAP spread", numberIn(0.01, 100), 1)
    .option("--metric <name>", "euclidean or cosine", oneOf("euclidean", "cosine"), "euclidean")
    .option("--seed <n>", "random seed (same seed, same layout)", intIn(0, 2 ** 31 - 1), 42)
    .option(
      "--fit-sample <n>",
      "fit on a seeded uniform sample of n rows, then place the other rows onto it",
      intIn(2, 2 ** 31 - 1),
    )
    .option("--save-model <file>", "also write the fitted layout, for --transform-with")
    .option(
      "--transform-with <model>",
      "place the rows onto a layout saved by --save-model instead of fitting one",
    )
    .option(
      "--threads <n>",
      "layout SGD threads, 0 = all cores; only 1 gives the same layout for a seed",
      intIn(0, 1024),
      1,
    )
    .option("--supervised", "use the label column to guide the layout")
    .option("--label-column <name>", "label column (default: label, target, class, species…)")
    .option("--column <name>", "vector column of a Parquet file (default: embedding)")
    .option("--png [file]", "also draw a PNG scatter (default: next to the output)")
    .option("--svg [file]", "also draw an SVG scatter (default: next to the output)")
    .option("--html [file]", "also write the interactive page (default: next to the output)")
    .option(
      "--audio <mode>",
      "audio in the page: link, embed or none",
      oneOf("link", "embed", "none"),
      "link",
    )
    .option("--title <text>", "picture title (default: the input's file name)");
  addOutputOptions(command)
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  audiomap umap emb.parquet -o emb.layout.parquet --png --html",
        "  audiomap umap all.parquet --fit-sample 50000 --save-model all.umap -o all.layout.parquet",
        "  audiomap umap shard-3.parquet --transform-with all.umap -o shard-3.layout.parquet",
      ].join("\n"),
    )
    .action(async (input: string, opts: UmapOptions) => {
      const { runUmapCommand } = await import("../viz/umap-command.js");
      await runUmapCommand(input, opts);
    });
};

/** Parsed flags of `audiomap umap`. */
export interface UmapOptions extends OutputFlags {
  output: string;
  dims: 2 | 3;
  neighbors: number;
  minDist: number;
  spread: number;
  metric: "euclidean" | "cosine";
  seed: number;
  fitSample?: number;
  saveModel?: string;
  transformWith?: string;
  threads: number;
  supervised?: boolean;
  labelColumn?: string;
  column?: string;
  png?: string | boolean;
  svg?: string | boolean;
  html?: string | boolean;
  audio: "link" | "embed" | "none";
  title?: string;
}
