import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_CATALOG, errorCodeProblems, type ErrorCode } from '../src';

/**
 * The error catalogue checked against its documentation, as fastify checks its errors against
 * docs/Reference/Errors.md: the table of docs/architecture.md, the kit's ERROR_CATALOG and the
 * codes production code answers with must be the same set, with the same statuses. (The OpenAPI
 * documents' error answers are checked by each service's OpenAPI test, `errorCodeProblems`.)
 */
const ROOT = join(__dirname, '../../..');

/** `| CODE | status | meaning |` rows of the "Error codes" table. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('**Error codes**'));
  const rows = table.slice(0, table.search(/\n\n(?!\|)[^|]/) + 1 || undefined);
  return new Map(
    [...rows.matchAll(/^\| ([A-Z][A-Z_]+) +\| (\d{3}) +\|/gm)].map(([, code, status]) => [
      code!,
      Number(status),
    ]),
  );
}

/** The production sources that answer HTTP requests: the kit and every service's src/. */
function productionSources(): string[] {
  const roots = [
    join(ROOT, 'libs/service-kit/src'),
    ...readdirSync(join(ROOT, 'services')).map((s) => join(ROOT, 'services', s, 'src')),
  ];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const root of roots) walk(root);
  // The OpenAPI documents describe codes, they do not produce them; socket frames have their own codes.
  return files.filter((f) => !/openapi|\/ws\//.test(relative(ROOT, f)));
}

/**
 * Codes the sources answer with: `new AppError('X'` and its subclasses' `super('X'`, an error
 * body's `code: 'X'`, and the values of code maps (`'entity.parse.failed': 'INVALID_JSON'`).
 */
function producedCodes(): Map<string, string[]> {
  const patterns = [
    /(?:AppError|super)\(\s*'([A-Z][A-Z_]+)'/g,
    /\bcode:\s*'([A-Z][A-Z_]+)'/g,
    /^\s*(?:'[^']*'|\d+):\s*'([A-Z][A-Z_]+)',?$/gm,
  ];
  const produced = new Map<string, string[]>();
  for (const file of productionSources()) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns)
      for (const [, code] of text.matchAll(pattern))
        produced.set(code!, [...(produced.get(code!) ?? []), relative(ROOT, file)]);
  }
  // `ERR_` codes name errors that never reach a client (configuration, shutdown, contention).
  for (const code of [...produced.keys()]) if (code.startsWith('ERR_')) produced.delete(code);
  return produced;
}

describe('the error catalogue', () => {
  const catalog = new Map(Object.entries(ERROR_CATALOG).map(([code, { status }]) => [code, status]));

  it('is the table of docs/architecture.md: the same codes with the same statuses', () => {
    const documented = documentedCodes();
    expect(documented.size).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...catalog].sort());
  });

  it('lists every code production code answers with', () => {
    const undocumented = [...producedCodes()]
      .filter(([code]) => !catalog.has(code))
      .map(([code, files]) => `${code} (${files.join(', ')})`);
    expect(undocumented).toEqual([]);
  });

  it('lists no code that production code never answers with', () => {
    const produced = producedCodes();
    expect([...catalog.keys()].filter((code) => !produced.has(code))).toEqual([]);
  });

  it('refuses an OpenAPI error answer whose code is not in the catalog or has another status', () => {
    const answer = (code: string) => ({
      content: { 'application/json': { example: { error: { code, message: 'm' } } } },
    });
    const document = {
      paths: {
        '/x': {
          get: {
            responses: {
              '404': answer('NOT_FOUND'),
              '409': answer('ALREADY_THERE'),
              '400': answer('NOT_FOUND' satisfies ErrorCode),
              '200': answer('fine'),
            },
          },
        },
      },
    };
    expect(errorCodeProblems(document).sort()).toEqual([
      'GET /x 400: NOT_FOUND is a 404 in the catalog',
      'GET /x 409: ALREADY_THERE is not in the error catalog',
    ]);
  });
});
