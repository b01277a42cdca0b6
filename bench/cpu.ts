import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Linux reports /proc in USER_HZ ticks, which is 100 on every mainstream kernel. */
export const TICKS_PER_SECOND = 100;

export interface CpuSplit {
  /** This process: the service (the bench's own bookkeeping between phases is not in a phase). */
  nodeSeconds: number;
  nodeSystemShare: number;
  /** The service database's backends plus the server's WAL writer, checkpointer and friends. */
  postgresSeconds: number | null;
  /** The load generator's process, when it runs in its own (null: it shares the service's event loop). */
  loadSeconds: number | null;
  /** Busy time of the machine outside all of them: anything else running that could skew the numbers. */
  otherSeconds: number | null;
  /** Busy time of the whole machine (every core, every process) during the phase. */
  machineSeconds: number | null;
  /** Share of all cores that was busy during the phase. */
  machineBusy: number | null;
}

/**
 * Where the CPU went during a phase. On a 2-core machine the service's event loop and the
 * database compete for the same cores, so "which one ran out" is the first question to answer.
 * `postgresPids` lists the server processes that count as the service's database work; they
 * can only be read through /proc when PostgreSQL runs on this machine.
 */
export async function startCpuMeter(postgresPids: () => Promise<number[]>, loadPid?: number): Promise<() => Promise<CpuSplit>> {
  const node = process.cpuUsage();
  const loadBefore = loadPid === undefined ? null : processTicks(loadPid);
  const machine = machineTicks();
  const postgresBefore = new Map((await postgresPids()).map((pid) => [pid, processTicks(pid)]));
  const started = performance.now();
  return async () => {
    const used = process.cpuUsage(node);
    const nodeSeconds = (used.user + used.system) / 1e6;
    const wallSeconds = (performance.now() - started) / 1000;
    const now = machineTicks();
    const busySeconds = machine !== null && now !== null ? (now - machine) / TICKS_PER_SECOND : null;

    let postgresTicks: number | null = 0;
    for (const pid of await postgresPids()) {
      const ticks = processTicks(pid);
      if (ticks === null) continue;
      // A backend that connected during the phase started from zero.
      postgresTicks += ticks - (postgresBefore.get(pid) ?? 0);
    }
    if (![...postgresBefore.values()].some((ticks) => ticks !== null)) postgresTicks = null;
    const postgresSeconds = postgresTicks === null ? null : postgresTicks / TICKS_PER_SECOND;
    const loadAfter = loadPid === undefined ? null : processTicks(loadPid);
    const loadSeconds = loadBefore === null || loadAfter === null ? null : (loadAfter - loadBefore) / TICKS_PER_SECOND;

    return {
      nodeSeconds,
      nodeSystemShare: nodeSeconds > 0 ? used.system / 1e6 / nodeSeconds : 0,
      postgresSeconds,
      loadSeconds,
      otherSeconds: busySeconds === null ? null : Math.max(0, busySeconds - nodeSeconds - (postgresSeconds ?? 0) - (loadSeconds ?? 0)),
      machineSeconds: busySeconds,
      machineBusy: busySeconds === null ? null : busySeconds / (wallSeconds * cpus().length),
    };
  };
}

/** Busy ticks of every core since boot (USER_HZ). */
export function machineTicks(): number | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are the not-busy ones.
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + (steal ?? 0);
}

function processTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is parenthesised and may contain spaces: state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}
