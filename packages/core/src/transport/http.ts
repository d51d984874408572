import { acquireSession } from '../client/http-session.js';
import type { HttpSessionOptions, HttpSession } from '../client/http-session.js';
import type { HttpConfig, HttpConfigOptions } from './http-config.js';
import type { Transport } from './types.js';

/**
 * Delivers `ServerRecords` batches with `POST /scouter/message`, the body sent byte for byte as given.
 * Unlike Scouter's producer it checks the status: 2xx resolves; anything else rejects with a `ScouterError`
 * (`retryable` for network errors, timeouts, 408/429/5xx; `retryAfterMs` from `Retry-After`). The only retry it does
 * itself is the session's single re-login after a 401; the queue owns every other retry.
 */
export class HttpTransport implements Transport {
  /** Always `'http'`. */
  readonly kind = 'http';
  /** The authenticated session used to post (shareable with a `ScouterClient`). */
  readonly session: HttpSession;
  readonly #ownsSession: boolean;

  /** Builds a transport from a config (own session and pool) or an existing session (left open by `close()`). */
  constructor(config: HttpConfig | HttpConfigOptions | HttpSession = {}, options: HttpSessionOptions = {}) {
    ({ session: this.session, owned: this.#ownsSession } = acquireSession(config, options));
  }

  /** Posts one `{"records":[…]}` body to `/scouter/message`. */
  async publish(body: string): Promise<void> {
    await this.session.send('POST', 'message', { body });
  }

  /** Closes the session's pool when this transport created it; idempotent. */
  async close(): Promise<void> {
    if (this.#ownsSession) await this.session.close();
  }
}
