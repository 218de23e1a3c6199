import { Router } from 'express';
import type { DependencyChecker } from '../dependencies/dependency';

/** /health says the process answers; /ready says whether it can serve, dependency by dependency. */
export function healthRoutes(checker: DependencyChecker, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.locals.logLevel = 'debug';
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    res.locals.logLevel = 'debug';
    const dependencies = await checker.checkAll();
    const down = dependencies.filter((d) => d.required && d.status === 'down');
    if (down.length === 0 && !isShuttingDown()) {
      res.json({ status: 'ready', dependencies });
      return;
    }
    const message = isShuttingDown()
      ? 'The service is shutting down'
      : `Unavailable: ${down.map((d) => d.name).join(', ')}`;
    // The error contract, plus the same report a ready answer gives.
    res.status(503).json({ error: { code: 'NOT_READY', message }, status: 'not_ready', dependencies });
  });
  return router;
}
