import type { Command } from "commander";
import { addOutputOptions, type OutputFlags } from "../output.js";
import { intIn, kRange, numberIn, oneOf } from "../viz/flags.js";
import type { RegisterCommand } from "./index.js";

/** `audiomap report <embeddings...> -o dir`: metrics, pictures and a comparison of several files. */
export const registerReport: RegisterCommand = (program: Command) => {
  const command = program
    .command("report")
    .description(
      "write an HTML + Markdown report: metrics, UMAP map, cluster×label heat map, examples, and top-1 accuracy with a confusion matrix when there is a prediction column",
    )
    .argument(
      "<embeddings...>",
      "one or more embedding files; the first is the main one, the others are compared",
    )
    .requiredOption("-o, --output <dir>", "report folder")
    .option(
      "--layout <file>",
      "use this layout (from `audiomap umap`) for the main file instead of computing one",
    )
    .option("--clusters <file>", "use these clusters (from `audiomap cluster`) for the main file")
    .option("--title <text>", "report title", "audiomap report")
    .option("--names <list>", "comma-separated run names (default: file names)")
    .option(
      "--method <name>",
      "kmeans, hdbscan or agglomerative",
      oneOf("kmeans", "hdbscan", "agglomerative"),
      "kmeans",
    )
    .option("--k <n>", "number of clusters (default: the number of labels)", intIn(2, 100_000))
    .option("--auto-k <kmin:kmax>", "choose k by silhouette over this range", kRange)
    .option("--min-cluster-size <n>", "HDBSCAN minimum cluster size", intIn(2, 1_000_000), 10)
    .option("--neighbors <n>", "UMAP n_neighbors", intIn(2, 1000), 15)
    .option("--min-dist <x>", "UMAP min_dist", numberIn(0, 10), 0.1)
    .option(
      "--metric <name>",
      "UMAP metric: euclidean or cosine",
      oneOf("euclidean", "cosine"),
      "euclidean",
    )
    .option("--seed <n>", "random seed", intIn(0, 2 ** 31 - 1), 42)
    .option("--label-column <name>", "label column (default: label, target, class, species…)")
    .option(
      "--audio <mode>",
      "clips in the report: link, embed or none",
      oneOf("link", "embed", "none"),
      "link",
    )
    .option(
      "--page-neighbors <k>",
      "nearest clips in embedding space listed in map.html on click (0: none)",
      intIn(0, 100),
      10,
    )
    .option("--summary <key=value...>", "extra dataset/model facts for the summary table");
  addOutputOptions(command)
    .addHelpText("after", "\nExample:\n  audiomap report emb.parquet -o report/")
    .action(async (inputs: string[], opts: ReportOptions) => {
      const { runReportCommand } = await import("../viz/report-command.js");
      await runReportCommand(inputs, opts);
    });
};

/** Parsed flags of `audiomap report`. */
export interface ReportOptions extends OutputFlags {
  output: string;
  layout?: string;
  clusters?: string;
  title: string;
  names?: string;
  method: "kmeans" | "hdbscan" | "agglomerative";
  k?: number;
  autoK?: [number, number];
  minClusterSize: number;
  neighbors: number;
  minDist: number;
  metric: "euclidean" | "cosine";
  seed: number;
  labelColumn?: string;
  audio: "link" | "embed" | "none";
  /** Embedding-space neighbours per clip in map.html. */
  pageNeighbors: number;
  summary?: string[];
}
