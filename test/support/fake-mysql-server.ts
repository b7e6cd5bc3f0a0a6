import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * A MySQL impostor on 127.0.0.1 for transport tests: it greets as a plaintext MySQL 8 server,
 * takes the client's handshake response, then switches the login to the plugin it was made for
 * and records every packet the client sends. For caching_sha2_password it then answers the
 * scramble with "fast authentication succeeded" or "perform full authentication".
 */
export interface FakeMysqlServer {
  port: number;
  /** The nonce of the auth switch, for checking a scramble. */
  switchNonce: Buffer;
  /** The payloads of every packet the clients sent, in order. */
  packets(): Buffer[];
  close(): Promise<void>;
}

/** What the impostor does after the handshake response. */
export type FakeMysqlScript =
  | { switchTo: 'mysql_clear_password' | 'sha256_password' }
  | { switchTo: 'caching_sha2_password'; then: 'fast-auth-ok' | 'full-authentication' };

/** Capabilities: long password, protocol 4.1, transactions, secure connection, plugin auth; no SSL. */
const CAPABILITIES = 0x1 | 0x200 | 0x2000 | 0x8000 | 0x80000;

/** Starts the impostor; close() ends it and every connection. */
export async function startFakeMysql(script: FakeMysqlScript): Promise<FakeMysqlServer> {
  const packets: Buffer[] = [];
  const sockets = new Set<Socket>();
  const switchNonce = printableNonce(); // no NUL byte, as servers send
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    converse(socket, script, switchNonce, (payload) => packets.push(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    switchNonce,
    packets: () => [...packets],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function converse(socket: Socket, script: FakeMysqlScript, nonce: Buffer, record: (payload: Buffer) => void): void {
  let buffer = Buffer.alloc(0);
  let authPackets = 0;
  let authenticated = false;
  const send = (sequence: number, payload: Buffer) => socket.write(packet(sequence, payload));
  send(0, greeting());
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4) {
      const length = buffer.readUIntLE(0, 3);
      if (buffer.length < 4 + length) return;
      const sequence = buffer[3]!;
      const payload = buffer.subarray(4, 4 + length);
      buffer = buffer.subarray(4 + length);
      record(payload);
      if (authenticated) {
        send(sequence + 1, OK); // every command (SET sql_mode, a query) just succeeds
        continue;
      }
      authPackets += 1;
      if (authPackets === 1) {
        send(sequence + 1, Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${script.switchTo}\0`, 'latin1'), nonce, Buffer.from([0])]));
      } else if (authPackets === 2 && script.switchTo === 'caching_sha2_password') {
        const fast = script.then === 'fast-auth-ok';
        send(sequence + 1, Buffer.from([0x01, fast ? 0x03 : 0x04]));
        if (fast) {
          send(sequence + 2, OK);
          authenticated = true;
        }
      }
    }
  });
}

const OK = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);

function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence & 0xff;
  return Buffer.concat([header, payload]);
}

/** A HandshakeV10 greeting offering mysql_native_password, as a MySQL 8 server without TLS. */
function greeting(): Buffer {
  const capabilities = Buffer.alloc(4);
  capabilities.writeUInt32LE(CAPABILITIES);
  const connectionId = Buffer.alloc(4);
  connectionId.writeUInt32LE(7);
  const scramble = printableNonce();
  return Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('8.0.99-impostor\0', 'latin1'),
    connectionId,
    scramble.subarray(0, 8),
    Buffer.from([0]),
    capabilities.subarray(0, 2),
    Buffer.from([0x21]), // utf8_general_ci
    Buffer.from([0x02, 0x00]), // autocommit
    capabilities.subarray(2, 4),
    Buffer.from([21]),
    Buffer.alloc(10),
    scramble.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from('mysql_native_password\0', 'latin1'),
  ]);
}

function printableNonce(): Buffer {
  return Buffer.from(randomBytes(20).map((byte) => (byte % 94) + 33));
}
