import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLOSE_CODES } from '../src';

const DOCS = resolve(__dirname, '../../../docs/api');
const GENERATED = resolve(__dirname, '../src/generated');

describe('the generated types', () => {
  it('are what openapi-typescript makes of docs/api (run `npm run docs:api` after changing an API)', () => {
    // The built generator (the test command builds every package first), in plain Node.
    const rendered = JSON.parse(
      execFileSync(process.execPath, [resolve(__dirname, '../dist/codegen/write.js'), '--print'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as Record<string, string>;
    expect(Object.keys(rendered).sort()).toEqual([
      'auth.ts',
      'file.ts',
      'frames.ts',
      'realtime.ts',
      'ticket.ts',
    ]);
    for (const [file, text] of Object.entries(rendered))
      expect([file, readFileSync(join(GENERATED, file), 'utf8')]).toEqual([file, text]);
  });

  it('name every close code of the AsyncAPI document', () => {
    const asyncApi = JSON.parse(readFileSync(join(DOCS, 'asyncapi.json'), 'utf8')) as {
      channels: Record<string, { 'x-close-codes'?: { code: number }[] }>;
    };
    const documented = new Set(
      Object.values(asyncApi.channels).flatMap((c) => (c['x-close-codes'] ?? []).map(({ code }) => code)),
    );
    expect([...documented].sort()).toEqual(Object.values(CLOSE_CODES).sort());
  });
});
