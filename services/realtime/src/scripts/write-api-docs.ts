import { join, resolve } from 'node:path';
import { packageVersion, writeApiDocuments } from '@support-center/service-kit';
import { asyncApiDocument } from '../asyncapi';
import { realtimeOpenApiDocument } from '../openapi';

// dist/scripts → the package, and the repository's docs/api.
const packageDir = join(__dirname, '../..');
const version = packageVersion(packageDir);
writeApiDocuments(resolve(packageDir, '../../docs/api'), {
  'realtime.openapi.json': realtimeOpenApiDocument(version),
  'asyncapi.json': asyncApiDocument({ version }),
});
