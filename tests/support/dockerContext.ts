import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a docker CLI context the way `docker context create` lays it out under DOCKER_CONFIG:
 * contexts/meta/<sha256 of the name>/meta.json, and TLS files (name → content) in
 * contexts/tls/<hash>/docker. Writing the same name again replaces its meta.json.
 * `endpoint` null writes a context without a docker endpoint.
 */
export function writeDockerContext(
  configDir: string,
  name: string,
  endpoint: Record<string, unknown> | null,
  tlsFiles: Record<string, string | Buffer> = {},
): { metaFile: string; tlsDir: string } {
  const hash = createHash('sha256').update(name).digest('hex');
  const metaFile = path.join(configDir, 'contexts', 'meta', hash, 'meta.json');
  fs.mkdirSync(path.dirname(metaFile), { recursive: true });
  fs.writeFileSync(metaFile, JSON.stringify({ Name: name, Metadata: { Description: '' }, Endpoints: endpoint === null ? {} : { docker: endpoint } }));
  const tlsDir = path.join(configDir, 'contexts', 'tls', hash, 'docker');
  if (Object.keys(tlsFiles).length > 0) fs.mkdirSync(tlsDir, { recursive: true });
  for (const [file, content] of Object.entries(tlsFiles)) fs.writeFileSync(path.join(tlsDir, file), content);
  return { metaFile, tlsDir };
}
