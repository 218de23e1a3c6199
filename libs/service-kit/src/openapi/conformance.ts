import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../errors';
import { OPENAPI_PATH } from './document';

/**
 * Checks that a service's OpenAPI document and its Express routes agree, and that the document holds
 * together: for the per-service tests (each answers with the list of problems, empty when none).
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Routes that are not part of the API: probes, metrics and the document itself. */
export const UNDOCUMENTED_ROUTES: readonly string[] = [
  'GET /health',
  'GET /ready',
  'GET /metrics',
  'GET /api/v1/openapi.json',
];

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * The `METHOD /path` of every route an app serves, with `:param` written `{param}` as OpenAPI does.
 * Routers mounted without a path (`app.use(router)`) are looked into.
 */
export function expressRoutes(app: Pick<Express, 'router'>): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths)
          for (const [method, on] of Object.entries(layer.route.methods))
            if (on && method !== '_all') found.push(`${method.toUpperCase()} ${openApiPath(path)}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack);
  return [...new Set(found)].sort();
}

function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** The `METHOD /path` of every operation the document describes. */
export function documentedRoutes(document: OpenApiLike): string[] {
  return Object.entries(document.paths ?? {})
    .flatMap(([path, item]) =>
      METHODS.filter((m) => isObject(item) && m in item).map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

export interface OpenApiLike {
  openapi?: unknown;
  info?: unknown;
  paths?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Routes served but not documented, and documented but not served. */
export function routeProblems(
  app: Pick<Express, 'router'>,
  document: OpenApiLike,
  undocumented: readonly string[] = UNDOCUMENTED_ROUTES,
): string[] {
  const served = expressRoutes(app).filter((r) => !undocumented.includes(r));
  const described = documentedRoutes(document);
  return [
    ...served.filter((r) => !described.includes(r)).map((r) => `${r}: served but not documented`),
    ...described.filter((r) => !served.includes(r)).map((r) => `${r}: documented but not served`),
  ];
}

/**
 * What keeps the document from being a usable OpenAPI 3.1 description: missing top-level fields,
 * $refs that resolve to nothing, path parameters not declared (or declared but not in the path),
 * operations without answers, JSON bodies and successful JSON answers without an example.
 */
export function structureProblems(document: OpenApiLike): string[] {
  const problems: string[] = [];
  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+$/.test(document.openapi))
    problems.push(`openapi: ${String(document.openapi)} is not 3.1.x`);
  const info = document.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string')
    problems.push('info: title and version are required');
  if (!isObject(document.paths)) problems.push('paths: required');

  for (const [pointer, ref] of refsIn(document, '#'))
    if (resolve(document, ref) === undefined) problems.push(`${pointer}: $ref ${ref} resolves to nothing`);

  for (const [path, rawItem] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/')) problems.push(`${path}: a path starts with /`);
    if (!isObject(rawItem)) continue;
    const item = deref(document, rawItem);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    for (const method of METHODS) {
      if (!isObject(item[method])) continue;
      const operation = deref(document, item[method]);
      const where = `${method.toUpperCase()} ${path}`;
      const declared = [...asArray(item.parameters), ...asArray(operation.parameters)]
        .map((p) => deref(document, p))
        .filter((p) => isObject(p) && p.in === 'path');
      for (const name of templated)
        if (!declared.some((p) => p.name === name && p.required === true))
          problems.push(`${where}: path parameter ${name} is not declared (in: path, required: true)`);
      for (const p of declared)
        if (!templated.includes(String(p.name)))
          problems.push(`${where}: path parameter ${String(p.name)} is not in the path`);

      const responses = deref(document, operation.responses);
      if (!isObject(responses) || Object.keys(responses).length === 0)
        problems.push(`${where}: no responses`);
      const body = deref(document, operation.requestBody);
      if (isObject(body) && isObject(body.content) && isObject(body.content['application/json']))
        if (!('example' in body.content['application/json']))
          problems.push(`${where}: the JSON request body has no example`);
      for (const [status, raw] of Object.entries(isObject(responses) ? responses : {})) {
        const response = deref(document, raw);
        if (!isObject(response) || typeof response.description !== 'string')
          problems.push(`${where} ${status}: a response needs a description`);
        else if (/^2/.test(status) && isObject(response.content)) {
          const media = response.content['application/json'];
          if (isObject(media) && !('example' in media))
            problems.push(`${where} ${status}: the JSON answer has no example`);
        }
      }
    }
  }
  return problems;
}

/** Every example in the document that its schema (read back into zod) rejects. */
export function exampleProblems(document: OpenApiLike): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, pointer: string) => {
    if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${pointer}/${i}`));
    if (!isObject(node)) return;
    if ('example' in node && isObject(node.schema)) {
      const schema = deref(document, node.schema);
      const result = z
        .fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
        .safeParse(node.example);
      if (!result.success)
        problems.push(
          `${pointer}/example: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
        );
    }
    for (const [key, child] of Object.entries(node))
      if (key !== 'example') visit(child, `${pointer}/${escapePointer(key)}`);
  };
  visit(document.paths, '#/paths');
  return problems;
}

/**
 * Error answers whose example code is not in the kit's error catalog, or is there with another
 * status: a client reading the document must meet only codes docs/architecture.md lists.
 */
export function errorCodeProblems(document: OpenApiLike): string[] {
  const problems: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = isObject(item) ? item[method] : undefined;
      const responses = isObject(operation) && isObject(operation.responses) ? operation.responses : {};
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        for (const [type, media] of Object.entries(deref(document, response).content ?? {})) {
          const code = (isObject(media) ? (media.example as ErrorExample)?.error?.code : undefined) ?? null;
          if (typeof code !== 'string') problems.push(`${where} ${type}: no error code in the example`);
          else if (!(code in ERROR_CATALOG)) problems.push(`${where}: ${code} is not in the error catalog`);
          else if (ERROR_CATALOG[code as ErrorCode].status !== Number(status))
            problems.push(`${where}: ${code} is a ${ERROR_CATALOG[code as ErrorCode].status} in the catalog`);
        }
      }
    }
  }
  return problems;
}

interface ErrorExample {
  error?: { code?: unknown };
}

/** Every check: what a service's OpenAPI test asserts is empty. */
export function openApiProblems(
  app: Pick<Express, 'router'>,
  document: OpenApiLike,
  undocumented?: readonly string[],
): string[] {
  return [
    ...routeProblems(app, document, undocumented),
    ...structureProblems(document),
    ...exampleProblems(document),
    ...errorCodeProblems(document),
  ];
}

function refsIn(node: unknown, pointer: string): [string, string][] {
  if (Array.isArray(node)) return node.flatMap((child, i) => refsIn(child, `${pointer}/${i}`));
  if (!isObject(node)) return [];
  const own: [string, string][] = typeof node.$ref === 'string' ? [[pointer, node.$ref]] : [];
  return [...own, ...Object.entries(node).flatMap(([k, v]) => refsIn(v, `${pointer}/${escapePointer(k)}`))];
}

/** A local JSON pointer (`#/components/...`) in the document; undefined when it leads nowhere. */
function resolve(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deref(document: unknown, node: unknown): Record<string, unknown> {
  if (isObject(node) && typeof node.$ref === 'string') {
    const target = resolve(document, node.$ref);
    return isObject(target) ? target : {};
  }
  return isObject(node) ? node : {};
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Serves the app on an ephemeral port, fetches its `GET /api/v1/openapi.json` as a client would, and
 * answers the document and everything wrong with it (the check a service's OpenAPI test runs).
 */
export async function servedOpenApiProblems(
  app: Express,
  undocumented?: readonly string[],
): Promise<{ document: OpenApiLike; problems: string[] }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${OPENAPI_PATH}`);
    const document = (await res.json()) as OpenApiLike;
    const served = res.ok && /^application\/json/.test(res.headers.get('content-type') ?? '');
    return {
      document,
      problems: [
        ...(served ? [] : [`GET ${OPENAPI_PATH}: answered ${res.status} ${res.headers.get('content-type')}`]),
        ...openApiProblems(app, document, undocumented),
      ],
    };
  } finally {
    server.close();
    server.closeAllConnections();
  }
}
