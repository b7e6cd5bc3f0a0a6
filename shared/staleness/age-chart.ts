import type { PolicyAges } from './report';

/**
 * An inline SVG of secret ages against each policy: one row per policy (type and max age), a
 * histogram of ages on that policy's own scale (0 to 1.5 times its max age, older secrets piled
 * in the last bar), bars green while fine, amber when due soon, red when stale, and a line at
 * the max age. No scripts, fonts or references: it renders inside a page that allows nothing.
 */

const WIDTH = 960;
const LABEL = 230;
const SUMMARY = 130;
const TRACK = WIDTH - LABEL - SUMMARY - 20;
const ROW = 86;
const BAR_MAX = 46;
const BINS = 60;
const SPAN = 1.5;
/** Colours of the three zones, also used by the page's legend. */
export const ZONE_COLOURS = { ok: '#2e9e5b', dueSoon: '#e0a100', stale: '#d2352b' } as const;

/** The chart as an `<svg>` element (HTML-embeddable). */
export function ageChartSvg(policies: readonly PolicyAges[]): string {
  const height = 40 + Math.max(1, policies.length) * ROW;
  const rows = policies.length === 0 ? [emptyRow()] : policies.map((policy, i) => policyRow(policy, 40 + i * ROW));
  return [
    `<svg class="age-chart" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="age-chart-title">`,
    '<title id="age-chart-title">Secret ages against each rotation policy</title>',
    `<text x="${LABEL}" y="14" class="axis">age, on each policy's scale: 0 to ${SPAN}× its max age (older secrets in the last bar)</text>`,
    ...rows,
    '</svg>',
  ].join('\n');
}

function policyRow(policy: PolicyAges, top: number): string {
  const domain = policy.maxAgeDays * SPAN;
  // Ages are whole days: a bin narrower than a day would leave gaps between the days.
  const binCount = Math.max(1, Math.min(BINS, Math.floor(domain)));
  const binDays = domain / binCount;
  const bins = new Array<number>(binCount).fill(0);
  for (const [day, count] of policy.histogram) bins[Math.min(binCount - 1, Math.floor((day + 0.5) / binDays))]! += count;
  // The last bar piles up everything older than the scale: it would dwarf the rest, so the
  // others set the scale and the pile is cut at full height with its count written over it.
  const regular = Math.max(0, ...bins.slice(0, -1));
  const tallest = Math.max(1, regular || bins[binCount - 1]!);
  const x = (days: number) => LABEL + (Math.min(days, domain) / domain) * TRACK;
  const base = top + BAR_MAX + 6;
  const barWidth = TRACK / binCount;
  const bars = bins
    .map((count, i) => {
      if (count === 0) return '';
      const start = i * binDays;
      const zone = start >= policy.maxAgeDays ? 'stale' : start + binDays > policy.maxAgeDays - policy.warnDays ? 'dueSoon' : 'ok';
      const h = Math.max(2, Math.min(1, count / tallest) * BAR_MAX);
      const label = `${count} secret${count === 1 ? '' : 's'} aged ${Math.floor(start)}-${Math.floor(start + binDays)}${i === binCount - 1 ? '+' : ''} days`;
      return `<rect x="${fix(LABEL + i * barWidth + 0.5)}" y="${fix(base - h)}" width="${fix(barWidth - 1)}" height="${fix(h)}" fill="${ZONE_COLOURS[zone]}"><title>${label}</title></rect>`;
    })
    .join('');
  const pile = bins[binCount - 1]!;
  const pileLabel =
    pile > tallest
      ? `<text x="${fix(LABEL + TRACK - barWidth / 2)}" y="${top - 3}" class="pile" text-anchor="end">${pile} older than ${Math.round(domain - binDays)} d</text>`
      : '';
  const warnAt = policy.maxAgeDays - policy.warnDays;
  return [
    `<g class="policy-row" data-type="${policy.type}" data-max-age-days="${policy.maxAgeDays}">`,
    `<text x="0" y="${top + 20}" class="row-title">${policy.type}</text>`,
    `<text x="0" y="${top + 38}" class="row-note">max ${policy.maxAgeDays} d · due soon after ${warnAt} d</text>`,
    `<text x="0" y="${top + 54}" class="row-note">${policy.secrets} secret${policy.secrets === 1 ? '' : 's'}</text>`,
    `<line x1="${LABEL}" y1="${base}" x2="${LABEL + TRACK}" y2="${base}" class="baseline"/>`,
    `<rect x="${fix(x(warnAt))}" y="${top}" width="${fix(x(policy.maxAgeDays) - x(warnAt))}" height="${BAR_MAX + 6}" class="due-zone"/>`,
    bars,
    pileLabel,
    `<line x1="${fix(x(policy.maxAgeDays))}" y1="${top - 2}" x2="${fix(x(policy.maxAgeDays))}" y2="${base + 4}" class="max-line"/>`,
    `<text x="${LABEL}" y="${base + 16}" class="tick">0</text>`,
    `<text x="${fix(x(policy.maxAgeDays))}" y="${base + 16}" class="tick" text-anchor="middle">${policy.maxAgeDays} d</text>`,
    `<text x="${LABEL + TRACK}" y="${base + 16}" class="tick" text-anchor="end">${Math.round(domain)}+ d</text>`,
    `<text x="${WIDTH - SUMMARY + 10}" y="${top + 24}" class="row-stale">${policy.stale} stale</text>`,
    `<text x="${WIDTH - SUMMARY + 10}" y="${top + 42}" class="row-due">${policy.dueSoon} due soon</text>`,
    `<text x="${WIDTH - SUMMARY + 10}" y="${top + 60}" class="row-note">oldest ${policy.oldestAgeDays.toFixed(0)} d</text>`,
    '</g>',
  ].join('\n');
}

function emptyRow(): string {
  return `<text x="${LABEL}" y="60" class="row-note">No secrets.</text>`;
}

function fix(value: number): string {
  return value.toFixed(1);
}
