import type { GroupFigures } from './figures';
import type { ComplianceReport, GroupRow, SecretList } from './report';

/** The compliance report as Markdown (GitHub tables), for a pull request or a wiki page. */
export function renderMarkdown(report: ComplianceReport): string {
  const t = report.totals;
  const out: string[] = [
    `# ${cell(report.title)}`,
    '',
    `As of ${report.asOf} · ${cell(report.source)} · generated ${report.generatedAt}`,
    '',
    `**Compliance score: ${percent(t.complianceScore)}** (${t.compliant} of ${t.secrets} secrets within policy and not failing rotation)`,
    '',
    '| secrets | stale | due soon | unused | rotation disabled | rotation failing | oldest (days) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${t.secrets} | ${t.stale} | ${t.dueSoon} | ${t.unused} | ${t.rotationDisabled} | ${t.rotationFailing} | ${days(t.oldestAgeDays)} |`,
    '',
    ...unreachableSection(report),
    '## By account',
    '',
    ...figuresTable(report.byAccount, ['account']),
    '',
    '## By tenant',
    '',
    ...figuresTable(report.byTenant, ['tenant']),
    '',
    '## By type',
    '',
    ...figuresTable(report.byType, ['type']),
    '',
    '## By tenant and type',
    '',
    ...figuresTable(report.byTenantAndType, ['tenant', 'type']),
    '',
    '## Ages against each policy',
    '',
    '| type | max age (days) | due soon from (days) | secrets | stale | due soon | oldest (days) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.policies.map((p) => `| ${p.type} | ${p.maxAgeDays} | ${p.maxAgeDays - p.warnDays} | ${p.secrets} | ${p.stale} | ${p.dueSoon} | ${days(p.oldestAgeDays)} |`),
    '',
    ...secretSection('Oldest secrets', report.oldest),
    ...secretSection('Stale secrets', report.stale),
    ...secretSection('Unused secrets', report.unused),
    ...secretSection('Rotation failing', report.failing, true),
    ...replicaSection(report),
  ];
  return `${out.join('\n')}\n`;
}

function unreachableSection(report: ComplianceReport): string[] {
  if (report.unreachable.length === 0) return [];
  return [
    `## Accounts not read (${report.unreachable.length})`,
    '',
    'The secrets of these accounts and regions are missing from every figure of this report.',
    '',
    '| account | region | step | error |',
    '| --- | --- | --- | --- |',
    ...report.unreachable.map((u) => `| ${cell(u.account)} | ${cell(u.region)} | ${cell(u.step)} | ${cell(u.code)} |`),
    '',
  ];
}

function replicaSection(report: ComplianceReport): string[] {
  const out = [`## Replicas (${report.replicas})`, '', 'Each replica is rotated through its primary and shown with it; these replicas\' primary region was not read.', ''];
  if (report.replicasWithoutPrimary.length === 0) return [...out, 'None.', ''];
  out.push('| replica | account | region | primary region | primary |', '| --- | --- | --- | --- | --- |');
  for (const r of report.replicasWithoutPrimary) out.push(`| ${cell(r.name)} | ${cell(r.account)} | ${cell(r.region)} | ${cell(r.primaryRegion)} | ${cell(r.primaryArn)} |`);
  return [...out, ''];
}

function figuresTable(rows: readonly GroupRow[], keys: Array<'tenant' | 'type' | 'account'>): string[] {
  const head = [...keys, 'secrets', 'score', 'stale', 'due soon', 'unused', 'rotation disabled', 'rotation failing', 'oldest (days)'];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i < keys.length ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${[...keys.map((k) => cell(row[k] ?? '')), ...figureCells(row)].join(' | ')} |`),
  ];
}

function figureCells(f: GroupFigures): string[] {
  return [String(f.secrets), percent(f.complianceScore), String(f.stale), String(f.dueSoon), String(f.unused), String(f.rotationDisabled), String(f.rotationFailing), days(f.oldestAgeDays)];
}

function secretSection(title: string, list: SecretList, withReason = false): string[] {
  const out = [`## ${title} (${list.total})`, ''];
  if (list.total === 0) return [...out, 'None.', ''];
  out.push(`| secret | account | region | replicas | kind | tenant | type | status | age (days) | max (days) | unread (days) |${withReason ? ' reason |' : ''}`);
  out.push(`| --- | --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |${withReason ? ' --- |' : ''}`);
  for (const s of list.secrets) {
    out.push(
      `| ${cell(s.name)} | ${cell(s.account)} | ${cell(s.region)} | ${cell(s.replicaRegions.join(', '))} | ${s.kind} | ${cell(s.tenant)} | ${s.type} | ${s.status} | ${days(s.ageDays)} | ${s.maxAgeDays} | ${days(s.unreadDays)} |${withReason ? ` ${cell(s.rotationFailure ?? '')} |` : ''}`,
    );
  }
  if (list.total > list.secrets.length) out.push('', `…and ${list.total - list.secrets.length} more.`);
  out.push('');
  return out;
}

/** Escapes what would break a table cell or start Markdown/HTML markup. */
function cell(text: string): string {
  return text.replace(/[\\|`*_[\]<>#]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
}

function percent(value: number): string {
  return `${value.toFixed(1)}%`;
}

function days(value: number): string {
  return value.toFixed(1);
}
