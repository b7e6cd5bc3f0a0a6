import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { recordsFromFile } from '../../../shared/audit/trail-files';
import { InvalidRequestError } from '../../../shared/errors';

const a = { eventID: 'a' };
const b = { eventID: 'b' };

describe('recordsFromFile', () => {
  it('reads a JSON array, a CloudTrail log file (gzipped or not), one object, and NDJSON', () => {
    expect(recordsFromFile(JSON.stringify([a, b]))).toEqual([a, b]);
    expect(recordsFromFile(JSON.stringify({ Records: [a, b] }))).toEqual([a, b]);
    expect(recordsFromFile(gzipSync(JSON.stringify({ Records: [a] })))).toEqual([a]);
    expect(recordsFromFile(Buffer.from(JSON.stringify(a)))).toEqual([a]);
    expect(recordsFromFile(`${JSON.stringify(a)}\n\n${JSON.stringify(b)}\r\n`)).toEqual([a, b]);
    expect(recordsFromFile('  ')).toEqual([]);
  });

  it('hands back an NDJSON line that is not JSON as its text, to be refused with a reason later', () => {
    expect(recordsFromFile(`${JSON.stringify(a)}\n{"eventID": "b"`)).toEqual([a, '{"eventID": "b"']);
  });

  it('refuses a broken JSON array and a Records that is not a list', () => {
    expect(() => recordsFromFile('[{"eventID": "a"},')).toThrow(InvalidRequestError);
    expect(() => recordsFromFile('{"Records": {"eventID": "a"}}')).toThrow('"Records" in a CloudTrail log file must be a list');
  });
});
