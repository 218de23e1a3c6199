// Shared jest settings: TypeScript through swc (type checking is the build's job), and
// workspace libraries resolved to their sources so tests never run against a stale build.
const path = require('node:path');

const root = __dirname;

/** @param {string} packageDir @param {import('jest').Config} [overrides] */
function jestConfig(packageDir, overrides = {}) {
  return {
    displayName: path.relative(root, packageDir),
    rootDir: packageDir,
    testEnvironment: 'node',
    testTimeout: 60_000,
    testEnvironmentOptions: { globalsCleanup: 'on' },
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    },
    moduleNameMapper: {
      '^@support-center/(telemetry|service-kit|testing|store|events|client)$': `${root}/libs/$1/src`,
      '^@support-center/engines$': `${root}/infra/engines/src`,
    },
    globalSetup: `${root}/libs/testing/src/jest/global-setup.ts`,
    globalTeardown: `${root}/libs/testing/src/jest/global-teardown.ts`,
    ...overrides,
  };
}

module.exports = { jestConfig };
