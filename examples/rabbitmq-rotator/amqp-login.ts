import { connect, type Socket } from 'node:net';

/**
 * Whether RabbitMQ lets `username` in with `password`: the AMQP 0-9-1 handshake up to
 * Connection.Open-Ok on `vhost` (PLAIN authentication), then a clean Connection.Close. A wrong
 * password, an unknown user or a user without access to the vhost is `false`; a broker that does
 * not answer is an error. No client library: the handshake is five frames.
 */
export async function amqpLogsIn(target: { host: string; port: number; vhost: string; timeoutMs: number }, username: string, password: string): Promise<boolean> {
  const socket = connect({ host: target.host, port: target.port });
  const frames = frameReader(socket, target.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    await frames.expect(10, 10); // Connection.Start
    socket.write(methodFrame(10, 11, [table({ capabilities: { authentication_failure_close: true } }), shortString('PLAIN'), longString(`\u0000${username}\u0000${password}`), shortString('en_US')]));
    const tune = await frames.next();
    if (tune.classId === 10 && tune.methodId === 50) return false; // Close: ACCESS_REFUSED
    if (tune.classId !== 10 || tune.methodId !== 30) throw new Error(`unexpected AMQP method ${tune.classId}.${tune.methodId} after Start-Ok`);
    const channelMax = tune.args.readUInt16BE(0);
    const frameMax = tune.args.readUInt32BE(2);
    socket.write(methodFrame(10, 31, [u16(channelMax), u32(frameMax), u16(0)])); // Tune-Ok, no heartbeats
    socket.write(methodFrame(10, 40, [shortString(target.vhost), shortString(''), Buffer.from([0])])); // Open
    const opened = await frames.next();
    if (opened.classId === 10 && opened.methodId === 50) return false; // Close: NOT_ALLOWED on this vhost
    if (opened.classId !== 10 || opened.methodId !== 41) throw new Error(`unexpected AMQP method ${opened.classId}.${opened.methodId} after Open`);
    socket.write(methodFrame(10, 50, [u16(200), shortString('bye'), u16(0), u16(0)]));
    await frames.expect(10, 51).catch(() => undefined);
    return true;
  } catch (error) {
    // The broker drops the connection on a failed login when it cannot send Close first.
    if (frames.closedAfterStart()) return false;
    throw error;
  } finally {
    socket.destroy();
  }
}

interface Method {
  classId: number;
  methodId: number;
  args: Buffer;
}

function frameReader(socket: Socket, timeoutMs: number) {
  let buffered = Buffer.alloc(0);
  let startSeen = false;
  let ended = false;
  const waiting: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  socket.on('close', () => {
    ended = true;
    waiting.splice(0).forEach((wake) => wake());
  });
  socket.on('error', () => undefined);
  const next = async (): Promise<Method> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (buffered.length >= 7) {
        const type = buffered.readUInt8(0);
        const size = buffered.readUInt32BE(3);
        if (buffered.length >= 8 + size) {
          const payload = buffered.subarray(7, 7 + size);
          buffered = buffered.subarray(8 + size);
          if (type !== 1) continue; // heartbeats and content frames are not part of the handshake
          const method = { classId: payload.readUInt16BE(0), methodId: payload.readUInt16BE(2), args: payload.subarray(4) };
          if (method.classId === 10 && method.methodId === 10) startSeen = true;
          return method;
        }
      }
      if (ended) throw new Error('RabbitMQ closed the connection');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`RabbitMQ did not answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return {
    next,
    async expect(classId: number, methodId: number): Promise<Method> {
      const method = await next();
      if (method.classId !== classId || method.methodId !== methodId) throw new Error(`expected AMQP method ${classId}.${methodId}, got ${method.classId}.${method.methodId}`);
      return method;
    },
    closedAfterStart: () => startSeen && ended,
  };
}

function methodFrame(classId: number, methodId: number, args: Buffer[]): Buffer {
  const payload = Buffer.concat([u16(classId), u16(methodId), ...args]);
  return Buffer.concat([Buffer.from([1]), u16(0), u32(payload.length), payload, Buffer.from([0xce])]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function shortString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) throw new Error('AMQP short string longer than 255 bytes');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

function longString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** A field table of booleans and nested tables: all a client's properties need here. */
function table(fields: Record<string, boolean | Record<string, boolean>>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(shortString(key));
    parts.push(typeof value === 'boolean' ? Buffer.from([0x74, value ? 1 : 0]) : Buffer.concat([Buffer.from('F', 'latin1'), table(value)]));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length), body]);
}
