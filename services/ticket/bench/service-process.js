// The built ticket service as the benches here run it: no write rate limit, measured once ready.
const { startServiceProcess } = require('@support-center/testing');

const startService = (env) =>
  startServiceProcess('ticket', { WRITE_RATE_LIMIT: '0', ...env }, { until: '/ready', timeoutMs: 60_000 });

module.exports = { startService };
