/** Request parsing shared by the routes: JSON bodies (415/422) and query strings (400), errors naming the field. */
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpError } from '../errors.js';

/** `path: message; …` for every issue of a zod error. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Checks the `Content-Type` like axum's `Json` extractor (415 otherwise). */
export function requireJson(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  const mime = type?.split(';')[0]?.trim().toLowerCase();
  if (
    !mime ||
    !(mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json')))
  ) {
    throw new HttpError(415, 'Expected request with `Content-Type: application/json`');
  }
  if (request.body === undefined) {
    throw new HttpError(400, 'Failed to parse the request body as JSON: the body is empty');
  }
}

/** Parses a JSON body with a wire schema; a shape mismatch is 422 naming the field. */
export function parseBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
  requireJson(request);
  const result = schema.safeParse(request.body);
  if (!result.success) {
    throw new HttpError(
      422,
      `Failed to deserialize the JSON body into the target type: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}

/** Parses the query string with a wire schema; a mismatch is 400 naming the field, like axum's `Query`. */
export function parseQuery<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
  const result = schema.safeParse(request.query ?? {});
  if (!result.success) {
    throw new HttpError(400, `Failed to deserialize query string: ${describeIssues(result.error)}`);
  }
  return result.data;
}
