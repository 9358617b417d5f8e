// The OpenAPI document against the app's real routes, and the health route.

import type { ApiHarness } from '../support/harness';
import { startApiHarness } from '../support/harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness();
});

afterAll(async () => {
  await h?.close();
});

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** Every `METHOD /path` the Express app serves, with `:param` written as OpenAPI's `{param}`. */
function appRoutes(stack: RouteLayer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? appRoutes(layer.handle.stack) : [];
  });
}

function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('openapi document', () => {
  test('openapi document › served without a key › is OpenAPI 3.1', async () => {
    const response = await h.api('GET', '/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });

  test('openapi document › compared with the app routes › lists every route and no other', async () => {
    const routes = appRoutes((h.app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
    const { body } = await h.api('GET', '/openapi.json');

    expect(routes.length).toBeGreaterThanOrEqual(15);
    expect(documentedRoutes(body).sort()).toEqual([...new Set(routes)].sort());
  });

  test('openapi document › every operation › documents its responses and the error shape', async () => {
    const { body } = await h.api('GET', '/openapi.json');
    const operations = Object.values(body.paths as Record<string, Record<string, { responses: object }>>).flatMap(
      (ops) => Object.values(ops),
    );

    for (const operation of operations) {
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    expect(body.components.schemas.ErrorDetail.required).toEqual(['type', 'code', 'message', 'param']);
  });

  test('openapi document › every schema reference › resolves', async () => {
    const { body } = await h.api('GET', '/openapi.json');
    const refs = [...JSON.stringify(body).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((match) => match[1] ?? '');

    const unresolved = refs.filter((ref) => {
      let node: unknown = body;
      for (const part of ref.split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
      return node === undefined;
    });
    expect(refs.length).toBeGreaterThan(20);
    expect(unresolved).toEqual([]);
  });
});

describe('health', () => {
  test('health › with MongoDB and Temporal up › answers 200 ok without a key', async () => {
    const response = await h.api('GET', '/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', temporal: 'ok', database: 'ok' });
  });
});
