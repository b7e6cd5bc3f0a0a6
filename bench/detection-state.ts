import { normaliseCloudTrail } from '../shared/audit/normalise';
import type { AuditRecord } from '../shared/audit/record';
import { fixedClock } from '../shared/clock';
import { detectionConfig } from '../shared/detection/config';
import { detectors } from '../shared/detection/detectors';
import type { Detector } from '../shared/detection/detector';
import { detectAnomalies } from '../shared/detection/engine';
import { MemoryDetectorState } from '../shared/detection/memory-state';
import type { StateValue } from '../shared/detection/state';
import { corpusRole } from '../test/support/benign-corpus';
import { collectedHeap, keptUntilHere } from './stats';

const PRINCIPALS = 1000;
const BATCH = 1000;

/**
 * Detector state per 1,000 principals: each principal reads its secrets from a few private
 * addresses and, for a third of them, from a public one too, with two clients; makes a batch call
 * on a schedule (four hours) and describes a few secrets. Measured as the live heap the memory state
 * holds (after full collections) and as the bytes DynamoDB would store (attribute names and values,
 * keys included), with every detector, against the same traffic with the detectors that keep no
 * per-principal habits (the baseline, in the same run).
 */
export async function printDetectionStateFigures(): Promise<void> {
  const records = traffic();
  const noHabits = detectors.filter((d) => !(d.needs ?? []).includes('habits'));
  const all = await measure(records, detectors);
  const base = await measure(records, noHabits);
  console.log(`\n== detector state per 1,000 principals (${records.length.toLocaleString('en')} events: reads from private and public networks, two clients, hourly batch calls, describes)`);
  for (const [label, m] of [[`all ${detectors.length} detectors`, all], [`the ${noHabits.length} without habits (baseline)`, base]] as const) {
    console.log(`${label.padEnd(36)} ${m.items.toLocaleString('en')} items, ${(m.bytes / 1024).toFixed(0)} KB as DynamoDB items (${(m.principalBytes / PRINCIPALS).toFixed(0)} B per prin# item), ${(m.heap / 1024).toFixed(0)} KB live heap, ${m.writes} writes`);
  }
  console.log(`habits cost: ${(all.bytes / base.bytes).toFixed(2)} x the baseline's bytes, ${(all.heap / Math.max(1, base.heap)).toFixed(2)} x its heap`);
}

function traffic(): AuditRecord[] {
  const out: AuditRecord[] = [];
  const start = Date.parse('2024-06-01T00:00:00Z');
  let n = 0;
  const add = (timeMs: number, eventName: string, who: Record<string, unknown>, ip: string, ua: string, request: unknown) => {
    n += 1;
    const read = normaliseCloudTrail({ eventVersion: '1.09', userIdentity: who, eventTime: new Date(timeMs).toISOString(), eventSource: 'secretsmanager.amazonaws.com', eventName, awsRegion: 'eu-west-1', sourceIPAddress: ip, userAgent: ua, requestParameters: request, eventID: `bench-state-${n}`, eventType: 'AwsApiCall', recipientAccountId: '111122223333' });
    if (read.kind === 'record') out.push(read.record);
  };
  for (let hour = 0; hour < 4; hour += 1) {
    for (let p = 0; p < PRINCIPALS; p += 1) {
      const who = corpusRole(`bench-app-${p}`, `task-${p}`);
      const t = start + hour * 3_600_000 + p * 100;
      for (let s = 0; s < 3; s += 1) add(t + s, 'GetSecretValue', who, `10.${p % 250}.${hour}.${s}`, 'aws-sdk-js/3.600.0', { secretId: `app/tenant-${p % 50}/s-${s}` });
      if (p % 3 === 0) add(t + 3, 'GetSecretValue', who, `203.0.${p % 250}.${hour}`, 'aws-cli/2.15.0', { secretId: `app/tenant-${p % 50}/s-0` });
      add(t + 4, 'BatchGetSecretValue', who, `10.${p % 250}.0.1`, 'aws-sdk-go-v2/1.26.1', { filters: [{ key: 'tag-key', values: [`team-${p % 20}`] }] });
      add(t + 5, 'DescribeSecret', who, `10.${p % 250}.0.1`, 'aws-sdk-js/3.600.0', { secretId: `app/tenant-${p % 50}/s-${hour}` });
    }
  }
  return out;
}

async function measure(records: readonly AuditRecord[], chosen: readonly Detector[]) {
  const state = new MemoryDetectorState();
  const before = collectedHeap();
  const deps = { state, config: detectionConfig({}, 'bench', { partition: 'aws', accountId: '123456789012' }), detectors: chosen, clock: fixedClock('2024-06-02T00:00:00Z') };
  for (let i = 0; i < records.length; i += BATCH) await detectAnomalies(records.slice(i, i + BATCH), deps);
  const heap = collectedHeap() - before;
  let bytes = 0;
  let principalBytes = 0;
  for (const [key, item] of state.entries()) {
    const size = Buffer.byteLength(key) + 3 + Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
    bytes += size;
    if (key.startsWith('prin#')) principalBytes += size;
  }
  keptUntilHere(state);
  return { items: state.size, bytes, principalBytes, heap, writes: state.writes };
}

/** DynamoDB's sizes: strings by UTF-8 length, numbers about one byte per two digits plus one, sets their members. */
function valueBytes(value: StateValue): number {
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  let sum = 0;
  for (const member of value) sum += Buffer.byteLength(member);
  return sum;
}



