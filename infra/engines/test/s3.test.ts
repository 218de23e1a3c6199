import http from 'node:http';
import { startEngine, type EngineProcess } from '../src';
import { makeTempDir } from './support';

jest.setTimeout(60_000);

/** One request to the engine's port with the Host header a client reaching it by `hostname` sends. */
function request(url: string, method: string, path: string, hostname: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { host: `${hostname}:${port}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the s3 engine', () => {
  let s3: EngineProcess;
  beforeAll(async () => {
    s3 = await startEngine('s3', { dataDir: makeTempDir('s3'), port: 0 });
  });
  afterAll(async () => {
    await s3?.stop();
  });

  // In a compose network clients reach it by a service name (S3_ENDPOINT=http://minio:9000, path
  // style, as against MinIO); s3rver would read such a Host as a bucket name (virtual hosts).
  it.each(['minio', 's3.internal', 'localhost'])(
    'serves path-style requests sent to the host name %s',
    async (hostname) => {
      const bucket = `bucket-${hostname.replace(/\W/g, '-')}`;
      expect(await request(s3.url, 'PUT', `/${bucket}`, hostname)).toBe(200);
      expect(await request(s3.url, 'GET', `/${bucket}`, hostname)).toBe(200);
      expect(await request(s3.url, 'GET', `/${bucket}-missing`, hostname)).toBe(404);
    },
  );
});
