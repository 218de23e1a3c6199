import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { benchProcessPart, cpuOfProcessTree } from '../src';

/**
 * A child that, when told to, spins until it has used `ms` more of CPU time (by its own count, so
 * however busy the machine is), says so, and exits when its stdin closes.
 */
function burner() {
  const script = `
    const used = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
    process.stdin.on('data', (ms) => {
      const until = used() + Number(ms);
      while (used() < until);
      process.stdout.write('done');
    });
    process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script, 'cpu-burner-marker'], { stdio: 'pipe' });
  return {
    async burn(ms: number) {
      child.stdin.write(String(ms));
      await once(child.stdout, 'data');
    },
    async stop() {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

describe('cpuOfProcessTree', () => {
  it('counts the CPU a child used after the start, in the part its command line names', async () => {
    const child = burner();
    try {
      // Time spent before the measure starts is not counted.
      await child.burn(300);
      const cpu = cpuOfProcessTree((command) => (command.includes('cpu-burner-marker') ? 'burner' : 'other'));
      await child.burn(600);
      const parts = cpu.read();
      // The kernel counts in ticks of 10 ms; the child's own reply costs a little more.
      expect(parts.get('burner')).toBeGreaterThanOrEqual(0.58);
      expect(parts.get('burner')).toBeLessThan(0.75);
      expect(parts.has('bench')).toBe(true);
    } finally {
      await child.stop();
    }
  });
});

describe('benchProcessPart', () => {
  it('names the services, the engines and the write guard by their command lines', () => {
    const lines: Record<string, string> = {
      '/usr/bin/node /repo/services/ticket/dist/main.js': 'ticket service',
      '/usr/bin/node --enable-source-maps /repo/services/realtime/dist/main.js': 'realtime service',
      'java -Xms128m -Xmx512m -cp /home/u/.cache/kafka/libs/* kafka.Kafka /tmp/k/server.properties': 'Kafka',
      '/usr/bin/node /repo/infra/engines/dist/cli.js mongo --port 0 --data-dir /tmp/b/mongo': 'write guard',
      '/usr/bin/node /repo/infra/engines/dist/cli.js kafka --port 0 --data-dir /tmp/b/kafka':
        'engine runners',
      '/home/u/.cache/support-engines/bin/ferretdb --listen-addr=127.0.0.1:41234': 'FerretDB',
      'sh -c ls': 'other',
    };
    for (const [line, part] of Object.entries(lines)) expect(benchProcessPart(line)).toBe(part);
  });
});
