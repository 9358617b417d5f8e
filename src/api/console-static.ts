// Serves the built console (console/dist) at /console: hashed assets with a year's cache, index.html never cached,
// every other /console path answered with index.html (the console routes in the browser), and a strict CSP for the
// pages (scripts, styles and calls to this origin only; no inline script, no frames, no plugins). Serves nothing
// outside the build directory and never an API answer.

import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import type { Response } from 'express';
import helmet from 'helmet';
import { ApiError } from './api-error';

/** Where the console lives. */
export const CONSOLE_PATH = '/console';

/** The console pages' Content-Security-Policy directives (helmet's names). */
export const CONSOLE_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

function sendIndex(res: Response, dir: string): void {
  res.set('Cache-Control', 'no-store');
  res.sendFile(path.join(dir, 'index.html'));
}

/** The console's router, serving the build in `dir` (answers 503 `console_not_built` while it has no index.html). */
export function consoleStaticRouter(dir: string): Router {
  const router = Router({ caseSensitive: true });
  const root = path.resolve(dir);
  router.use(CONSOLE_PATH, helmet.contentSecurityPolicy({ useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES }));
  router.use(CONSOLE_PATH, (_req, _res, next) => {
    if (!fs.existsSync(path.join(root, 'index.html'))) {
      throw new ApiError(
        503,
        'api_error',
        'console_not_built',
        'the console is not built: run `npm run console:build` (npm start builds it)',
      );
    }
    next();
  });
  const assets = express.static(root, {
    index: false,
    redirect: false,
    cacheControl: false,
    etag: false,
    setHeaders: (res, file) => {
      const hashed = path.relative(root, file).startsWith(`assets${path.sep}`);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-store');
    },
  });
  // Middleware, not routes: the console's pages are not API operations (the OpenAPI document lists only those).
  router.use(CONSOLE_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.originalUrl.split('?')[0] === CONSOLE_PATH) {
      res.redirect(301, `${CONSOLE_PATH}/`);
      return;
    }
    if (req.path === '/' || req.path === '/index.html') {
      sendIndex(res, root);
      return;
    }
    assets(req, res, () => {
      if (req.path.startsWith('/assets/')) {
        next(new ApiError(404, 'not_found_error', 'route_not_found', `no console asset ${req.path}`));
        return;
      }
      sendIndex(res, root);
    });
  });
  return router;
}
