import { ageChartSvg, ZONE_COLOURS } from './age-chart';
import type { GroupFigures } from './figures';
import type { ComplianceReport, GroupRow, SecretList } from './report';

/**
 * The compliance report as one self-contained HTML page: inline CSS, an inline SVG chart, no
 * scripts, and nothing fetched from anywhere. Its Content-Security-Policy allows no requests
 * at all (only inline styles and data: images), so a page that tried would be stopped.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Renders the page. Every name in it is escaped. */
export function renderHtml(report: ComplianceReport): string {
  const t = report.totals;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(report.title)}</h1>
<p class="meta">As of <time datetime="${esc(report.asOf)}">${esc(readable(report.asOf))}</time> · ${esc(report.source)} · generated ${esc(readable(report.generatedAt))}</p>
</header>
<section class="summary">
<div class="score ${scoreClass(t.complianceScore)}"><span class="big" id="compliance-score">${t.complianceScore.toFixed(1)}%</span><span>compliance score</span><small>${t.compliant} of ${t.secrets} secrets within policy and rotating</small></div>
${tile('secrets', t.secrets, '')}${tile('stale', t.stale, 'bad')}${tile('due soon', t.dueSoon, 'warn')}${tile('unused', t.unused, 'warn')}${tile('rotation disabled', t.rotationDisabled, 'muted')}${tile('rotation failing', t.rotationFailing, 'bad')}${tile('oldest (days)', Math.floor(t.oldestAgeDays), '')}
</section>
<section>
<h2>Ages against each policy</h2>
<p class="legend"><span style="background:${ZONE_COLOURS.ok}"></span>within policy <span style="background:${ZONE_COLOURS.dueSoon}"></span>due soon <span style="background:${ZONE_COLOURS.stale}"></span>stale · the dark line is the policy's max age</p>
${ageChartSvg(report.policies)}
</section>
${unreachableSection(report)}<section>
<h2>By account</h2>
${figuresTable(report.byAccount, ['account'])}
</section>
<section>
<h2>By tenant</h2>
${figuresTable(report.byTenant, ['tenant'])}
</section>
<section>
<h2>By type</h2>
${figuresTable(report.byType, ['type'])}
</section>
<section>
<h2>By tenant and type</h2>
${figuresTable(report.byTenantAndType, ['tenant', 'type'])}
</section>
${secretTable('Oldest secrets', 'oldest', report.oldest)}
${secretTable('Stale secrets', 'stale', report.stale)}
${secretTable('Unused secrets', 'unused', report.unused)}
${secretTable('Rotation failing', 'failing', report.failing, true)}
${replicaSection(report)}
<footer>Compliance score: secrets that are neither older than their policy allows nor failing rotation, over all secrets. Ages count from the last rotation or change. keywarden reads metadata only for this report; no secret value is in it.</footer>
</body>
</html>
`;
}

function tile(label: string, value: number, tone: string): string {
  return `<div class="tile ${tone}"><span class="big">${value}</span><span>${esc(label)}</span></div>`;
}

/** The account/regions that could not be read, first: every figure below is without them. */
function unreachableSection(report: ComplianceReport): string {
  if (report.unreachable.length === 0) return '';
  return `<section id="unreachable"><h2>Accounts not read (${report.unreachable.length})</h2>
<p class="warn-note">The secrets of these accounts and regions are missing from every figure of this report.</p>
<table class="secrets"><thead><tr><th>account</th><th>region</th><th>step</th><th>error</th></tr></thead><tbody>
${report.unreachable.map((u) => `<tr><td>${esc(u.account)}</td><td>${esc(u.region)}</td><td>${esc(u.step)}</td><td>${esc(u.code)}</td></tr>`).join('\n')}
</tbody></table></section>
`;
}

/** Replicas are rotated through their primary: listed under it (the secret tables' replicas column), or here when its region was not read. */
function replicaSection(report: ComplianceReport): string {
  const orphans = report.replicasWithoutPrimary;
  const head = `<section id="replicas"><h2>Replicas (${report.replicas})</h2><p class="none">Each replica is rotated through its primary and shown with it; these replicas' primary region was not read.</p>`;
  if (orphans.length === 0) return `${head}</section>`;
  return `${head}
<table class="secrets"><thead><tr><th>replica</th><th>account</th><th>region</th><th>primary region</th><th>primary</th></tr></thead><tbody>
${orphans.map((r) => `<tr><td class="name">${esc(r.name)}</td><td>${esc(r.account)}</td><td>${esc(r.region)}</td><td>${esc(r.primaryRegion)}</td><td class="name">${esc(r.primaryArn)}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

function figuresTable(rows: readonly GroupRow[], keys: Array<'tenant' | 'type' | 'account'>): string {
  const head = [...keys, 'secrets', 'score', 'stale', 'due soon', 'unused', 'rotation disabled', 'rotation failing', 'oldest (days)'];
  return `<table class="figures"><thead><tr>${head.map((h, i) => `<th${i >= keys.length ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr>${keys.map((k) => `<td>${esc(row[k] ?? '')}</td>`).join('')}${figureCells(row)}</tr>`).join('\n')}
</tbody></table>`;
}

function figureCells(f: GroupFigures): string {
  const n = (value: number, tone = '') => `<td class="num${value > 0 && tone ? ` ${tone}` : ''}">${value}</td>`;
  return `${n(f.secrets)}<td class="num ${scoreClass(f.complianceScore)}">${f.complianceScore.toFixed(1)}%</td>${n(f.stale, 'bad')}${n(f.dueSoon, 'warn')}${n(f.unused, 'warn')}${n(f.rotationDisabled)}${n(f.rotationFailing, 'bad')}<td class="num">${f.oldestAgeDays.toFixed(1)}</td>`;
}

function secretTable(title: string, id: string, list: SecretList, withReason = false): string {
  if (list.total === 0) return `<section id="${id}"><h2>${esc(title)} (0)</h2><p class="none">None.</p></section>`;
  const more = list.total > list.secrets.length ? `<p class="more">…and ${list.total - list.secrets.length} more.</p>` : '';
  return `<section id="${id}"><h2>${esc(title)} (${list.total})</h2>
<table class="secrets"><thead><tr><th>secret</th><th>account</th><th>region</th><th>replicas</th><th>kind</th><th>tenant</th><th>type</th><th>status</th><th class="num">age (days)</th><th class="num">max (days)</th><th class="num">unread (days)</th>${withReason ? '<th>reason</th>' : ''}</tr></thead><tbody>
${list.secrets
  .map(
    (s) =>
      `<tr><td class="name">${esc(s.name)}</td><td>${esc(s.account)}</td><td>${esc(s.region)}</td><td>${esc(s.replicaRegions.join(', '))}</td><td>${esc(s.kind)}</td><td>${esc(s.tenant)}</td><td>${esc(s.type)}</td><td><span class="status ${esc(s.status)}">${esc(s.status)}</span></td><td class="num">${s.ageDays.toFixed(1)}</td><td class="num">${s.maxAgeDays}</td><td class="num">${s.unreadDays.toFixed(1)}</td>${withReason ? `<td>${esc(s.rotationFailure ?? '')}</td>` : ''}</tr>`,
  )
  .join('\n')}
</tbody></table>${more}</section>`;
}

function scoreClass(score: number): string {
  return score >= 95 ? 'good' : score >= 80 ? 'warn' : 'bad';
}

function readable(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** HTML-escapes text for element content and quoted attributes. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const STYLE = `
:root{color-scheme:light;--ink:#1d2330;--muted:#5d6677;--line:#dde1e8;--bg:#f6f7f9;--good:${ZONE_COLOURS.ok};--warn:${ZONE_COLOURS.dueSoon};--bad:${ZONE_COLOURS.stale}}
*{box-sizing:border-box}
body{margin:0;padding:28px 36px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header h1{margin:0 0 4px;font-size:26px}
.meta{margin:0 0 20px;color:var(--muted)}
h2{font-size:18px;margin:28px 0 10px}
section{max-width:1200px}
.summary{display:flex;flex-wrap:wrap;gap:12px}
.tile,.score{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:100px;display:flex;flex-direction:column}
.score{min-width:200px;border-width:2px}
.score small{color:var(--muted)}
.big{font-size:28px;font-weight:700;line-height:1.1}
.score.good{border-color:var(--good)} .score.warn{border-color:var(--warn)} .score.bad{border-color:var(--bad)}
.score.good .big{color:var(--good)} .score.warn .big{color:#9a6f00} .score.bad .big{color:var(--bad)}
.tile.bad .big{color:var(--bad)} .tile.warn .big{color:#9a6f00} .tile.muted .big{color:var(--muted)}
table{border-collapse:collapse;background:#fff;border:1px solid var(--line);width:100%;max-width:1200px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{background:#eef1f5;font-weight:600}
td.name{white-space:normal;word-break:break-all;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.bad{color:var(--bad);font-weight:600} td.warn{color:#9a6f00;font-weight:600} td.good{color:var(--good)}
.status{display:inline-block;padding:1px 8px;border-radius:10px;background:#e8ebf0;font-size:12px}
.status.stale,.status.rotation-failing{background:#fbe1df;color:#8f1d15}
.status.due-soon,.status.unused{background:#fdf1cc;color:#6d5000}
.status.ok{background:#dcf3e4;color:#1c6b3c}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px;border-radius:2px}
.age-chart{background:#fff;border:1px solid var(--line);border-radius:8px}
.age-chart text{font-size:12px;fill:var(--ink)}
.age-chart .axis,.age-chart .tick,.age-chart .row-note{fill:var(--muted)}
.age-chart .row-title{font-weight:700;font-size:14px}
.age-chart .row-stale{fill:var(--bad);font-weight:600} .age-chart .row-due{fill:#9a6f00}
.age-chart .baseline{stroke:#b7bdc8} .age-chart .max-line{stroke:var(--ink);stroke-width:2}
.age-chart .due-zone{fill:var(--warn);opacity:.12}
.age-chart .pile{fill:var(--bad);font-size:11px}
.none,.more{color:var(--muted)}
.warn-note{color:var(--bad);font-weight:600}
footer{margin-top:32px;color:var(--muted);max-width:900px}
`;
