import type { LogSink } from '../../log';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DbSettings } from './settings';
import { databaseError } from './database-error';
import type { Credential } from './secret';
import { tlsOptions } from './tls';
import { assertTransportAllowed } from './transport';

/**
 * A small Redis client: RESP2 over TCP or TLS, one command at a time, for the handful of
 * commands rotation needs (AUTH, ACL, CLIENT, PING). A full client (ioredis, node-redis) would
 * cost 55–90 KB of the rotate function's bundle for reconnection, clustering and command tables
 * that a few short-lived admin connections never use.
 */

/** A RESP2 reply: simple string, integer, bulk string (null when absent) or array. */
export type RespValue = string | number | null | RespValue[];

/** An error reply from the server (`-WRONGPASS …`, `-NOPERM …`): its first word is its kind. */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisReplyError';
  }
}

/** Where a Redis login goes. */
export interface RedisTarget {
  host: string;
  port: number;
  settings: DbSettings;
}

/** One open, authenticated connection. */
export interface RedisSession {
  readonly user: string;
  /** Where warnings about this session's server go (from the target's settings). */
  readonly log: LogSink;
  command(args: readonly string[], what?: string): Promise<RespValue>;
  close(): Promise<void>;
}

/** The default Redis port. */
export const REDIS_PORT = 6379;

/** Encodes a command as a RESP array of bulk strings (binary-safe: any password character works). */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg, 'utf8')}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * Parses one complete reply at `offset`; returns undefined when more bytes are needed. Error
 * replies come back as RespError values for the caller to throw.
 */
export function parseReply(buffer: Buffer, offset = 0): { value: RespValue | RespError; next: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new RespError(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      return { value: buffer.toString('utf8', after, after + length), next: after + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i += 1) {
        const item = parseReply(buffer, next);
        if (!item) return undefined;
        if (item.value instanceof RespError) return item;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RespError(`ERR keywarden cannot read a reply starting with byte ${buffer[offset]}`);
  }
}

/**
 * Connects and authenticates as `login` (AUTH username password, Redis 6+). TLS, when asked
 * for, is verified; against a server without TLS the handshake fails, it never falls back.
 * AUTH carries the password in clear (Redis has no challenge-response), so without TLS the
 * password is readable by whoever answers: that happens only when the settings say who allowed
 * plaintext (an administrator's binding with transport `plaintext`, or an unbound value's
 * `ssl: false`), and is refused otherwise.
 */
export async function connectRedis(target: RedisTarget, login: Credential, secrets: readonly string[]): Promise<RedisSession> {
  const where = `${target.host}:${target.port}`;
  assertTransportAllowed('redis', target.settings, where);
  const fail = (what: string, error: unknown) => databaseError('redis', `${what} as ${login.username} at ${where}`, error, secrets);
  let socket: Socket;
  try {
    socket = await open(target);
  } catch (error) {
    throw fail('connecting', error);
  }
  const connection = new RespConnection(socket, target.settings.statementTimeoutMs);
  const session: RedisSession = {
    user: login.username,
    log: target.settings.log,
    async command(args, what = args[0] ?? 'a command') {
      try {
        return await connection.send(args);
      } catch (error) {
        throw fail(what, error);
      }
    },
    close: async () => connection.close(),
  };
  try {
    await connection.send(['AUTH', login.username, login.password]);
  } catch (error) {
    connection.destroy();
    throw fail('logging in', error);
  }
  return session;
}

/** Runs `fn` on a fresh session and always closes it. */
export async function withRedis<T>(target: RedisTarget, login: Credential, secrets: readonly string[], fn: (s: RedisSession) => Promise<T>): Promise<T> {
  const session = await connectRedis(target, login, secrets);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

function open(target: RedisTarget): Promise<Socket> {
  const { settings } = target;
  return new Promise((resolve, reject) => {
    const socket = settings.tls
      ? tlsConnect({ host: target.host, port: target.port, ...tlsOptions(settings.tls) })
      : netConnect({ host: target.host, port: target.port });
    let tcpConnected = false;
    socket.once('connect', () => (tcpConnected = true));
    const timer = setTimeout(() => {
      socket.destroy();
      // Connected, but no TLS handshake: a server that does not speak TLS stays silent.
      const error = settings.tls && tcpConnected
        ? Object.assign(new Error(`connected, but no TLS handshake within ${settings.connectTimeoutMs} ms: does the server speak TLS?`), { code: 'KW_TLS_HANDSHAKE_TIMEOUT' })
        : Object.assign(new Error(`connect timed out after ${settings.connectTimeoutMs} ms`), { code: 'KW_TIMEOUT' });
      reject(error);
    }, settings.connectTimeoutMs);
    socket.once(settings.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** One command in flight at a time; replies are matched to commands in order. */
class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (value: RespValue) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
  private failure?: Error;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(Object.assign(new Error('connection closed by the server'), { code: 'KW_CONNECTION_CLOSED' })));
  }

  send(args: readonly string[]): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('keywarden sends one Redis command at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.destroy();
        reject(Object.assign(new Error(`no reply within ${this.timeoutMs} ms`), { code: 'KW_TIMEOUT' }));
      }, this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.socket.write(encodeCommand(args));
    });
  }

  async close(): Promise<void> {
    if (!this.failure && !this.waiting) {
      await this.send(['QUIT']).catch(() => undefined);
    }
    this.destroy();
  }

  destroy(): void {
    this.failure ??= Object.assign(new Error('connection closed'), { code: 'KW_CONNECTION_CLOSED' });
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let parsed;
    try {
      parsed = parseReply(this.buffer);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (!parsed) return;
    this.buffer = this.buffer.subarray(parsed.next);
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    if (parsed.value instanceof RespError) waiting.reject(parsed.value);
    else waiting.resolve(parsed.value);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
