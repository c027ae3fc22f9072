/**
 * A local node:http server for the REST client tests. It answers with the exchanges recorded
 * from a real MLflow 2.2.2 server (fixtures/mlflow-2.2.2/rest/), matching a request on method,
 * path, query and body; a test can put its own handler in front (errors, outages, state).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { REST_DIR, assertFixtures } from './fixture-store.ts';

export interface Exchange {
  name: string;
  request: { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON for JSON requests, else the raw text; null without a body. */
  body: unknown;
}

export type Answer = { status: number; body: unknown; headers?: Record<string, string> } | 'drop' | undefined;
export type Handler = (req: Received) => Answer | Promise<Answer>;

export async function loadExchanges(): Promise<Exchange[]> {
  assertFixtures();
  const names = (await readdir(REST_DIR)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (name) => ({ name: name.replace(/\.json$/, ''), ...JSON.parse(await readFile(join(REST_DIR, name), 'utf8')) })));
}

/** Arrays of {key, ...} objects compare as sets (the recordings' arrays have no meaningful order). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical);
    if (items.every((x) => x !== null && typeof x === 'object' && 'key' in (x as object))) {
      return [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    }
    return items;
  }
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, canonical(x)]));
  return v;
}

export interface TestServer {
  url: string;
  received: Received[];
  /** Names of the recorded exchanges that answered at least once. */
  replayed: Set<string>;
  handler: Handler | undefined;
  close(): Promise<void>;
}

/** `port` 0 picks a free one; a given port restarts a stopped server at the same address. */
export async function startTestServer(exchanges: Exchange[] = [], port = 0): Promise<TestServer> {
  const state: TestServer = { url: '', received: [], replayed: new Set(), handler: undefined, close: async () => {} };

  const replay = (req: Received): Answer => {
    for (const ex of exchanges) {
      const r = ex.request;
      if (r.method !== req.method || r.path !== req.path || !isDeepStrictEqual(r.query, req.query)) continue;
      if (r.headers['content-type'] !== undefined && r.headers['content-type'] !== req.contentType) continue;
      if (!isDeepStrictEqual(canonical(r.body), canonical(req.body))) continue;
      state.replayed.add(ex.name);
      return { status: ex.response.status, body: ex.response.body, headers: ex.response.headers };
    }
    return { status: 418, body: { error_code: 'NO_RECORDING', message: `no recorded exchange for ${req.method} ${req.path} ${JSON.stringify(req.query)} ${JSON.stringify(req.body).slice(0, 400)}` } };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'];
      let body: unknown = null;
      if (text !== '') {
        body = text;
        if (contentType === 'application/json' && req.method !== 'PUT') {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
      }
      const received: Received = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        contentType,
        body,
      };
      state.received.push(received);
      const answer = (await state.handler?.(received)) ?? replay(received);
      if (answer === 'drop') {
        req.socket.destroy();
        return;
      }
      const headers = { 'content-type': 'application/json', ...(answer?.headers ?? {}) };
      const isJson = headers['content-type'].includes('application/json');
      res.writeHead(answer!.status, headers);
      res.end(isJson ? JSON.stringify(answer!.body) : String(answer!.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
