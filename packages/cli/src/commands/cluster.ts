import type { Command } from "commander";
import { addOutputOptions, type OutputFlags } from "../output.js";
import { intIn, kRange, oneOf } from "../viz/flags.js";
import type { RegisterCommand } from "./index.js";

/** `audiomap cluster <table> -o clusters.csv|.parquet`: k-means, HDBSCAN or Ward clustering. */
export const registerCluster: RegisterCommand = (program: Command) => {
  const command = program
    .command("cluster")
    .description("cluster embeddings or a layout and score the clusters against the labels")
    .argument(
      "<table>",
      "embeddings or layout (.parquet, .csv, .npy + .jsonl, .jsonl, .lance, .tsv)",
    )
    .requiredOption(
      "-o, --output <file>",
      "clusters file: .parquet or .csv (id, cluster + metadata)",
    )
    .option(
      "--method <name>",
      "kmeans, hdbscan or agglomerative",
      oneOf("kmeans", "hdbscan", "agglomerative"),
      "kmeans",
    )
    .option("--k <n>", "number of clusters (kmeans, agglomerative)", intIn(2, 100_000))
    .option("--auto-k <kmin:kmax>", "choose k by silhouette over this range (kmeans)", kRange)
    .option("--min-cluster-size <n>", "HDBSCAN minimum cluster size", intIn(2, 1_000_000), 10)
    .option("--seed <n>", "random seed", intIn(0, 2 ** 31 - 1), 42)
    .option("--label-column <name>", "label column (default: label, target, class, species…)")
    .option("--column <name>", "vector column of a Parquet file (default: embedding)");
  addOutputOptions(command)
    .addHelpText(
      "after",
      "\nExample:\n  audiomap cluster emb.parquet --method kmeans --auto-k 10:40 -o emb.clusters.parquet",
    )
    .action(async (input: string, opts: ClusterOptions) => {
      const { runClusterCommand } = await import("../viz/cluster-command.js");
      await runClusterCommand(input, opts);
    });
};

/** Parsed flags of `audiomap cluster`. */
export interface ClusterOptions extends OutputFlags {
  output: string;
  method: "kmeans" | "hdbscan" | "agglomerative";
  k?: number;
  autoK?: [number, number];
  minClusterSize: number;
  seed: number;
  labelColumn?: string;
  column?: string;
}
