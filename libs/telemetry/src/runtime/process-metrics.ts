import { readFileSync, readdirSync } from 'node:fs';
import type { Instruments } from '../catalog';

/**
 * The process_* families, computed as the Prometheus client libraries compute them. The /proc
 * reads are Linux-only; elsewhere those families are left out rather than reported wrong.
 */
export function observeProcess(metrics: Instruments): void {
  const startTimeSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);

  metrics.process_cpu_user_seconds_total.addCallback((result) => {
    result.observe(process.cpuUsage().user / 1e6);
  });
  metrics.process_cpu_system_seconds_total.addCallback((result) => {
    result.observe(process.cpuUsage().system / 1e6);
  });
  metrics.process_cpu_seconds_total.addCallback((result) => {
    const { user, system } = process.cpuUsage();
    result.observe((user + system) / 1e6);
  });
  metrics.process_start_time_seconds.addCallback((result) => result.observe(startTimeSeconds));
  metrics.process_resident_memory_bytes.addCallback((result) => result.observe(process.memoryUsage.rss()));

  metrics.process_virtual_memory_bytes.addCallback((result) => {
    const status = readProcStatus();
    if (status.VmSize !== undefined) result.observe(status.VmSize);
  });
  metrics.process_heap_bytes.addCallback((result) => {
    const status = readProcStatus();
    if (status.VmData !== undefined) result.observe(status.VmData);
  });
  metrics.process_open_fds.addCallback((result) => {
    const open = countOpenFds();
    if (open !== undefined) result.observe(open);
  });
  const maxFds = readMaxFds();
  metrics.process_max_fds.addCallback((result) => {
    if (maxFds !== undefined) result.observe(maxFds);
  });
}

/** Memory fields of /proc/self/status, in bytes. */
function readProcStatus(): Partial<Record<'VmSize' | 'VmData', number>> {
  const text = readProc('/proc/self/status');
  if (text === undefined) return {};
  const fields: Partial<Record<'VmSize' | 'VmData', number>> = {};
  for (const match of text.matchAll(/^(VmSize|VmData):\s+(\d+) kB$/gm)) {
    fields[match[1] as 'VmSize' | 'VmData'] = Number(match[2]) * 1024;
  }
  return fields;
}

function countOpenFds(): number | undefined {
  try {
    // One entry is the descriptor readdir itself holds open.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

function readMaxFds(): number | undefined {
  const limits = readProc('/proc/self/limits');
  const soft = limits?.match(/^Max open files\s+(\d+)/m)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
