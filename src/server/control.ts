/**
 * The control interface of `sscard serve`: a small local HTTP endpoint (TCP on 127.0.0.1, or a Unix
 * socket) to insert and remove cards while they are served. Documented in docs/control.md.
 *
 * Routes are a table (method, path pattern, handler) so that other tools (QA fault injection) add
 * entries without touching the server: `createControlServer(targets, { routes: [...defaultRoutes, …] })`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { SlotState } from './vpcd.js';

/** What the control interface can act on: one served card. */
export interface ControlTarget {
  /** vpcd slot number (the `:slot` of the routes). */
  readonly slotNumber: number;
  state(): SlotState;
  insert(): void;
  remove(): void;
}

/** A request as route handlers see it. */
export interface ControlRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  targets: readonly ControlTarget[];
  /** The target named by `:slot`, when the route has one (a missing slot is answered 404 before). */
  target?: ControlTarget;
}

/** A handler's answer: HTTP status and a JSON body. */
export interface ControlResponse {
  status: number;
  body: unknown;
}

/** One entry of the route table. Paths are literal segments and `:name` parameters. */
export interface ControlRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  describe: string;
  handle(req: ControlRequest): ControlResponse | Promise<ControlResponse>;
}

/** The built-in routes: list cards, remove a card, insert a card. */
export const defaultRoutes: ControlRoute[] = [
  {
    method: 'GET',
    path: '/cards',
    describe: 'state of every served card',
    handle: ({ targets }) => ({ status: 200, body: { cards: targets.map((t) => t.state()) } }),
  },
  {
    method: 'GET',
    path: '/cards/:slot',
    describe: 'state of one card',
    handle: ({ target }) => ({ status: 200, body: target!.state() }),
  },
  {
    method: 'POST',
    path: '/cards/:slot/remove',
    describe: 'take the card out of its reader (get ATR answers empty: pcscd sees a removal)',
    handle: ({ target }) => {
      target!.remove();
      return { status: 200, body: target!.state() };
    },
  },
  {
    method: 'POST',
    path: '/cards/:slot/insert',
    describe: 'put the card back into its reader',
    handle: ({ target }) => {
      target!.insert();
      return { status: 200, body: target!.state() };
    },
  },
];

/** Where the control interface listens: a TCP port on 127.0.0.1 or a Unix socket path. */
export type ControlAddress = { port: number; host?: string } | { socket: string };

/** Parses `--control`: digits are a TCP port (0 = any free port), anything else a socket path. */
export function parseControlAddress(text: string): ControlAddress {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const port = Number(t);
    if (port > 65535) throw new RangeError(`control: port must be 0..65535, got ${t}`);
    return { port };
  }
  if (t.length === 0) throw new RangeError('control: empty address');
  return { socket: t };
}

/** Options of {@link createControlServer}. */
export interface ControlServerOptions {
  log: Logger;
  routes?: ControlRoute[];
}

/** A listening control server. */
export interface ControlServer {
  /** `http://127.0.0.1:port` or `unix:/path`. */
  readonly url: string;
  readonly port: number | undefined;
  close(): Promise<void>;
}

function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
}

const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlHttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlHttpError(400, 'request body is not JSON');
  }
}

class ControlHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Routes one request through the table (exported for tests without sockets). */
export async function dispatchControl(
  routes: readonly ControlRoute[],
  targets: readonly ControlTarget[],
  method: string,
  url: string,
  body: unknown,
): Promise<ControlResponse> {
  const path = new URL(url, 'http://control').pathname.replace(/\/+$/, '') || '/';
  const candidates = routes.map((r) => ({ route: r, params: match(r.path, path) })).filter((c) => c.params);
  if (candidates.length === 0) {
    return {
      status: 404,
      body: { error: `no route ${path}`, routes: routes.map((r) => `${r.method} ${r.path} — ${r.describe}`) },
    };
  }
  const hit = candidates.find((c) => c.route.method === method);
  if (!hit) {
    return { status: 405, body: { error: `${method} not allowed on ${path}`, allow: candidates.map((c) => c.route.method) } };
  }
  const params = hit.params!;
  let target: ControlTarget | undefined;
  if (params.slot !== undefined) {
    target = /^\d+$/.test(params.slot) ? targets.find((t) => t.slotNumber === Number(params.slot)) : undefined;
    if (!target) {
      return { status: 404, body: { error: `no card served in slot ${params.slot}`, slots: targets.map((t) => t.slotNumber) } };
    }
  }
  return hit.route.handle({ method, path, params, body, targets, target });
}

/** Starts the control server on a TCP port of 127.0.0.1 (default host) or on a Unix socket. */
export async function createControlServer(
  targets: readonly ControlTarget[],
  address: ControlAddress,
  options: ControlServerOptions,
): Promise<ControlServer> {
  const routes = options.routes ?? defaultRoutes;
  const log = options.log.child({ component: 'control' });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let answer: ControlResponse;
      try {
        const body = await readBody(req);
        answer = await dispatchControl(routes, targets, req.method ?? 'GET', req.url ?? '/', body);
      } catch (err) {
        answer =
          err instanceof ControlHttpError
            ? { status: err.status, body: { error: err.message } }
            : { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
      }
      log.info({ method: req.method, url: req.url, status: answer.status }, 'control request');
      const text = `${JSON.stringify(answer.body)}\n`;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    })();
  });

  if ('socket' in address) {
    // A stale socket left by a killed server would make listen fail: remove it, but only if it is a socket.
    if (existsSync(address.socket)) {
      if (!lstatSync(address.socket).isSocket()) throw new Error(`control: ${address.socket} exists and is not a socket`);
      unlinkSync(address.socket);
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('socket' in address) server.listen(address.socket, () => resolve());
    else server.listen(address.port, address.host ?? '127.0.0.1', () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : undefined;
  const url = 'socket' in address ? `unix:${address.socket}` : `http://${address.host ?? '127.0.0.1'}:${port}`;
  log.info({ url }, 'control interface listening');
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => {
          if ('socket' in address && existsSync(address.socket)) {
            try {
              unlinkSync(address.socket);
            } catch {
              /* ignore */
            }
          }
          resolve();
        });
      }),
  };
}
