/** One frame of Docker's multiplexed stdout/stderr stream: 8-byte header (stream, 0, 0, 0, size BE32), then the payload. */
export function dockerFrame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}
