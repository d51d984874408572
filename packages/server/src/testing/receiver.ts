/** A fake webhook receiver (Slack/OpsGenie stand-in) on 127.0.0.1:0 that records every request. */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides each answer; default 200 `{"ok":true}`. Return `'hang'` to never answer. */
  respond: (req: ReceivedRequest, res: ServerResponse) => number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver = {
    url: '',
    requests: [] as ReceivedRequest[],
    respond: (() => 200) as Receiver['respond'],
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      receiver.requests.push(entry);
      const status = receiver.respond(entry, res);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
