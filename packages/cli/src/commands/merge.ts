/** `audiomap merge <shards...> -o <out>`: join shard outputs back into source order. */
import { type Command, Option } from "commander";
import { OUTPUT_FORMATS, type OutputFormatFlag, outputFormat } from "../options.js";
import { addOutputOptions, emit, type OutputFlags } from "../output.js";
import { CliError, ExitCode } from "../run.js";

/** Registers `merge`. */
export function registerMerge(program: Command): void {
  const command = program
    .command("merge")
    .description(
      "merge the outputs of `embed --shard i/N` runs into one, in source order; needs all N shards of one run",
    )
    .argument("<inputs...>", "shard outputs")
    .requiredOption(
      "-o, --output <path>",
      "merged output: .parquet, .csv, .npy, .lance or .jsonl; the extension names the format",
    )
    .addOption(
      new Option(
        "--format <format>",
        "output format, for a name with another extension (default: from the extension)",
      ).choices(OUTPUT_FORMATS),
    );
  addOutputOptions(command)
    .addHelpText("after", "\nExample:\n  audiomap merge out/part-*.parquet -o all.parquet")
    .action(
      async (
        inputs: string[],
        flags: { output: string; format?: OutputFormatFlag } & OutputFlags,
      ) => {
        const { existsSync } = await import("node:fs");
        const missing = inputs.filter((p) => !existsSync(p));
        if (missing.length) throw new CliError(`not found: ${missing.join(", ")}`, ExitCode.usage);
        const format = await outputFormat(flags.output, flags.format);
        const { mergeOutputs } = await import("@audiomap/embeddings");
        const summary = await mergeOutputs(inputs, flags.output, { format }).catch((err) => {
          // Not the shards of one run (a shard missing or twice, other settings or another
          // source) is a usage error; a shard whose rows do not add up exits 1.
          const code = (err as { code?: string }).code ?? "";
          if (["ERR_MERGE_SHARDS", "ERR_MERGE_MISMATCH", "ERR_USAGE"].includes(code))
            throw new CliError(`${(err as Error).message} [${code}]`, ExitCode.usage);
          throw err;
        });
        emit(
          flags,
          summary,
          () => [
            `${summary.rows} rows and ${summary.errors} error rows from ${summary.inputs} shards → ${summary.output}`,
          ],
          process.stderr,
        );
        if (summary.errors > 0) process.exitCode = ExitCode.partial;
      },
    );
}
