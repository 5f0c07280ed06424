// Command-line options of the bench scripts: node:util's parseArgs plus `--help`, which prints
// the script's header comment (its usage), and a one-line error with exit code 2 for an
// unknown or malformed option instead of a stack trace.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The `//` comment block that opens the file at `url`, without the comment markers. */
function usage(url) {
  const lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
  const start = lines[0]?.startsWith("#!") ? 1 : 0;
  const header = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("//")) break;
    header.push(line.replace(/^\/\/ ?/, ""));
  }
  return header.join("\n");
}

/**
 * Parses process.argv for the bench script at `url` (pass `import.meta.url`) with parseArgs
 * `options`; returns its `values`. Exits 0 after printing the usage for `--help`/`-h`, and 2
 * with the reason for an option the script does not know.
 */
export function benchArgs(url, options) {
  let parsed;
  try {
    parsed = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    process.stderr.write(`${error.message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage(url)}\n`);
    process.exit(0);
  }
  return parsed.values;
}
