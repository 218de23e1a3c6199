import { join, resolve } from 'node:path';
import { packageVersion, writeApiDocuments } from '@support-center/service-kit';
import { openApiDocument } from '../openapi';

// dist/scripts → the package, and the repository's docs/api.
const packageDir = join(__dirname, '../..');
writeApiDocuments(resolve(packageDir, '../../docs/api'), {
  'auth.openapi.json': openApiDocument(packageVersion(packageDir)),
});
