import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageVersion, renderApiDocument } from '@support-center/service-kit';
import { fileOpenApiDocument } from '../src/http/openapi';

const DOC = resolve(__dirname, '../../../docs/api/file.openapi.json');

describe('docs/api/file.openapi.json', () => {
  it('is the document the service serves (run `npm run docs:api` after changing the API)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(
      renderApiDocument(fileOpenApiDocument(packageVersion(join(__dirname, '..')))),
    );
  });
});
