/** An error a route answers with a given status and JSON body (`{"error": …}` unless a body is given). */
export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, message: string, body?: Record<string, unknown>) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.body = body ?? { error: message };
  }
}

/** The auth middleware's body shape: `{"error":"Unauthorized","message":…}`. */
export function unauthorized(message: string): HttpError {
  return new HttpError(401, message, { error: 'Unauthorized', message });
}

/** 403 `{"error":"Permission denied"}`, as Scouter answers every failed permission check. */
export function permissionDenied(): HttpError {
  return new HttpError(403, 'Permission denied');
}
