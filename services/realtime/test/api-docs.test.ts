import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVersion, renderApiDocument } from '@support-center/service-kit';
import { asyncApiDocument } from '../src/asyncapi';
import { realtimeOpenApiDocument } from '../src/openapi';

const DOCS = resolve(__dirname, '../../../docs/api');
const version = packageVersion(join(__dirname, '..'));

describe('docs/api', () => {
  it('holds the realtime OpenAPI and the AsyncAPI documents as the code builds them (run `npm run docs:api`)', () => {
    expect(readFileSync(join(DOCS, 'realtime.openapi.json'), 'utf8')).toBe(
      renderApiDocument(realtimeOpenApiDocument(version)),
    );
    expect(readFileSync(join(DOCS, 'asyncapi.json'), 'utf8')).toBe(
      renderApiDocument(asyncApiDocument({ version })),
    );
  });
});
