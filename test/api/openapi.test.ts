// The OpenAPI document against the app's real routes and the route registry it is generated from, 405 for methods a
// path does not declare, and the health route.

import { API_ROUTES } from '../../src/api/routes';
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

  test('openapi document › route registry against Express › every served route is registered once', () => {
    const served = appRoutes((h.app as unknown as { router: { stack: RouteLayer[] } }).router.stack);
    const registered = API_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`);

    expect(new Set(registered).size).toBe(registered.length);
    expect([...new Set(served)].sort()).toEqual([...registered].sort());
  });

  test('openapi document › a request body › is the zod schema the route validates with', async () => {
    const { body } = await h.api('GET', '/openapi.json');
    const placeOrder = body.paths['/v1/orders'].post;
    const schema = body.components.schemas.PlaceOrderRequest;

    expect(placeOrder.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PlaceOrderRequest',
    });
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['customerId', 'supplierId', 'carrierIds', 'items', 'shipTo']);
    expect(body.components.schemas.Money.properties.currency.enum).toContain('EUR');
    expect(body.paths['/v1/orders'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'status',
      'sellerId',
      'customerId',
      'supplierId',
      'carrierId',
      'limit',
      'cursor',
    ]);
  });

  test('openapi document › placing an order › links to the operations on the new order', async () => {
    const { body } = await h.api('GET', '/openapi.json');
    const links = body.paths['/v1/orders'].post.responses['201'].links;

    expect(links.GetOrder).toEqual({ operationId: 'getOrder', parameters: { orderId: '$response.body#/orderId' } });
    expect(Object.keys(links)).toContain('CancelOrder');
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

describe('undeclared methods', () => {
  test('undeclared method › on a known path › is 405 with Allow and the error shape', async () => {
    const response = await h.api('PUT', '/v1/orders', { key: h.key('seller'), body: {} });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(response.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'method_not_allowed',
      message: 'PUT is not allowed on /v1/orders; allowed: GET, HEAD, POST',
      param: null,
    });
  });

  test('undeclared method › on a path with parameters and without a key › is 405 before authentication', async () => {
    const response = await h.api('PATCH', '/v1/orders/ord_1/cancel');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('undeclared method › OPTIONS › answers 200 with Allow', async () => {
    const response = await h.api('OPTIONS', '/v1/parties/me');

    expect(response.status).toBe(200);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  test('undeclared method › on an unknown path › stays 404', async () => {
    const response = await h.api('PUT', '/v1/nothing-here');

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('route_not_found');
  });
});

describe('health', () => {
  test('health › with MongoDB and Temporal up › answers 200 ok without a key', async () => {
    const response = await h.api('GET', '/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', temporal: 'ok', database: 'ok' });
  });
});
