// One run for the whole repository: the engines start once (libs/testing's global setup)
// and every package's suites share them.
const { jestConfig } = require('./jest.preset');

module.exports = {
  globalSetup: jestConfig(__dirname).globalSetup,
  globalTeardown: jestConfig(__dirname).globalTeardown,
  testTimeout: jestConfig(__dirname).testTimeout,
  projects: ['<rootDir>/libs/*', '<rootDir>/services/*', '<rootDir>/infra/*', '<rootDir>/observability'].map(
    (p) => `${p}/jest.config.js`,
  ),
};
