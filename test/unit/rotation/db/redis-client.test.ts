import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RespError } from '../../../../shared/rotation/db/redis-client';

describe('RESP encoding', () => {
  it('sends every argument as a length-prefixed bulk string, so any password character is safe', () => {
    expect(encodeCommand(['AUTH', 'app', 'p a\r\n"ß']).toString('utf8')).toBe('*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$8\r\np a\r\n"ß\r\n');
  });
});

describe('RESP parsing', () => {
  it('reads simple strings, errors, integers, bulk strings, nulls and nested arrays', () => {
    expect(parseReply(Buffer.from('+OK\r\n'))).toEqual({ value: 'OK', next: 5 });
    expect(parseReply(Buffer.from(':3\r\n'))!.value).toBe(3);
    expect(parseReply(Buffer.from('$-1\r\n'))!.value).toBeNull();
    expect(parseReply(Buffer.from('$5\r\na\r\nbc\r\n'))!.value).toBe('a\r\nbc');
    const error = parseReply(Buffer.from('-WRONGPASS invalid username-password pair\r\n'))!.value;
    expect(error).toBeInstanceOf(RespError);
    expect((error as RespError).message).toBe('WRONGPASS invalid username-password pair');
    expect(parseReply(Buffer.from('*2\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$6\r\nnopass\r\n'))!.value).toEqual(['flags', ['on', 'nopass']]);
  });

  it('waits for more bytes when a reply is incomplete', () => {
    expect(parseReply(Buffer.from('$5\r\nab'))).toBeUndefined();
    expect(parseReply(Buffer.from('*2\r\n+a\r\n'))).toBeUndefined();
    expect(parseReply(Buffer.from('+O'))).toBeUndefined();
  });
});
