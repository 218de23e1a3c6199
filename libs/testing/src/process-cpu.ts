import fs from 'node:fs';

/** Linux's USER_HZ: the unit of /proc/<pid>/stat's CPU times on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

interface ProcessTimes {
  parent: number;
  /** User plus system CPU, in seconds. */
  seconds: number;
}

/** Every process /proc shows, with its parent and CPU time; empty where there is no /proc. */
function readProcesses(): Map<number, ProcessTimes> {
  const processes = new Map<number, ProcessTimes>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return processes;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 4 (ppid), 14 (utime) and 15 (stime), counted from the state (field 3) at index 0.
    const parent = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    processes.set(Number(entry), { parent, seconds: ticks / TICKS_PER_SECOND });
  }
  return processes;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/**
 * Names the processes a benchmark of this repository starts: the services, Kafka, FerretDB, and the
 * MongoDB engine's runner, which is where the local engines' write guard runs.
 */
export function benchProcessPart(commandLine: string): string {
  const service = /services\/(\w+)\/dist\/main\.js/.exec(commandLine);
  if (service) return `${service[1]} service`;
  if (commandLine.includes('kafka.Kafka')) return 'Kafka';
  if (/engines\/dist\/cli\.js mongo\b/.test(commandLine)) return 'write guard';
  if (/engines\/dist\/cli\.js/.test(commandLine)) return 'engine runners';
  if (/ferretdb/i.test(commandLine)) return 'FerretDB';
  return 'other';
}

/** The CPU seconds each part of a process tree used between `cpuOfProcessTree` and `read()`. */
export interface ProcessTreeCpu {
  /** Seconds by part, as `partOf` named them; the root process itself is `bench`. */
  read(): Map<string, number>;
}

/**
 * Measures the CPU time of this process and every process under it (the engines and services a
 * benchmark starts), grouped into parts by their command lines: what the work cost the machine,
 * whatever the wall clock says. Linux only (/proc): elsewhere `read()` returns no parts. A process
 * that exits before `read()` is not counted.
 */
export function cpuOfProcessTree(
  partOf: (commandLine: string) => string = benchProcessPart,
  root = process.pid,
): ProcessTreeCpu {
  const descendants = (processes: Map<number, ProcessTimes>) => {
    const tree = new Set([root]);
    // Parents are not always listed before their children: repeat until nothing joins.
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, { parent }] of processes) {
        if (tree.has(pid) || !tree.has(parent)) continue;
        tree.add(pid);
        grew = true;
      }
    }
    return tree;
  };
  const before = readProcesses();
  return {
    read() {
      const now = readProcesses();
      const parts = new Map<string, number>();
      for (const pid of descendants(now)) {
        const used = (now.get(pid)?.seconds ?? 0) - (before.get(pid)?.seconds ?? 0);
        const part = pid === root ? 'bench' : partOf(commandLine(pid));
        parts.set(part, (parts.get(part) ?? 0) + used);
      }
      return parts;
    },
  };
}
