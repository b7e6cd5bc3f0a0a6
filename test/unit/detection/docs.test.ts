import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDetectorDocs, withDetectorDocs } from '../../../scripts/detector-docs';
import { detectors } from '../../../shared/detection/detectors';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'audit.md'), 'utf8');

describe('docs/audit.md', () => {
  it.each(detectors.map((d) => [d.name, d] as const))('documents %s with its runbook', (_name, detector) => {
    expect(doc).toContain(`\`audit.${detector.name}\``);
    expect(doc).toContain(detector.runbook);
  });

  it('holds the detector table and sections exactly as the registry renders them (npm run docs:detectors)', () => {
    expect(withDetectorDocs(doc, renderDetectorDocs())).toBe(doc);
  });

  it('documents every environment variable the audit pipeline reads', () => {
    const sources = ['shared/detection/config.ts', 'shared/audit/settings.ts', 'shared/tenancy.ts', 'deploy/audit.yml'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const variables = [...new Set(sources.match(/KEYWARDEN_[A-Z_]+/g))];
    expect(variables.length).toBeGreaterThan(20);
    for (const variable of variables) expect(doc, variable).toContain(`\`${variable}\``);
  });
});
