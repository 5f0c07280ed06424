export { CliError, ExitCode } from "./run.js";
