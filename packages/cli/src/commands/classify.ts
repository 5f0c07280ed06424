/** `audiomap classify <source|file>`: top-k keywords per clip, or keyword events in recordings. */
import { type Command, Option } from "commander";
import {
  type DecodeLimitFlags,
  decodeLimits,
  loadModelFromFlags,
  type ModelFlags,
  nonNegativeInt,
  nonNegativeNumber,
  positiveNumber,
  probability,
} from "../options.js";
import { ProgressBar, progressEnabled } from "../progress.js";
import { CliError, ExitCode } from "../run.js";
import { addSourceOptions, type SourceFlags } from "../sources.js";

interface ClassifyFlags extends ModelFlags, SourceFlags, DecodeLimitFlags {
  topK: number;
  detect?: boolean;
  window: number;
  hop: number;
  threshold: number;
  iou: number;
  json?: boolean;
  jsonl?: boolean;
  quiet?: boolean;
}

/** Registers `classify`. */
export function registerClassify(program: Command): void {
  const command = program
    .command("classify")
    .description("keyword spotting: top-k labels per clip, or --detect events in long recordings")
    .argument("<sources...>", "audio files or datasets (as for embed), one or more")
    .option(
      "--model <file.pt>",
      "exported model with a classification head (default: $AUDIOMAP_MODEL, else the bundled @audiomap/model-kws)",
    )
    .option("-k, --top-k <k>", "labels per clip", nonNegativeInt, 3)
    .option("--detect", "slide a window over each recording and report keyword events")
    .option("--window <s>", "detection window, seconds", positiveNumber, 1)
    .option("--hop <s>", "detection hop, seconds", positiveNumber, 0.25)
    .option("--threshold <p>", "lowest probability that makes an event", probability, 0.5)
    .option(
      "--iou <x>",
      "NMS: largest IoU kept between two events of one label (0: no overlap)",
      nonNegativeNumber,
      0,
    );
  addSourceOptions(command)
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "auto")
    .addOption(
      new Option(
        "--dtype <dtype>",
        "model precision; qint8 needs a file exported with --dtype qint8 (CPU)",
      ).choices(["float32", "float16", "bfloat16", "qint8"]),
    )
    .option("--threads <n>", "intra-op threads", nonNegativeInt)
    .option("--json", "print one JSON document on stdout: {model, clips: [...], ok, failed}")
    .option("--jsonl", "stream one JSON object per clip on stdout, as each is classified")
    .option("-q, --quiet", "no progress bar")
    .addHelpText(
      "after",
      "\nExamples:\n  audiomap classify clips/*.wav -k 3\n  audiomap classify long.wav --detect --json",
    )
    .action(async (sources: string[], flags: ClassifyFlags) => runClassify(sources, flags));
}

function formatTop(top: { label: string; score: number }[]): string {
  return top.map((t) => `${t.label} ${t.score.toFixed(3)}`).join("  ");
}

async function runClassify(sources: string[], flags: ClassifyFlags): Promise<void> {
  const emb = await import("@audiomap/embeddings");
  const { openSources } = await import("../sources.js");
  if (flags.json && flags.jsonl)
    throw new CliError("give --json or --jsonl, not both", ExitCode.usage);
  const opened = await openSources(sources, flags);
  const { model } = await loadModelFromFlags(flags);
  const bar = new ProgressBar(progressEnabled(flags.quiet));
  const progress = { done: 0, failed: 0, audioSec: 0, total: opened.size };
  // --json collects every clip into one document, printed once at the end; --jsonl streams.
  const clips: Record<string, unknown>[] = [];
  const print = (obj: Record<string, unknown>, text: string) => {
    if (flags.json) clips.push(obj);
    else process.stdout.write(flags.jsonl ? `${JSON.stringify(obj)}\n` : `${text}\n`);
  };
  try {
    if (!model.info.hasHead) {
      throw new CliError(
        `${model.path} has no classification head; classify needs a model exported with one`,
      );
    }
    if (flags.detect) {
      let index = 0;
      for await (const record of opened.records) {
        const i = index++;
        const src = "bytes" in record.source ? record.source.bytes : record.source.path;
        const path = "path" in record.source ? (record.source.path ?? null) : null;
        try {
          if (record.invalid)
            throw Object.assign(new Error(record.invalid.reason), { code: record.invalid.code });
          const audio = await emb.decodeAudio(src, {
            ...decodeLimits(flags),
            targetRate: model.info.samplingRate,
          });
          const events = await emb.detectKeywords(model, audio.samples, {
            window: flags.window,
            hop: flags.hop,
            threshold: flags.threshold,
            iou: flags.iou,
          });
          progress.audioSec += audio.durationSec;
          const text = events.length
            ? events
                .map(
                  (e) =>
                    `${record.id}\t${e.start.toFixed(2)}\t${e.end.toFixed(2)}\t${e.label}\t${e.score.toFixed(3)}`,
                )
                .join("\n")
            : `${record.id}\t(no events)`;
          print({ index: i, id: record.id, path, events }, text);
        } catch (err) {
          const e = err as Error & { code?: string };
          progress.failed++;
          print(
            {
              index: i,
              id: record.id,
              path,
              error: { code: e.code ?? "ERR_DECODE", reason: e.message },
            },
            `${record.id}\terror: ${e.message}`,
          );
        }
        progress.done++;
        bar.update(progress);
      }
    } else {
      const indexed = (async function* () {
        let index = 0;
        for await (const record of opened.records) yield { index: index++, record };
      })();
      for await (const r of emb.classifyRecords(model, indexed, {
        decode: emb.decodeAudio,
        decodeLimits: decodeLimits(flags),
        topK: flags.topK,
      })) {
        progress.done++;
        if (r.error) {
          progress.failed++;
          print(
            {
              index: r.index,
              id: r.id,
              path: r.path,
              error: { stage: r.error.stage, code: r.error.code, reason: r.error.reason },
            },
            `${r.id}\terror: ${r.error.code} ${r.error.reason}`,
          );
        } else {
          print(
            { index: r.index, id: r.id, path: r.path, label: r.label, top: r.top },
            `${r.id}\t${formatTop(r.top ?? [])}`,
          );
        }
        bar.update(progress);
      }
    }
    bar.done();
    if (flags.json) {
      const summary = {
        model: model.path,
        mode: flags.detect ? "detect" : "classify",
        clips,
        ok: progress.done - progress.failed,
        failed: progress.failed,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    }
    if (progress.failed > 0) process.exitCode = ExitCode.partial;
  } finally {
    bar.done();
    await model.dispose();
  }
}
