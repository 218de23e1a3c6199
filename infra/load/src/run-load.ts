import { ACTIONS, chooseAction, type Action, type World } from './actions';
import { ChatSockets, chatAction } from './chat';
import type { LoadOptions } from './options';
import { Report } from './report';
import { login, type Session } from './session';

/**
 * Sends the traffic mix at `rate` actions per second for `duration` (open loop, bounded in
 * flight), with a progress line, and resolves with the report.
 */
export async function runLoad(
  options: LoadOptions,
  out: NodeJS.WriteStream = process.stdout,
): Promise<Report> {
  const world: World = {
    options,
    sessions: {
      agent: await login(options, 'agent'),
      employees: [await login(options, 'employee'), await login(options, 'employee2')],
    },
    open: [],
    assigned: [],
    sequence: 0,
  };
  const sockets = new ChatSockets(options.urls.realtime);
  const actions: Action[] = [...ACTIONS, chatAction(sockets)];
  const report = new Report();
  const startedAt = performance.now();
  const elapsed = () => (performance.now() - startedAt) / 1000;
  let inFlight = 0;
  const running = new Set<Promise<void>>();

  const progress = setInterval(
    () => writeProgress(out, report.progressLine(elapsed(), options.durationSeconds, inFlight)),
    out.isTTY ? 250 : 5000,
  );
  for (let tick = 0; elapsed() < options.durationSeconds; tick += 1) {
    const due = startedAt + (tick * 1000) / options.rate;
    await new Promise((wake) => setTimeout(wake, Math.max(0, due - performance.now())));
    if (inFlight >= options.maxInFlight) {
      report.skipped += 1;
      continue;
    }
    inFlight += 1;
    const run = perform(world, chooseAction(actions), report).finally(() => {
      inFlight -= 1;
      running.delete(run);
    });
    running.add(run);
  }
  await Promise.allSettled(running);
  clearInterval(progress);
  writeProgress(out, report.progressLine(elapsed(), options.durationSeconds, 0));
  out.write('\n');
  sockets.closeAll();
  out.write(report.summary(elapsed()));
  return report;
}

async function perform(world: World, action: Action, report: Report): Promise<void> {
  const started = performance.now();
  try {
    const outcome = await action.run(world);
    if (outcome.status === 0) return; // nothing to act on yet (no ticket in that state)
    report.record(action.name, outcome.expected, performance.now() - started, outcome.detail);
    if (outcome.status === 401) await renewSessions(world);
  } catch (error) {
    report.record(action.name, 'error', performance.now() - started, errorDetail(error));
  }
}

/** A failed call in a few words: a timeout, a refused connection, or the error's own message. */
function errorDetail(error: unknown): string {
  const { name, message, cause } = error as { name?: string; message?: string; cause?: { code?: string } };
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
  return cause?.code ?? message ?? String(error);
}

/** Access tokens are short-lived: a 401 means they expired, so every account logs in again. */
async function renewSessions(world: World): Promise<void> {
  // The token alone is renewed: each session's client reads it at every request.
  const renew = async (session: Session) => {
    session.token = (await login(world.options, session.username)).token;
  };
  await Promise.all([renew(world.sessions.agent), ...world.sessions.employees.map(renew)]);
}

function writeProgress(out: NodeJS.WriteStream, line: string): void {
  if (out.isTTY) out.write(`\r${line}\u001b[K`);
  else out.write(`${line}\n`);
}
