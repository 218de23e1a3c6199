import { createSupportClient, type SupportClient, type TokenSource } from '@support-center/client';
import type { LoadOptions } from './options';

/** No request of the traffic may hang the run: each is cut after this. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The typed client a frontend uses, so every load run exercises the published contract; each
 * service at its own URL (or all at the gateway).
 */
export function apiClient(urls: LoadOptions['urls'], token?: TokenSource): SupportClient {
  return createSupportClient({
    baseUrl: urls.ticket,
    serviceUrls: urls,
    token,
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  });
}
