import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real server, so a test can take the server away from the
 * rotate function without stopping a server other people use (the machine's MariaDB and Redis):
 * `down()` refuses connections and drops open ones, `up()` serves again on the same port, and
 * `cutAt()` drops the connection exactly when a given statement passes, before or after the
 * server has seen it.
 */
export interface TcpProxy {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /**
   * The next time client bytes match `pattern`: `before` drops both sides without forwarding
   * them; `after` forwards them and drops both sides without letting the reply through.
   * Resolves when the cut happened.
   */
  cutAt(pattern: RegExp, when: 'before' | 'after'): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort` on a free port. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cut: { pattern: RegExp; when: 'before' | 'after'; done: () => void } | undefined;
  let server: Server | undefined;
  let port = 0;

  const handle = (client: Socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let muted = false;
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      const pending = cut;
      if (pending && pending.pattern.test(chunk.toString('latin1'))) {
        cut = undefined;
        if (pending.when === 'after') {
          upstream.write(chunk);
          muted = true;
          // Give the server time to run the statement; its reply never reaches the client.
          setTimeout(() => {
            drop();
            pending.done();
          }, 300);
        } else {
          drop();
          pending.done();
        }
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!muted) client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', () => {
        sockets.delete(socket);
        drop();
      });
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      server = createServer(handle);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server!.address();
        port = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    get port() {
      return port;
    },
    down: stopListening,
    up: listen,
    cutAt: (pattern, when) => new Promise<void>((done) => (cut = { pattern, when, done })),
    close: stopListening,
  };
}
