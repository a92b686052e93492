import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  contextDirName,
  DEFAULT_UNIX_SOCKET,
  parseDockerHost,
  resolveDockerEndpoint,
  type EndpointResolution,
  type ResolvedEndpoint,
  type UnresolvedEndpoint,
} from '../../electron/services/docker/endpoint';
import { writeDockerContext } from '../support/dockerContext';

let home: string;
let configDir: string;
/** Whether the machine-wide /var/run/docker.sock "exists" for the resolver. */
let systemSocket: boolean;

const exists = (f: string) => (f === DEFAULT_UNIX_SOCKET ? systemSocket : fs.existsSync(f));

function resolve(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = 'linux'): EndpointResolution {
  return resolveDockerEndpoint({ env: { HOME: home, DOCKER_CONFIG: configDir, ...env }, platform, homedir: home, exists });
}

function ok(r: EndpointResolution): ResolvedEndpoint {
  if (!r.ok) throw new Error(`expected a resolved endpoint, got: ${r.error.message}`);
  return r;
}

function bad(r: EndpointResolution): UnresolvedEndpoint {
  if (r.ok) throw new Error(`expected an error, got ${r.endpoint.url}`);
  return r;
}

/** A TCP target on Docker's TLS port, verified with the ca/cert/key.pem found in `certs`. */
function verifiedTcp(host: string, certs: string) {
  const pem = (f: string) => path.join(certs, `${f}.pem`);
  return { kind: 'tcp', host, port: 2376, pathPrefix: '', tls: { ca: pem('ca'), cert: pem('cert'), key: pem('key'), verify: true } };
}

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function writeContext(name: string, endpoint: Record<string, unknown> | null, tlsFiles: string[] = []): void {
  writeDockerContext(configDir, name, endpoint, Object.fromEntries(tlsFiles.map((f) => [f, `-- ${f} --`])));
}

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-endpoint-home-'));
  configDir = path.join(home, 'docker-config');
  fs.mkdirSync(configDir);
  systemSocket = true;
});

afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

describe('platform default', () => {
  it('uses /var/run/docker.sock when it exists', () => {
    const r = ok(resolve({}));
    expect(r.endpoint).toEqual({ url: 'unix:///var/run/docker.sock', protocol: 'unix', source: 'default socket', context: null, tls: false, local: true });
    expect(r.target).toEqual({ kind: 'socket', path: '/var/run/docker.sock' });
  });

  it("falls back to Docker Desktop's socket in the home folder when the default one does not exist", () => {
    systemSocket = false;
    const desktop = write(path.join(home, '.docker', 'run', 'docker.sock'), '');
    const r = ok(resolve({}));
    expect(r.endpoint.source).toBe('Docker Desktop socket');
    expect(r.endpoint.url).toBe(`unix://${desktop}`);
    expect(r.target).toEqual({ kind: 'socket', path: desktop });
  });

  it('prefers the system socket over Docker Desktop when both exist', () => {
    write(path.join(home, '.docker', 'run', 'docker.sock'), '');
    expect(ok(resolve({})).endpoint.source).toBe('default socket');
  });

  it('still names /var/run/docker.sock when neither socket exists (so the error can say so)', () => {
    systemSocket = false;
    const r = ok(resolve({}));
    expect(r.endpoint.url).toBe('unix:///var/run/docker.sock');
    expect(r.endpoint.source).toBe('default socket');
  });

  it('uses the docker_engine named pipe on Windows', () => {
    const r = ok(resolve({}, 'win32'));
    expect(r.endpoint).toMatchObject({ url: 'npipe:////./pipe/docker_engine', protocol: 'npipe', source: 'default pipe', local: true });
    expect(r.target).toEqual({ kind: 'socket', path: '//./pipe/docker_engine' });
  });
});

describe('DOCKER_HOST', () => {
  it('takes a unix socket path', () => {
    const r = ok(resolve({ DOCKER_HOST: 'unix:///tmp/some.sock' }));
    expect(r.endpoint).toEqual({ url: 'unix:///tmp/some.sock', protocol: 'unix', source: 'DOCKER_HOST', context: null, tls: false, local: true });
    expect(r.target).toEqual({ kind: 'socket', path: '/tmp/some.sock' });
  });

  it('reads unix:// without a path as the default socket', () => {
    expect(ok(resolve({ DOCKER_HOST: 'unix://' })).target).toEqual({ kind: 'socket', path: '/var/run/docker.sock' });
  });

  it('takes a tcp address; remote hosts are not local, plain HTTP without DOCKER_TLS_VERIFY', () => {
    const r = ok(resolve({ DOCKER_HOST: 'tcp://docker.example.com:2375' }));
    expect(r.endpoint).toEqual({ url: 'tcp://docker.example.com:2375', protocol: 'tcp', source: 'DOCKER_HOST', context: null, tls: false, local: false });
    expect(r.target).toEqual({ kind: 'tcp', host: 'docker.example.com', port: 2375, pathPrefix: '', tls: null });
  });

  it('treats loopback tcp hosts as local and fills in the default port', () => {
    for (const [host, port] of [
      ['tcp://127.0.0.1', 2375],
      ['tcp://localhost:1234', 1234],
      ['tcp://[::1]:2375', 2375],
    ] as const) {
      const r = ok(resolve({ DOCKER_HOST: host }));
      expect(r.endpoint.local, host).toBe(true);
      expect(r.target).toMatchObject({ kind: 'tcp', port });
    }
    expect(ok(resolve({ DOCKER_HOST: 'tcp://[::1]:2375' })).endpoint.url).toBe('tcp://[::1]:2375');
  });

  it('reads host:port without a scheme as tcp, like the docker CLI', () => {
    expect(ok(resolve({ DOCKER_HOST: 'myhost:4243' })).target).toEqual({ kind: 'tcp', host: 'myhost', port: 4243, pathPrefix: '', tls: null });
  });

  it('takes ssh://user@host:port', () => {
    const r = ok(resolve({ DOCKER_HOST: 'ssh://deploy@build.example.com:2222' }));
    expect(r.endpoint).toEqual({ url: 'ssh://deploy@build.example.com:2222', protocol: 'ssh', source: 'DOCKER_HOST', context: null, tls: false, local: false });
    expect(r.target).toEqual({ kind: 'ssh', host: 'build.example.com', port: 2222, username: 'deploy' });
    expect(ok(resolve({ DOCKER_HOST: 'ssh://localhost' })).target).toEqual({ kind: 'ssh', host: 'localhost', port: null, username: null });
  });

  it('takes npipe://', () => {
    const r = ok(resolve({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, 'win32'));
    expect(r.target).toEqual({ kind: 'socket', path: '//./pipe/docker_engine' });
    expect(r.endpoint).toMatchObject({ protocol: 'npipe', local: true, source: 'DOCKER_HOST' });
  });

  it('wins over DOCKER_CONTEXT and the current context', () => {
    writeContext('remote', { Host: 'tcp://remote:2375', SkipTLSVerify: false });
    write(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    const r = ok(resolve({ DOCKER_HOST: 'unix:///tmp/x.sock', DOCKER_CONTEXT: 'remote' }));
    expect(r.endpoint.source).toBe('DOCKER_HOST');
    expect(r.endpoint.url).toBe('unix:///tmp/x.sock');
  });

  it.each([
    ['foo://bar', 'unsupported protocol'],
    ['tcp://host:abc', 'not a number'],
    ['tcp://host:99999', 'out of range'],
    ['tcp://user@host:2375', 'user name is not allowed'],
    ['tcp://host:2375?x=1', 'query parameters'],
    ['tcp://a:b:c', 'more than one ":"'],
    ['ssh://user:secret@host', 'password'],
    ['ssh://', 'ssh'],
    ['ssh://host/some/path', 'extra path'],
    ['unix://tcp://x', 'another protocol'],
    ['fd://', 'dockerd'],
  ])('reports %s as not a valid address', (value, why) => {
    const r = bad(resolve({ DOCKER_HOST: value }));
    expect(r.error.code).toBe('DOCKER_UNREACHABLE');
    expect(r.error.message).toContain(`DOCKER_HOST=${value} is not a valid address: `);
    expect(r.error.message).toContain(why);
    expect(r.error.hint).toMatch(/unset it/);
    expect(r.source).toBe('DOCKER_HOST');
  });
});

describe('TLS for DOCKER_HOST', () => {
  function certDir(files: string[]): string {
    const dir = path.join(home, 'certs');
    for (const f of files) write(path.join(dir, f), f);
    return dir;
  }

  it('uses ca, cert and key from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set, and 2376 as default port', () => {
    const dir = certDir(['ca.pem', 'cert.pem', 'key.pem']);
    const r = ok(resolve({ DOCKER_HOST: 'tcp://remote', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
    expect(r.endpoint.tls).toBe(true);
    expect(r.endpoint.url).toBe('tcp://remote:2376');
    expect(r.target).toEqual(verifiedTcp('remote', dir));
  });

  it('looks in the docker config folder when DOCKER_CERT_PATH is not set', () => {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) write(path.join(configDir, f), f);
    const r = ok(resolve({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1' }));
    expect(r.target).toMatchObject({ tls: { ca: path.join(configDir, 'ca.pem'), key: path.join(configDir, 'key.pem'), verify: true } });
  });

  it('falls back to ~/.docker when neither DOCKER_CERT_PATH nor DOCKER_CONFIG is set', () => {
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) write(path.join(home, '.docker', f), f);
    const r = ok(resolveDockerEndpoint({ env: { HOME: home, DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1' }, platform: 'linux', exists }));
    expect(r.target).toMatchObject({ tls: { ca: path.join(home, '.docker', 'ca.pem'), cert: path.join(home, '.docker', 'cert.pem') } });
  });

  it('connects without a client certificate when only ca.pem is there', () => {
    const dir = certDir(['ca.pem']);
    const r = ok(resolve({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
    expect(r.target).toMatchObject({ tls: { ca: path.join(dir, 'ca.pem'), cert: null, key: null, verify: true } });
  });

  it('reports a missing ca.pem with its path and what to do', () => {
    const dir = certDir(['cert.pem', 'key.pem']);
    const r = bad(resolve({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
    expect(r.error.message).toContain(path.join(dir, 'ca.pem'));
    expect(r.error.hint).toMatch(/DOCKER_CERT_PATH/);
  });

  it('reports a certificate without its key', () => {
    const dir = certDir(['ca.pem', 'cert.pem']);
    const r = bad(resolve({ DOCKER_HOST: 'tcp://remote:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
    expect(r.error.message).toMatch(/no key\.pem/);
  });

  it('DOCKER_TLS alone means TLS without verification', () => {
    const r = ok(resolve({ DOCKER_HOST: 'tcp://remote', DOCKER_TLS: '1', DOCKER_CERT_PATH: certDir([]) }));
    expect(r.endpoint.tls).toBe(true);
    expect(r.target).toMatchObject({ port: 2376, tls: { ca: null, verify: false } });
  });

  it('ignores DOCKER_TLS_VERIFY for unix sockets, as the CLI does', () => {
    const r = ok(resolve({ DOCKER_HOST: 'unix:///tmp/d.sock', DOCKER_TLS_VERIFY: '1' }));
    expect(r.endpoint.tls).toBe(false);
  });
});

describe('docker contexts', () => {
  it('follows DOCKER_CONTEXT to meta.json under the SHA-256 of the name', () => {
    expect(contextDirName('desktop-linux')).toBe('fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e');
    writeContext('desktop-linux', { Host: `unix://${home}/.docker/desktop/docker.sock`, SkipTLSVerify: false });
    const r = ok(resolve({ DOCKER_CONTEXT: 'desktop-linux' }));
    expect(r.endpoint).toEqual({
      url: `unix://${home}/.docker/desktop/docker.sock`,
      protocol: 'unix',
      source: 'DOCKER_CONTEXT',
      context: 'desktop-linux',
      tls: false,
      local: true,
    });
  });

  it("uses config.json's currentContext when DOCKER_CONTEXT is not set", () => {
    writeContext('remote', { Host: 'ssh://me@remote', SkipTLSVerify: false });
    write(path.join(configDir, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'remote' }));
    const r = ok(resolve({}));
    expect(r.endpoint).toMatchObject({ url: 'ssh://me@remote', source: 'config.json currentContext', context: 'remote', local: false });
  });

  it('lets DOCKER_CONTEXT win over currentContext', () => {
    writeContext('one', { Host: 'tcp://one:2375' });
    writeContext('two', { Host: 'tcp://two:2375' });
    write(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'one' }));
    const r = ok(resolve({ DOCKER_CONTEXT: 'two' }));
    expect(r.endpoint).toMatchObject({ url: 'tcp://two:2375', context: 'two', source: 'DOCKER_CONTEXT' });
  });

  it('reads the context named "default" as no context at all', () => {
    write(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'default' }));
    expect(ok(resolve({})).endpoint).toMatchObject({ source: 'default socket', context: null });
    expect(ok(resolve({ DOCKER_CONTEXT: 'default' })).endpoint).toMatchObject({ source: 'default socket', context: null });
  });

  it("takes the context's TLS material from contexts/tls/<hash>/docker", () => {
    writeContext('secure', { Host: 'tcp://secure.example.com:2376', SkipTLSVerify: false }, ['ca.pem', 'cert.pem', 'key.pem']);
    const tlsDir = path.join(configDir, 'contexts', 'tls', contextDirName('secure'), 'docker');
    const r = ok(resolve({ DOCKER_CONTEXT: 'secure' }));
    expect(r.endpoint.tls).toBe(true);
    expect(r.target).toEqual(verifiedTcp('secure.example.com', tlsDir));
  });

  it('honours SkipTLSVerify', () => {
    writeContext('lax', { Host: 'tcp://lax:2376', SkipTLSVerify: true });
    const r = ok(resolve({ DOCKER_CONTEXT: 'lax' }));
    expect(r.target).toMatchObject({ tls: { verify: false, ca: null } });
  });

  it('does not apply DOCKER_TLS_VERIFY to a context (only DOCKER_HOST uses it)', () => {
    writeContext('plain', { Host: 'tcp://plain:2375' });
    const r = ok(resolve({ DOCKER_CONTEXT: 'plain', DOCKER_TLS_VERIFY: '1' }));
    expect(r.endpoint.tls).toBe(false);
  });

  it('reports a context that does not exist, naming where it came from', () => {
    const r = bad(resolve({ DOCKER_CONTEXT: 'nope' }));
    expect(r.error.message).toMatch(/Docker context "nope" \(from DOCKER_CONTEXT\) does not exist/);
    expect(r.error.hint).toMatch(/docker context ls/);
    expect(r).toMatchObject({ source: 'DOCKER_CONTEXT', context: 'nope' });

    write(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    const r2 = bad(resolve({}));
    expect(r2.error.message).toContain('currentContext in');
    expect(r2.error.hint).toMatch(/docker context use/);
  });

  it('reports a malformed meta.json, a context without a docker endpoint, and an invalid host', () => {
    write(path.join(configDir, 'contexts', 'meta', contextDirName('broken'), 'meta.json'), '{ not json');
    expect(bad(resolve({ DOCKER_CONTEXT: 'broken' })).error.message).toMatch(/Docker context "broken" is unreadable/);

    writeContext('empty', null);
    expect(bad(resolve({ DOCKER_CONTEXT: 'empty' })).error.message).toMatch(/has no docker endpoint/);

    writeContext('weird', { Host: 'gopher://x' });
    const r = bad(resolve({ DOCKER_CONTEXT: 'weird' }));
    expect(r.error.message).toMatch(/Docker context "weird" has an invalid host "gopher:\/\/x": unsupported protocol/);
    expect(r.error.hint).toMatch(/docker context update weird/);
  });

  it('warns about an unreadable config.json and carries on with the default, like the CLI', () => {
    write(path.join(configDir, 'config.json'), '{ broken');
    const r = ok(resolve({}));
    expect(r.endpoint.source).toBe('default socket');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain(path.join(configDir, 'config.json'));
  });

  it('finds config.json in ~/.docker when DOCKER_CONFIG is not set', () => {
    const dotDocker = path.join(home, '.docker');
    write(path.join(dotDocker, 'config.json'), JSON.stringify({ currentContext: 'ctx' }));
    write(path.join(dotDocker, 'contexts', 'meta', contextDirName('ctx'), 'meta.json'), JSON.stringify({ Endpoints: { docker: { Host: 'tcp://ctx:2375' } } }));
    const r = ok(resolveDockerEndpoint({ env: { HOME: home }, platform: 'linux', exists }));
    expect(r.endpoint).toMatchObject({ url: 'tcp://ctx:2375', context: 'ctx' });
  });
});

describe('parseDockerHost', () => {
  it('keeps a tcp path prefix and drops a bare slash', () => {
    expect(parseDockerHost('tcp://h:1/prefix', { tls: false })).toEqual({ protocol: 'tcp', host: 'h', port: 1, pathPrefix: '/prefix' });
    expect(parseDockerHost('tcp://h:1/', { tls: false })).toEqual({ protocol: 'tcp', host: 'h', port: 1, pathPrefix: '' });
  });

  it('trims whitespace and defaults an empty tcp host to localhost', () => {
    expect(parseDockerHost('  tcp://:2375 ', { tls: false })).toEqual({ protocol: 'tcp', host: 'localhost', port: 2375, pathPrefix: '' });
  });
});
