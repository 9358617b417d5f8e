// The route registry: one declaration per HTTP operation (method, path, the zod schemas of its path parameters, query
// string and body, its answers, who may call it) that both the routers and the OpenAPI document read. A router mounts
// an operation with `mountRoute`, which authenticates, checks the role, applies Idempotency-Key and parses the query
// and body with the declared schemas before the handler runs; openapi.ts describes the same declaration. So a
// request's shape is written once, and a route cannot be served without being documented.
// Must never hold handler logic or I/O: declarations and the glue that applies them.
//
// Adding a route:
//   1. Declare it with `defineRoute({...})` in routes.ts (or in your own module, then add it to `API_ROUTES` there):
//      `operationId`, `method`, `path` in OpenAPI form (`/v1/things/{thingId}`), `summary`, `tags`, `params`/`query`/
//      `body` as zod schemas (strict objects; give a body `.meta({ id: 'ThingRequest' })` to name it), `responses`
//      by status with a zod schema each (`errorResponses(...)` adds the shared error answers), and `auth: false` or
//      `roles` for who may call it (default: any authenticated party).
//   2. Mount it in your router: `mountRoute(router, route, guards, async (req, res, { body, query }) => { ... })`.
//   3. `npm test -- test/api/openapi.test.ts` fails if an Express route is not in the registry or the other way round;
//      `npm run test:contract` fuzzes it.

import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { PartyRole } from '../domain/order';
import { ApiError } from './api-error';
import { requireRole } from './auth';
import { parseRequest } from './schemas';

/** HTTP methods a route may declare. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented answer: its description, body schema (JSON) and headers. */
export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  /** Other media types of the answer (a CSV or PDF download), with their JSON Schema. */
  media?: Record<string, { schema: Record<string, unknown> }>;
  headers?: Record<string, { description?: string; schema: Record<string, unknown> }>;
  /** OpenAPI links from this answer to other operations (e.g. for the contract test's stateful phase). */
  links?: Record<string, { operationId: string; parameters: Record<string, string>; description?: string }>;
}

/** The declaration of one operation. */
export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI form: `/v1/orders/{orderId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Whether a party's API key is required (default true). */
  auth?: boolean;
  /** Roles admitted (403 for the others); absent: every authenticated party. */
  roles?: readonly PartyRole[];
  /** Whether the route honours `Idempotency-Key` (every authenticated POST does). */
  idempotent?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Whether a body must be sent (default: true when `body` is declared and has required fields). */
  bodyRequired?: boolean;
  responses: Record<string, RouteResponse>;
}

/** Declares a route (identity, for type inference and one place to look). */
export function defineRoute<const Spec extends RouteSpec>(spec: Spec): Spec {
  return spec;
}

/** A route's path in Express's form: `{orderId}` becomes `:orderId`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The middleware a router gets from the app to guard its routes. */
export interface RouteGuards {
  authenticated?: RequestHandler;
  idempotent?: RequestHandler;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives besides req and res: the parsed query and body. */
export interface RouteInput<Spec extends RouteSpec> {
  query: Parsed<Spec['query']>;
  body: Parsed<Spec['body']>;
}

/** A route's handler. */
export type RouteHandler<Spec extends RouteSpec> = (
  req: Request,
  res: Response,
  input: RouteInput<Spec>,
) => void | Promise<void>;

/**
 * Mounts a declared route: authentication (unless `auth: false`), the role check, Idempotency-Key (when
 * `idempotent`), then the query and body parsed with the declared schemas (400 naming the field), then the handler.
 */
export function mountRoute<Spec extends RouteSpec>(
  router: Router,
  route: Spec,
  guards: RouteGuards,
  handler: RouteHandler<Spec>,
): void {
  const chain: RequestHandler[] = [];
  const need = (guard: RequestHandler | undefined, what: string): RequestHandler => {
    if (!guard) throw new Error(`${route.operationId} needs the ${what} middleware`);
    return guard;
  };
  if (route.auth !== false) chain.push(need(guards.authenticated, 'authentication'));
  if (route.roles) chain.push(requireRole(...route.roles));
  if (route.idempotent) chain.push(need(guards.idempotent, 'idempotency'));
  chain.push(async (req, res) => {
    const input = {
      query: route.query ? parseQuery(route.query, req.query) : undefined,
      body: route.body ? parseRequest(route.body, req.body) : undefined,
    } as RouteInput<Spec>;
    await handler(req, res, input);
  });
  router[route.method](expressPath(route.path), ...chain);
}

/** The methods a path answers, HEAD included with GET, as an `Allow` header lists them. */
export function allowedMethods(routes: readonly RouteSpec[], path: string): string[] {
  const methods = new Set<string>();
  for (const route of routes) {
    if (pathPattern(route.path).test(path)) methods.add(route.method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

const patterns = new Map<string, RegExp>();

function pathPattern(path: string): RegExp {
  let pattern = patterns.get(path);
  if (!pattern) {
    const source = path
      .split(/(\{\w+\})/)
      .map((part) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    // Case-sensitive with an optional trailing slash, as the app's routers match routes.
    pattern = new RegExp(`^${source}/?$`);
    patterns.set(path, pattern);
  }
  return pattern;
}

/** Whether a query parameter's schema is a number coerced from its text (under optional or default). */
function isCoercedNumber(schema: z.ZodType): boolean {
  let def = (schema as unknown as { _zod: { def: { type: string; coerce?: boolean; innerType?: z.ZodType } } })._zod
    .def;
  while ((def.type === 'optional' || def.type === 'default') && def.innerType !== undefined) {
    def = (def.innerType as unknown as { _zod: { def: typeof def } })._zod.def;
  }
  return def.type === 'number' && def.coerce === true;
}

/**
 * Parses a query string with its schema. A number parameter given empty (`?maxAmount=`) is 400 naming it: zod's
 * coercion reads '' as 0, so schemathesis's `GET /v1/transactions?maxAmount=` was answered as if it said 0.
 */
function parseQuery<T extends z.ZodObject>(schema: T, input: Record<string, unknown>): z.output<T> {
  for (const [name, field] of Object.entries(schema.shape)) {
    const raw = input[name];
    const values = Array.isArray(raw) ? raw : [raw];
    if (
      values.some((value) => typeof value === 'string' && value.trim() === '') &&
      isCoercedNumber(field as z.ZodType)
    ) {
      throw new ApiError(400, 'invalid_request_error', 'parameter_invalid', `${name}: a number, not empty`, name);
    }
  }
  return parseRequest(schema, input);
}
