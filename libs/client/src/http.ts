import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { AuthPaths, FilePaths, RealtimePaths, TicketPaths } from './types';

/** The caller's access token: a value, or a function read before every request (tokens are refreshed). */
export type TokenSource = string | undefined | (() => string | undefined);

export interface SupportClientOptions {
  /** Where the API answers: the gateway (`http://localhost:8000`), or one service's port. */
  baseUrl: string;
  token?: TokenSource;
  /** Base URLs per service when they are not behind one gateway (the services' own ports). */
  serviceUrls?: Partial<Record<'auth' | 'ticket' | 'file' | 'realtime', string>>;
  /** A fetch to use instead of the global one (tests, instrumented fetches). */
  fetch?: (input: Request) => Promise<Response>;
}

export function readToken(token: TokenSource): string | undefined {
  return typeof token === 'function' ? token() : token;
}

/** Sends the token as a bearer, unless the call set its own Authorization. */
function bearer(token: TokenSource): Middleware {
  return {
    onRequest({ request }) {
      const value = readToken(token);
      if (value && !request.headers.has('Authorization'))
        request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
  };
}

function serviceClient<Paths extends object>(
  options: SupportClientOptions,
  service: keyof NonNullable<SupportClientOptions['serviceUrls']>,
): Client<Paths> {
  const client = createClient<Paths>({
    baseUrl: options.serviceUrls?.[service] ?? options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(bearer(options.token));
  return client;
}

export interface UploadInput {
  ticketId: string;
  file: Blob;
  fileName: string;
}

/**
 * The typed HTTP client of the four services: each sub-client is an openapi-fetch client typed by the
 * service's OpenAPI document (`client.tickets.POST('/api/v1/tickets', { body })`), answering
 * `{ data, error, response }` and never throwing for an HTTP error.
 */
export function createSupportClient(options: SupportClientOptions) {
  const files = serviceClient<FilePaths>(options, 'file');
  return {
    auth: serviceClient<AuthPaths>(options, 'auth'),
    tickets: serviceClient<TicketPaths>(options, 'ticket'),
    files,
    realtime: serviceClient<RealtimePaths>(options, 'realtime'),
    /** `POST /api/v1/files` as the multipart form the file service reads: ticketId first, then the file. */
    uploadFile({ ticketId, file, fileName }: UploadInput) {
      return files.POST('/api/v1/files', {
        body: { ticketId, file: fileName },
        bodySerializer: () => {
          const form = new FormData();
          form.append('ticketId', ticketId);
          form.append('file', file, fileName);
          return form;
        },
      });
    },
  };
}

export type SupportClient = ReturnType<typeof createSupportClient>;
