// The API's OpenAPI 3.1 document, generated from the route registry (routes.ts) and the zod schemas that validate
// requests (schemas.ts) and describe answers (response-schemas.ts), with zod's own JSON Schema generator. Served at
// GET /openapi.json. Nothing about a request's shape may be written here: add to the route's declaration instead.

import { z } from 'zod';
import type { RouteResponse, RouteSpec } from './route-registry';
import { API_ROUTES } from './routes';
import { idempotencyKeySchema } from './schemas';

type Json = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';
const JSON_SCHEMA_OPTIONS = { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' } as const;

function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Gives a schema a component name unless it has one; returns the name. */
function nameOf(schema: z.ZodType, fallback: string): string {
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id === 'string') return id;
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id: fallback });
  return fallback;
}

const ref = (name: string): Json => ({ $ref: `${SCHEMA_REF}${name}` });

/** One schema as JSON Schema, without the `$schema` key a standalone document carries. */
function inlineSchema(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS) as Json;
  return rest;
}

/** The OpenAPI parameters of a route: path, then query, then Idempotency-Key for idempotent routes. */
function parametersOf(route: RouteSpec): Json[] {
  const fromObject = (object: z.ZodObject | undefined, location: 'path' | 'query'): Json[] => {
    if (!object) return [];
    const json = inlineSchema(object) as { properties?: Record<string, Json>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, schema]) => {
      const { description, ...rest } = schema;
      return {
        name,
        in: location,
        required: location === 'path' || (json.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  };
  const parameters = [...fromObject(route.params, 'path'), ...fromObject(route.query, 'query')];
  if (route.idempotent) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
  return parameters;
}

function responseOf(route: RouteSpec, status: string, response: RouteResponse): Json {
  const name = response.schema ? nameOf(response.schema, `${pascal(route.operationId)}Response${status}`) : undefined;
  return {
    description: response.description,
    ...(response.headers ? { headers: response.headers } : {}),
    ...(name || response.media
      ? { content: { ...(name ? { 'application/json': { schema: ref(name) } } : {}), ...response.media } }
      : {}),
    ...(response.links ? { links: response.links } : {}),
  };
}

function operationOf(route: RouteSpec): Json {
  const parameters = parametersOf(route);
  const roles = route.roles ? `\n\nRoles: ${route.roles.join(', ')}.` : '';
  const operation: Json = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description || roles ? { description: `${route.description ?? ''}${roles}`.trim() } : {}),
    tags: route.tags,
    ...(route.auth === false ? { security: [] } : {}),
    ...(route.roles ? { 'x-roles': route.roles } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
  };
  if (route.body) {
    const name = nameOf(route.body, `${pascal(route.operationId)}Request`);
    const required = route.bodyRequired ?? (route.body as z.ZodType)._zod.optin !== 'optional';
    operation.requestBody = { required, content: { 'application/json': { schema: ref(name) } } };
  }
  operation.responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [status, responseOf(route, status, response)]),
  );
  return operation;
}

/** Builds the OpenAPI 3.1 document from the route registry. */
export function openApiDocument(routes: readonly RouteSpec[] = API_ROUTES): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = (paths[route.path] ??= {});
    if (path[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
    path[route.method] = operationOf(route);
  }
  // Last: every schema the operations named is in the registry now, and each becomes a component.
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    ...JSON_SCHEMA_OPTIONS,
    uri: (id) => `${SCHEMA_REF}${id}`,
  }) as { schemas: Record<string, Json> };
  const components = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const { $schema: _dialect, $id: _uri, id: _id, ...rest } = schema;
      return [name, rest];
    }),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'settleflow API',
      version: '0.1.0',
      description:
        "Runs a B2B order (seller, customer, supplier, carriers, payment gateway) from placement to settlement as one durable workflow per order. Amounts are integers in minor units with an ISO 4217 currency. Errors have Stripe's shape `{ error: { type, code, message, param } }`: 400 when a request breaks this document's schemas, 422 when it matches them but a rule they cannot state refuses it. A method a path does not declare is 405 with `Allow`. Every POST accepts an `Idempotency-Key` header. Generated from the zod schemas that validate requests.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routes.flatMap((route) => route.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: "The party's API key (`sf_<role>_...`)." },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the POST safe to retry: the key is reserved before the request runs, so of concurrent copies one runs and the others get 409 `idempotency_key_in_progress` while it runs. The same key with the same body then replays the first answer (header `Idempotent-Replayed: true`); after a 5xx (or 504) it runs again. With another body it is 422 `idempotency_key_reused` in every case. A reservation whose request died is free again after `IDEMPOTENCY_LOCK_MS`; keys are kept `IDEMPOTENCY_TTL_HOURS` and scoped by caller.',
          schema: inlineSchema(idempotencyKeySchema),
        },
      },
      schemas: components,
    },
  };
}
