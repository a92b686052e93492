import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerStatus } from '../../shared/contract/docker';
import { AppError } from '../../shared/contract/errors';
import { createDockerConnection } from '../../electron/services/docker/connection';
import type { DockerConnection, EngineEvent } from '../../electron/services/docker/types';
import { writeDockerContext } from '../support/dockerContext';

/**
 * A fake Engine on a unix socket: enough of /_ping, /version and /events to drive the connection's
 * state machine deterministically (the integration tests use the real dockerd).
 */
class FakeEngine {
  readonly server: http.Server;
  readonly sockets = new Set<Socket>();
  readonly eventStreams: http.ServerResponse[] = [];
  requests: string[] = [];
  pingStatus = 200;
  /** Answer nothing at all (an engine that hangs). */
  hang = false;

  constructor(readonly socketPath: string) {
    this.server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      if (this.hang) return;
      const url = req.url ?? '';
      if (url.startsWith('/_ping')) {
        res.writeHead(this.pingStatus, { 'Content-Type': 'text/plain' });
        res.end(this.pingStatus === 200 ? 'OK' : JSON.stringify({ message: 'engine is sick' }));
      } else if (url.startsWith('/version')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Version: '99.1.0-fake', ApiVersion: '1.99', Os: 'linux', Arch: 'arm64' }));
      } else if (url.startsWith('/events')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        this.eventStreams.push(res);
      } else {
        res.writeHead(404).end();
      }
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.socketPath, { force: true });
  }

  lastEvents(): http.ServerResponse {
    const res = this.eventStreams.at(-1);
    if (!res) throw new Error('no event stream open');
    return res;
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let sock: string;
let engine: FakeEngine | null;
let conn: DockerConnection | null;
let statuses: DockerStatus[];

function connect(extra: Partial<Parameters<typeof createDockerConnection>[0]> = {}, env: NodeJS.ProcessEnv = {}): DockerConnection {
  conn = createDockerConnection({
    env: { HOME: dir, DOCKER_CONFIG: dir, DOCKER_HOST: `unix://${sock}`, ...env },
    backoffMs: [40, 80, 160, 200],
    minStreamLifetimeMs: 0,
    ...extra,
  });
  conn.onStatus((s) => statuses.push(s));
  return conn;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-conn-'));
  sock = path.join(dir, 'engine.sock');
  engine = null;
  conn = null;
  statuses = [];
});

afterEach(async () => {
  await conn?.stop();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('DockerConnection (fake engine)', () => {
  it('starts in connecting, then reports the engine version once ping and version answer', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    expect(c.status().state).toBe('connecting');
    expect(c.status().endpoint?.url).toBe(`unix://${sock}`);
    c.start();
    const s = await waitFor('connected', () => statuses.find((x) => x.state === 'connected'));
    expect(s).toMatchObject({ engineVersion: '99.1.0-fake', apiVersion: '1.99', os: 'linux/arm64', error: null, nextRetryAt: null });
    expect(engine.requests.slice(0, 2)).toEqual(['/_ping', '/version']);
    await waitFor('event stream', () => engine?.eventStreams.length);
  });

  it('delivers engine events split across chunks, in order', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    const got: EngineEvent[] = [];
    c.onEngineEvent((e) => got.push(e));
    c.start();
    await waitFor('event stream', () => engine?.eventStreams.length);
    const body = [
      { Type: 'volume', Action: 'create', Actor: { ID: 'v1', Attributes: { driver: 'local' } }, time: 1 },
      { Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { name: 'x' } }, time: 2 },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const res = engine.lastEvents();
    res.write(body.slice(0, 25));
    await new Promise((r) => setTimeout(r, 30));
    res.write(body.slice(25, 70));
    await new Promise((r) => setTimeout(r, 30));
    res.write(`${body.slice(70)}\n`);
    await waitFor('two events', () => got.length === 2);
    expect(got.map((e) => `${e.Type}:${e.Action}:${e.Actor.ID}`)).toEqual(['volume:create:v1', 'container:die:c1']);
  });

  it('reopens the event stream when it ends but the engine still answers, without flapping the state', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    c.start();
    await waitFor('event stream', () => engine?.eventStreams.length === 1);
    engine.lastEvents().end();
    await waitFor('second event stream', () => engine?.eventStreams.length === 2);
    expect(statuses.map((s) => s.state)).toEqual(['connected']);
  });

  it('goes unreachable when the stream ends and the engine is gone, then recovers by itself', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    c.start();
    await waitFor('event stream', () => engine?.eventStreams.length);
    await engine.close();
    const down = await waitFor('unreachable', () => statuses.find((s) => s.state === 'unreachable'));
    expect(down.error?.message).toBe(`Docker is not running: no socket at ${sock} (set by DOCKER_HOST).`);
    expect(down.nextRetryAt).toBeGreaterThan(Date.now() - 1000);
    engine = new FakeEngine(sock);
    await engine.listen();
    await waitFor('connected again', () => c.status().state === 'connected');
    await waitFor('new event stream', () => engine?.eventStreams.length);
  });

  it('backs off 1, 2, 4, then 5 s by default (checked through the first nextRetryAt)', async () => {
    const c = createDockerConnection({ env: { HOME: dir, DOCKER_CONFIG: dir, DOCKER_HOST: `unix://${sock}` } });
    conn = c;
    c.start();
    const before = Date.now();
    const s = await c.retryNow();
    expect(s.state).toBe('unreachable');
    expect(s.nextRetryAt).not.toBeNull();
    expect((s.nextRetryAt ?? 0) - before).toBeGreaterThanOrEqual(900);
    expect((s.nextRetryAt ?? 0) - before).toBeLessThanOrEqual(2300);
  });

  it('grows the wait between attempts and caps it', async () => {
    const c = connect();
    const attempts: number[] = [];
    c.onStatus((s) => {
      if (s.nextRetryAt) attempts.push(s.nextRetryAt - Date.now());
    });
    c.start();
    await waitFor('five attempts', () => attempts.length >= 5, 3000);
    const rounded = attempts.slice(0, 5).map((ms) => Math.round(ms / 40) * 40);
    expect(rounded).toEqual([40, 80, 160, 200, 200]);
  });

  it('stop() ends retrying: no more attempts or status changes afterwards', async () => {
    const c = connect();
    c.start();
    await waitFor('unreachable', () => statuses.find((s) => s.state === 'unreachable'));
    await c.stop();
    expect(c.status().nextRetryAt).toBeNull();
    const seen = statuses.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(statuses.length).toBe(seen);
  });

  it('connectOnce() probes once without scheduling a retry', async () => {
    const c = connect();
    const s = await c.connectOnce();
    expect(s.state).toBe('unreachable');
    expect(s.nextRetryAt).toBeNull();
    expect(s.error?.hint).toMatch(/Start Docker Desktop or dockerd/);
    engine = new FakeEngine(sock);
    await engine.listen();
    const ok = await c.connectOnce();
    expect(ok.state).toBe('connected');
    await new Promise((r) => setTimeout(r, 100));
    expect(engine.eventStreams).toHaveLength(0);
  });

  it('reports an engine that answers ping with an error as DOCKER_ERROR', async () => {
    engine = new FakeEngine(sock);
    engine.pingStatus = 500;
    await engine.listen();
    const s = await connect().connectOnce();
    expect(s.state).toBe('unreachable');
    expect(s.error).toMatchObject({ code: 'DOCKER_ERROR' });
    expect(s.error?.message).toMatch(/engine is sick/);
  });

  it('gives up on an engine that does not answer within the probe timeout', async () => {
    engine = new FakeEngine(sock);
    engine.hang = true;
    await engine.listen();
    const t0 = Date.now();
    const s = await connect({ probeTimeoutMs: 300 }).connectOnce();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(s.error?.message).toBe(`Docker at unix://${sock} (set by DOCKER_HOST) did not answer: no answer within 300 ms.`);
  });

  it('retryNow() during an attempt joins it instead of starting another', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    const [a, b] = await Promise.all([c.retryNow(), c.retryNow()]);
    expect(a).toBe(b);
    expect(engine.requests.filter((r) => r === '/_ping')).toHaveLength(1);
  });

  it('a malformed DOCKER_HOST is an error state from the start, and client() throws it', async () => {
    const c = connect({}, { DOCKER_HOST: 'tcp://host:notaport' });
    expect(c.status()).toMatchObject({ state: 'unreachable', endpoint: null });
    expect(c.status().error?.message).toBe('DOCKER_HOST=tcp://host:notaport is not a valid address: port "notaport" is not a number.');
    expect(() => c.client()).toThrow(AppError);
    const s = await c.connectOnce();
    expect(s.error?.message).toMatch(/is not a valid address/);
  });

  it('reports unreadable TLS material as an error state instead of throwing', () => {
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(path.join(certs, 'ca.pem'), { recursive: true }); // a folder where a file belongs
    const c = connect({}, { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(c.status()).toMatchObject({ state: 'unreachable', endpoint: { url: 'tcp://127.0.0.1:1', tls: true } });
    expect(c.status().error?.message).toMatch(/^Cannot set up the connection to tcp:\/\/127\.0\.0\.1:1: EISDIR/);
    expect(c.status().error?.hint).toMatch(/DOCKER_CERT_PATH/);
    expect(() => c.client()).toThrow(/Cannot set up the connection/);
  });

  it('listeners that throw do not stop the others', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const c = connect();
    c.onStatus(() => {
      throw new Error('bad listener');
    });
    const late: DockerStatus[] = [];
    c.onStatus((s) => late.push(s));
    await c.connectOnce();
    expect(late.map((s) => s.state)).toEqual(['connected']);
  });
});

describe('DockerConnection.useContext', () => {
  it('switches to a context over DOCKER_HOST, drops the old event stream, and goes back with null', async () => {
    engine = new FakeEngine(sock);
    await engine.listen();
    const other = new FakeEngine(path.join(dir, 'other.sock'));
    await other.listen();
    try {
      writeDockerContext(dir, 'other', { Host: `unix://${other.socketPath}` });
      const c = connect();
      c.start();
      await waitFor('first engine events', () => engine?.eventStreams.length);
      const first = engine.lastEvents();

      const s = await c.useContext('other');
      expect(s).toMatchObject({ state: 'connected', endpoint: { url: `unix://${other.socketPath}`, context: 'other', source: 'DOCKER_CONTEXT' } });
      // Listeners saw the new endpoint while it connected, then connected.
      expect(statuses.at(-2)).toMatchObject({ state: 'connecting', endpoint: { context: 'other' } });
      await waitFor('old stream closed', () => first.closed || first.destroyed || first.writableEnded);
      await waitFor('second engine events', () => other.eventStreams.length);
      expect(other.requests.slice(0, 2)).toEqual(['/_ping', '/version']);

      const back = await c.useContext(null);
      expect(back).toMatchObject({ state: 'connected', endpoint: { url: `unix://${sock}`, context: null, source: 'DOCKER_HOST' } });
    } finally {
      await conn?.stop();
      await other.close();
    }
  });

  it('starts on the context given at creation, and a missing one is an error state naming it', async () => {
    const c = connect({ context: 'nosuch' });
    expect(c.status()).toMatchObject({ state: 'unreachable', endpoint: null });
    expect(c.status().error?.message).toMatch(/Docker context "nosuch" \(from DOCKER_CONTEXT\) does not exist/);
  });
});
