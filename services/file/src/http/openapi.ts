import {
  emptyResponse,
  errorResponses,
  jsonResponse,
  jsonSchema,
  openApiDocument,
  pathParameter,
} from '@support-center/service-kit';
import { fileMeta, uploadedFile, uploadTicketId, type FileMeta } from './api-schemas';
import { FORM_FIELDS } from './multipart';

const idParameter = pathParameter('id', undefined, 'The id the upload answered with');
const bytes = { type: 'string', contentMediaType: 'application/octet-stream' };
const header = (description: string) => ({ description, schema: { type: 'string' } });
const notFound = errorResponses({ 404: 'No such file, or one the caller may not read (the same answer)' });
const common = errorResponses({
  401: 'No valid bearer token',
  503: 'The object store or the database is down',
});
const downloadHeaders = {
  'Content-Disposition': header('attachment; filename="…"; filename*=UTF-8\'\'… (RFC 5987)'),
  'Content-Length': { description: 'Bytes in this answer', schema: { type: 'integer' } },
  'Accept-Ranges': header('bytes'),
  ETag: header('The sha256 of the file, quoted'),
};

const example: FileMeta = {
  id: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
  name: 'vpn-client.log',
  size: 48213,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  contentType: 'text/plain',
  ticketId: '65f1c0ffee0000000000a001',
  uploaderId: 'u-alice',
  createdAt: '2026-03-02T09:15:00.000Z',
};
const { uploaderId: _u, createdAt: _c, ...uploadedExample } = example;

/** The OpenAPI 3.1 document of the file API, generated from the schemas in api-schemas.ts. */
export function fileOpenApiDocument(version: string) {
  return openApiDocument({
    title: 'Support Center file service',
    version,
    bearerByDefault: true,
    paths: {
      '/api/v1/files': {
        post: {
          summary: `Upload a file to a ticket: a multipart form with ${FORM_FIELDS.ticketId} first, then ${FORM_FIELDS.file} (the file part goes last)`,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: [FORM_FIELDS.ticketId, FORM_FIELDS.file],
                  properties: {
                    [FORM_FIELDS.ticketId]: jsonSchema(uploadTicketId, 'input'),
                    [FORM_FIELDS.file]: {
                      ...bytes,
                      format: 'binary',
                      description: 'The file, one per upload',
                    },
                  },
                },
                encoding: { [FORM_FIELDS.ticketId]: { contentType: 'text/plain' } },
              },
            },
          },
          responses: {
            '201': jsonResponse('The stored file', uploadedFile, uploadedExample),
            ...errorResponses({
              400: 'The multipart body is malformed or cut short',
              404: "A ticket this service has not heard of (after FILE_UNKNOWN_TICKET_WAIT_MS), or an employee upload to someone else's ticket",
              413: 'Larger than FILE_MAX_BYTES',
              415: 'Not multipart/form-data, a type not allowed, content not matching the extension, an executable',
              422: 'ticketId missing, invalid or after the file; a second file; another file field',
            }),
            ...common,
          },
        },
      },
      '/api/v1/files/{id}': {
        parameters: [idParameter],
        get: {
          summary:
            'Download the bytes; one `Range: bytes=…` is served as 206 (several, or other syntax: the whole file)',
          parameters: [
            {
              name: 'Range',
              in: 'header',
              required: false,
              description: 'One byte range, RFC 9110 (`bytes=0-1023`, `bytes=1024-`, `bytes=-500`)',
              schema: { type: 'string', pattern: '^bytes=' },
            },
          ],
          responses: {
            '200': {
              description:
                'The whole file; Content-Type is the type detected at upload, with X-Content-Type-Options: nosniff',
              headers: downloadHeaders,
              content: { 'application/octet-stream': { schema: bytes } },
            },
            '206': {
              description: 'The requested range',
              headers: { ...downloadHeaders, 'Content-Range': header('bytes start-end/size') },
              content: { 'application/octet-stream': { schema: bytes } },
            },
            '416': {
              ...errorResponses({
                416: { description: 'The range selects nothing of the file', code: 'RANGE_NOT_SATISFIABLE' },
              })['416'],
              headers: { 'Content-Range': header('bytes */size') },
            },
            ...notFound,
            ...common,
          },
        },
        delete: {
          summary: 'Delete a file (the uploader, agents and admins)',
          responses: {
            '204': emptyResponse('Deleted'),
            ...errorResponses({
              403: 'The caller may read the file but is not its uploader, an agent or an admin',
            }),
            ...notFound,
            ...common,
          },
        },
      },
      '/api/v1/files/{id}/meta': {
        parameters: [idParameter],
        get: {
          summary: 'The metadata of a file',
          responses: { '200': jsonResponse('The file', fileMeta, example), ...notFound, ...common },
        },
      },
    },
  });
}
