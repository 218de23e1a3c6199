import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

export interface RequestClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * The request and response classes for the app's HTTP server (`createServer(classes, app)`):
 * their instances are born with the prototypes Express would give them.
 *
 * Express sets the prototype of every request and response in `app.handle`. V8 gives an object
 * whose prototype was changed a hidden class of its own, and each property added to it afterwards
 * (Express's `next`, `params`, `route`, the middleware's `id`, `log`, `body`) yet another one, so
 * no two requests share a shape and property accesses on them miss their inline caches: a cheap
 * route ran at a third of its speed (docs/benchmarks.md). Born with the right prototype, the swap
 * is a no-op.
 *
 * Call it once the app is configured: the classes' prototypes take over the app's `request` and
 * `response`, with everything defined on them.
 */
export function requestClasses(app: Express): RequestClasses {
  class Request extends IncomingMessage {}
  class Response extends ServerResponse {}
  app.request = standIn(Request.prototype, app.request) as Express['request'];
  app.response = standIn(Response.prototype, app.response) as unknown as Express['response'];
  return { IncomingMessage: Request, ServerResponse: Response as typeof ServerResponse };
}

/** Makes `target` stand in for `prototype`: the same parent and the same own properties. */
function standIn(target: object, prototype: object): object {
  Object.setPrototypeOf(target, Object.getPrototypeOf(prototype));
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(prototype));
  return target;
}
