import { describe, expect, it } from 'vitest';
import type { DockerEndpoint } from '../../shared/contract/docker';
import { buildAiLabUrl, remoteLoopbackWarning } from '../../electron/services/launcher/url';

const ep = (url: string, local: boolean, protocol: DockerEndpoint['protocol']): DockerEndpoint => ({
  url,
  protocol,
  local,
  source: 'DOCKER_HOST',
  context: null,
  tls: false,
});
const unix = ep('unix:///var/run/docker.sock', true, 'unix');
const tcp = ep('tcp://docker.example.com:2376', false, 'tcp');
const ssh = ep('ssh://me@build-box', false, 'ssh');
const tcpV6 = ep('tcp://[fd00::5]:2375', false, 'tcp');

describe('the URL main builds', () => {
  it('uses loopback for a local engine, also when listening on all interfaces', () => {
    expect(buildAiLabUrl(unix, '127.0.0.1', 49494)).toBe('http://127.0.0.1:49494/');
    expect(buildAiLabUrl(unix, '0.0.0.0', 49495)).toBe('http://127.0.0.1:49495/');
    expect(buildAiLabUrl(unix, '::', 8888)).toBe('http://127.0.0.1:8888/');
    expect(buildAiLabUrl(null, '0.0.0.0', 1234)).toBe('http://127.0.0.1:1234/');
  });

  it("uses the engine's host for tcp and ssh engines", () => {
    expect(buildAiLabUrl(tcp, '0.0.0.0', 49494)).toBe('http://docker.example.com:49494/');
    expect(buildAiLabUrl(ssh, '0.0.0.0', 49494)).toBe('http://build-box:49494/');
    expect(buildAiLabUrl(tcpV6, '0.0.0.0', 49494)).toBe('http://[fd00::5]:49494/');
    expect(buildAiLabUrl(tcp, '127.0.0.1', 49494)).toBe('http://docker.example.com:49494/');
  });

  it('uses a specific listen address as it is', () => {
    expect(buildAiLabUrl(unix, '192.168.1.20', 49494)).toBe('http://192.168.1.20:49494/');
    expect(buildAiLabUrl(tcp, '10.0.0.7', 49494)).toBe('http://10.0.0.7:49494/');
  });

  it('warns when a remote engine would listen on its own loopback', () => {
    expect(remoteLoopbackWarning(unix, '127.0.0.1', 49494)).toBeNull();
    expect(remoteLoopbackWarning(tcp, '0.0.0.0', 49494)).toBeNull();
    expect(remoteLoopbackWarning(ssh, '127.0.0.1', 49494)).toBe(
      'Docker runs on build-box, and 127.0.0.1 there is reachable only from that machine. Forward the port (ssh -L 49494:127.0.0.1:49494 build-box) or listen on 0.0.0.0.',
    );
  });
});
