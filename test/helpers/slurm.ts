/**
 * A throwaway single-node Slurm cluster for tests: munged, slurmctld and slurmd started as the
 * current user (root or not) with everything (key, socket, config, state, spool, logs) in one
 * folder, and stopped again, daemons and any job process left, by `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { cpus, hostname, userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Debian puts the daemons in /usr/sbin, which an ordinary user's PATH may lack. */
const SEARCH = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
const TOOLS = ["munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scancel"] as const;

/** Full path of each tool, or null for one not installed. */
function findTool(name: string): string | null {
  for (const dir of SEARCH) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  return null;
}

/** The tools that are not installed (none once scripts/setup.sh has run). */
export function missingSlurmTools(): string[] {
  return TOOLS.filter((t) => findTool(t) === null);
}

/** A running cluster. */
export interface SlurmCluster {
  /** Environment for Slurm's client commands (sbatch, sinfo): SLURM_CONF and PATH. */
  env: NodeJS.ProcessEnv;
  /** The node's name (this host's short name). */
  node: string;
  /** The daemons' logs, for a failure message. */
  logs(): string;
  /** Cancels jobs, stops the daemons (TERM, then KILL) and any process left from a job. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

function tool(name: (typeof TOOLS)[number]): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed (apt-get install slurm-wlm munge)`);
  return path;
}

/** slurm.conf for one node, `node`, with `cpus` CPUs; every path inside `dir`. */
function slurmConf(dir: string, node: string, user: string, ports: [number, number]): string {
  return `${[
    "ClusterName=audiomaptest",
    `SlurmctldHost=${node}(127.0.0.1)`,
    `SlurmctldPort=${ports[0]}`,
    `SlurmdPort=${ports[1]}`,
    // Every daemon runs as the user running the test, so no root is needed (slurmd can start
    // jobs only for its own user then, which is all a test submits).
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${join(dir, "munge", "munge.socket")}`,
    `StateSaveLocation=${join(dir, "state")}`,
    `SlurmdSpoolDir=${join(dir, "spool")}`,
    `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
    `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
    `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
    `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
    // No cgroups: linuxproc tracks a job's processes by parentage, task/none binds nothing.
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    // The builtin scheduler starts each array task as soon as a CPU is free; the default
    // backfill scheduler would leave the later ones waiting for its next pass (30 s).
    "SchedulerType=sched/builtin",
    // `sbatch --wait` polls after 2, 8 and then every 32 s unless MinJobAge / 2 is at most 2
    // (finished jobs must stay listed until its next poll): so a 5 s age, and 2 s polls.
    "MinJobAge=5",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "MpiDefault=none",
    "ReturnToService=2",
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
    `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
  ].join("\n")}\n`;
}

/** Polls `check` every 200 ms until it returns true, else throws `what` after `ms`. */
async function waitFor(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(what());
    await sleep(200);
  }
}

/** Pids of processes whose environment holds `entry` (job processes inherit SLURM_CONF). */
function pidsWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, "latin1").split("\0").includes(entry))
        pids.push(Number(name));
    } catch {
      // gone, or another user's: not ours
    }
  }
  return pids;
}

/**
 * Starts munged, slurmctld and slurmd with their files in `dir` (created; every folder above it
 * must be open to others, as munged demands) and waits until `sinfo` shows the node idle. On
 * failure everything started is stopped again.
 */
export async function startSlurm(dir: string): Promise<SlurmCluster> {
  const node = hostname().split(".")[0] as string; // what `hostname -s` prints
  const user = userInfo().username;
  for (const sub of ["munge", "state", "spool", "log"])
    mkdirSync(join(dir, sub), { recursive: true });
  // munged refuses a socket whose folder, or any folder above, others cannot enter (so `dir`
  // and its parents must be 0755, not mkdtemp's 0700), and a key others can read.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, "munge"), 0o755);
  const key = join(dir, "munge", "munge.key");
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const conf = join(dir, "slurm.conf");
  writeFileSync(conf, slurmConf(dir, node, user, [await freePort(), await freePort()]));
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SLURM_"))),
    SLURM_CONF: conf,
    PATH: SEARCH.filter(Boolean).join(delimiter),
  };
  const children: ChildProcess[] = [];
  const daemon = (name: (typeof TOOLS)[number], args: string[]) => {
    const out = join(dir, "log", `${name}.out`);
    writeFileSync(out, "");
    const child = spawn(tool(name), args, {
      env,
      detached: true, // its own process group, killed as one
      stdio: ["ignore", "pipe", "pipe"],
    });
    const append = (b: Buffer) => writeFileSync(out, b, { flag: "a" });
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    child.on("error", (err) => append(Buffer.from(`${err}\n`)));
    children.push(child);
  };
  const logs = () =>
    readdirSync(join(dir, "log"))
      .map((f) => `--- ${f}\n${readFileSync(join(dir, "log", f), "utf8").slice(-3000)}`)
      .join("\n");
  const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
  const stop = async () => {
    spawnSync(tool("scancel"), ["--user", user], { env, stdio: "ignore", timeout: 10_000 });
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      for (const c of children.filter(running)) {
        try {
          process.kill(-(c.pid as number), signal);
        } catch {
          // already gone
        }
      }
      const end = Date.now() + 10_000;
      while (children.some(running) && Date.now() < end) await sleep(100);
    }
    // A job's processes outlive a killed slurmd (slurmstepd and the script run in their own
    // sessions); they carry this cluster's SLURM_CONF in their environment.
    for (const pid of pidsWithEnv(`SLURM_CONF=${conf}`)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  try {
    const socket = join(dir, "munge", "munge.socket");
    daemon("munged", [
      "--foreground",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--log-file=${join(dir, "log", "munged.log")}`,
      `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--seed-file=${join(dir, "munge", "munged.seed")}`,
    ]);
    const alive = () => {
      const dead = children.find((c) => !running(c));
      if (dead) throw new Error(`${dead.spawnfile} exited (${dead.exitCode})\n${logs()}`);
      return true;
    };
    await waitFor(
      () => alive() && existsSync(socket),
      15_000,
      () => `no munged\n${logs()}`,
    );
    daemon("slurmctld", ["-D"]);
    daemon("slurmd", ["-D", "-N", node]);
    const state = () =>
      spawnSync(tool("sinfo"), ["-h", "-N", "-o", "%T"], { env, encoding: "utf8" }).stdout?.trim();
    await waitFor(
      () => alive() && state() === "idle",
      60_000,
      () => `the node never became idle (sinfo: ${state()})\n${logs()}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, node, logs, stop };
}
