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
    .option(
      "--auto-k <kmin:kmax>",
      "choose k by silhouette over this range (kmeans); above 50,000 points the sweep runs on a uniform 50,000-row sample, then the chosen k is fitted once on all rows",
      kRange,
    )
    .option(
      "--minibatch",
      "kmeans: mini-batch k-means (scikit-learn's MiniBatchKMeans rules; for 1M+ points) instead of full Lloyd iterations",
    )
    .option("--min-cluster-size <n>", "HDBSCAN minimum cluster size", intIn(2, 1_000_000), 10)
    .option(
      "--min-samples <n>",
      "HDBSCAN core-distance neighbourhood, the point itself counted (default: --min-cluster-size)",
      intIn(1, 1_000_000),
    )
    .option(
      "--linkage <name>",
      "agglomerative linkage: ward or average",
      oneOf("ward", "average"),
      "ward",
    )
    .option(
      "--knn <n>",
      "neighbours per point of the kNN graph that hdbscan (above 20,000 points) and agglomerative (above 8,000) cluster on (default: hdbscan max(15, min samples), agglomerative 15)",
      intIn(1, 10_000),
    )
    .option("--seed <n>", "random seed", intIn(0, 2 ** 31 - 1), 42)
    .option("--label-column <name>", "label column (default: label, target, class, species…)")
    .option("--column <name>", "vector column of a Parquet file (default: embedding)");
  addOutputOptions(command)
    .addHelpText(
      "after",
      "\nExamples:\n  audiomap cluster emb.parquet --method kmeans --auto-k 10:40 -o emb.clusters.parquet\n  audiomap cluster big.parquet --method kmeans --k 50 --minibatch -o big.clusters.parquet",
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
  minibatch?: boolean;
  minClusterSize: number;
  minSamples?: number;
  linkage: "ward" | "average";
  knn?: number;
  seed: number;
  labelColumn?: string;
  column?: string;
}
