import type { Dependency } from '../src';

/** Whether the dependency's readiness check passes now. */
export async function isUp(dependency: Dependency): Promise<boolean> {
  return dependency.check().then(
    () => true,
    () => false,
  );
}

/** The host and port of a `mongodb://host:port/...` URL. */
export function hostPort(address: string): { host: string; port: number } {
  const [host = '127.0.0.1', port = '0'] =
    address
      .replace(/^mongodb:\/\//, '')
      .split('/')[0]
      ?.split(':') ?? [];
  return { host, port: Number(port) };
}
