/** `audiomap demo`: the main job from spoken keywords to a report, in one command. */
import { type Command, Option } from "commander";
import { type ModelFlags, nonNegativeInt } from "../options.js";
import { intIn, kRange, oneOf } from "../viz/flags.js";

/** Parsed flags of `audiomap demo`. */
export interface DemoFlags extends ModelFlags {
  /** Report folder. Default: .cache/demo/report of the clone, or ~/.cache/audiomap/demo/report. */
  out?: string;
  /** Cache of the generated clips. Default: .cache/demo/data of the clone, or ~/.cache/audiomap/demo/data. */
  dataDir?: string;
  /** Clips per word. Default 24. */
  perWord: number;
  /** Comma-separated subset of the 35 words. Default: all. */
  words?: string;
  /** Seed of UMAP and k-means. Default 42. */
  seed: number;
  /** Choose k by silhouette over this range instead of k = number of words. */
  autoK?: [number, number];
  /** Layer spec, as for `embed`. Default "-1". */
  layer: string;
  normalize?: boolean;
  /** Clips in the report: link (relative paths), embed or none. Default "link". */
  audio: "link" | "embed" | "none";
  json?: boolean;
  quiet?: boolean;
}

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "generate spoken keywords with espeak-ng (held-out voices), embed, classify, map, cluster and write a report",
    )
    .option(
      "--out <dir>",
      "report folder (default: .cache/demo/report in a clone, ~/.cache/audiomap/demo/report from an install)",
    )
    .option(
      "--data-dir <dir>",
      "cache of the generated clips, reused by reruns (default: demo/data beside the report folder's default)",
    )
    .option(
      "--model <file.pt>",
      "exported model (default: $AUDIOMAP_MODEL, else the bundled @audiomap/model-kws)",
    )
    .option("--per-word <n>", "clips per word", intIn(1, 1000), 24)
    .option("--words <list>", "comma-separated subset of the 35 words (default: all)")
    .option("--seed <n>", "seed of UMAP and k-means", intIn(0, 2 ** 31 - 1), 42)
    .option("--auto-k <kmin:kmax>", "choose k by silhouette (default: k = number of words)", kRange)
    .option("--layer <spec>", "hidden state to embed, as for `audiomap embed`", "-1")
    .option("--normalize", "L2-normalise each embedding")
    .option(
      "--audio <mode>",
      "clips in the report: link, embed or none",
      oneOf("link", "embed", "none"),
      "link",
    )
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "auto")
    .addOption(
      new Option("--dtype <dtype>", "model precision").choices(["float32", "float16", "bfloat16"]),
    )
    .option("--threads <n>", "intra-op threads (default: all cores)", nonNegativeInt)
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress output")
    .addHelpText("after", "\nExample:\n  audiomap demo --out demo-report --per-word 8")
    .action(async (flags: DemoFlags) => {
      const { runDemo } = await import("../demo/run.js");
      await runDemo(flags);
    });
}
