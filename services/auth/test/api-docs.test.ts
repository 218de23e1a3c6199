import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVersion, renderApiDocument } from '@support-center/service-kit';
import { openApiDocument } from '../src/openapi';

const DOC = resolve(__dirname, '../../../docs/api/auth.openapi.json');

describe('docs/api/auth.openapi.json', () => {
  it('is the document the service serves (run `npm run docs:api` after changing the API)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(
      renderApiDocument(openApiDocument(packageVersion(join(__dirname, '..')))),
    );
  });
});
