const { jestConfig } = require('../../jest.preset');

// These checks read files and run docker-compose and nginx; they need none of the engines
// the shared global setup starts.
module.exports = jestConfig(__dirname, { globalSetup: undefined, globalTeardown: undefined });
