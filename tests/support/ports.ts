import net from 'node:net';

/** A port nobody listens on right now (the kernel's pick), for a container to publish. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    // The kernel's ephemeral range; stay below 65000 so "next free port" suggestions have room.
    if (port > 1024 && port < 65000) return port;
  }
}

/** Holds a port on this machine like a non-container program would. */
export async function holdPort(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, resolve);
  });
  return s;
}
