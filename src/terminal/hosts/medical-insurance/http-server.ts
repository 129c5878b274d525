/**
 * The centre over real HTTP (node:http), as an HIS reaches the platform: POST the envelope to
 * `/fsi/api/rsfComIfsService/callService` (DOMAIN.md §4.1) and read the envelope answered. Listens
 * on 127.0.0.1 only. Every answer to that path is HTTP 200 with the platform's envelope, a refusal
 * included (infcode "-1"); another path is 404 and another method 405, both with an envelope too.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../log.js';
import { CentreError } from './errors.js';
import { CALL_SERVICE_PATH, type PlatformFace } from './wire.js';

/** Largest request body read (bytes). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CentreServerOptions {
  face: PlatformFace;
  /** 0 asks the system for a free port. */
  port: number;
  host?: string;
  log?: Logger;
}

export interface RunningCentreServer {
  readonly port: number;
  /** The URL an HIS configures as the platform's. */
  readonly url: string;
  close(): Promise<void>;
}

/** The server could not start (the message is one line for the user). */
export class CentreServerError extends Error {
  override name = 'CentreServerError';
}

/** Starts the server; resolves once it listens. */
export function startCentreServer(options: CentreServerOptions): Promise<RunningCentreServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(options.face, req, res, options.log).catch((err: unknown) => {
      options.log?.error({ err }, 'request failed');
      if (!res.headersSent) send(res, 500, options.face.refuse(new CentreError('internal', (err as Error)?.message ?? String(err))));
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${options.port} on ${host} is in use (choose another --port, or 0 for any free port)`
          : err.code === 'EACCES'
            ? `port ${options.port} on ${host} needs privileges (choose a port above 1023)`
            : `cannot listen on ${host}:${options.port}: ${err.message}`;
      reject(new CentreServerError(why));
    });
    server.listen(options.port, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, url: `http://${host}:${port}${CALL_SERVICE_PATH}`, close: () => closeServer(server) });
    });
  });
}

async function handle(face: PlatformFace, req: IncomingMessage, res: ServerResponse, log: Logger | undefined): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== CALL_SERVICE_PATH) {
    req.resume();
    send(res, 404, face.refuse(new CentreError('envelope', `no service at ${path}; POST the envelope to ${CALL_SERVICE_PATH}`)));
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    res.setHeader('Allow', 'POST');
    send(res, 405, face.refuse(new CentreError('envelope', `${req.method} is not answered; POST the envelope as JSON`)));
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    send(res, 413, face.refuse(new CentreError('envelope', `the request body is larger than ${MAX_BODY_BYTES} bytes`)));
    return;
  }
  log?.debug({ bytes: body.length }, 'request');
  send(res, 200, face.handle(body));
}

/** The body as UTF-8 text, or undefined when it is too large. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
