import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * A PostgreSQL impostor on 127.0.0.1 for transport tests: it answers the startup message with the
 * authentication request it was made for, and records every message the client sends (after TLS,
 * if it offers TLS). A real server cannot be made to misbehave like this on demand.
 */
export interface FakePostgresServer {
  port: number;
  /** Every message the clients sent, in order: the startup message has type '' (it has none). */
  messages(): Array<{ type: string; body: Buffer }>;
  /** Every byte the clients sent (after TLS), concatenated. */
  bytes(): Buffer;
  close(): Promise<void>;
}

/** What the impostor asks for after the startup message. */
export type FakePostgresAuth = 'cleartext' | 'md5' | 'none';

/** Options: `tls` makes it accept the SSL request with this certificate (else it answers "N"). */
export interface FakePostgresOptions {
  auth: FakePostgresAuth;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

const SSL_REQUEST_CODE = 80877103;

/** Starts the impostor; close() ends it and every connection. */
export async function startFakePostgres(options: FakePostgresOptions): Promise<FakePostgresServer> {
  const messages: Array<{ type: string; body: Buffer }> = [];
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => undefined);
    serve(raw, options, (message) => messages.push(message), (chunk) => chunks.push(chunk), sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    messages: () => [...messages],
    bytes: () => Buffer.concat(chunks),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(
  raw: Socket,
  options: FakePostgresOptions,
  record: (message: { type: string; body: Buffer }) => void,
  recordBytes: (chunk: Buffer) => void,
  sockets: Set<Socket>,
): void {
  let socket: Socket = raw;
  let buffer = Buffer.alloc(0);
  let started = false;
  const onData = (chunk: Buffer) => {
    recordBytes(chunk);
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerLength = started ? 5 : 4;
      if (buffer.length < headerLength) return;
      const type = started ? String.fromCharCode(buffer[0]!) : '';
      const length = buffer.readInt32BE(started ? 1 : 0);
      const total = (started ? 1 : 0) + length;
      if (buffer.length < total) return;
      const body = buffer.subarray(headerLength, total);
      buffer = buffer.subarray(total);
      if (!started && body.length === 4 && body.readInt32BE(0) === SSL_REQUEST_CODE) {
        upgrade();
        return;
      }
      record({ type, body });
      if (!started) {
        started = true;
        socket.write(authRequest(options.auth));
      } else if (type === 'p') {
        socket.write(Buffer.concat([authRequest('none')]));
      }
    }
  };
  const upgrade = () => {
    if (!options.tls) {
      socket.write('N');
      return;
    }
    raw.removeListener('data', onData);
    raw.write('S');
    const secure = new TLSSocket(raw, { isServer: true, key: options.tls.key, cert: options.tls.cert });
    secure.on('error', () => undefined);
    sockets.add(secure);
    secure.on('data', onData);
    socket = secure;
  };
  raw.on('data', onData);
}

/** The authentication request, and for `none` the AuthenticationOk and ReadyForQuery that follow. */
function authRequest(auth: FakePostgresAuth): Buffer {
  const request = (code: number, extra = Buffer.alloc(0)) => {
    const message = Buffer.alloc(9 + extra.length);
    message.write('R', 0);
    message.writeInt32BE(8 + extra.length, 1);
    message.writeInt32BE(code, 5);
    extra.copy(message, 9);
    return message;
  };
  if (auth === 'cleartext') return request(3);
  if (auth === 'md5') return request(5, Buffer.from([1, 2, 3, 4]));
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]); // 'Z', length 5, idle
  return Buffer.concat([request(0), ready]);
}
