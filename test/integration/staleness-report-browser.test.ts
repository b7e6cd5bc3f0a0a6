import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { ZONE_COLOURS } from '../../shared/staleness/age-chart';
import { captureOutput } from '../support/capture-output';
import { recordingServer, renderPage } from '../support/chromium';
import { inventoryPlan, PLAN_POLICIES } from '../support/staleness-inventory-plan';
import { createSecrets, DAY_MS, latestStamp, stalenessEnv } from '../support/local-staleness-scan';
import { countColour, decodePng, distinctColours } from '../support/png';

/**
 * The HTML report as a person sees it: written by `keywarden report --format html` from an
 * inventory in the local AWS, served from a loopback server, and rendered by Debian's headless
 * Chromium. The page's own requests are read from the DevTools protocol (the browser's own
 * background calls, which no flag fully silences, are not the page's); anything else goes to a
 * trap proxy that refuses it, so nothing leaves the machine. The screenshot is kept in
 * reports/staleness-report.png for a person to look at.
 */

const WIDTH = 1280;
const HEIGHT = 1800;
const SHOT_DIR = join(import.meta.dirname, '..', '..', 'reports');

beforeEach(() => stalenessEnv(PLAN_POLICIES));

describe('the HTML compliance report in a real browser', () => {
  it('renders the score, the tables and the age chart, and makes no request of its own', async () => {
    const plan = inventoryPlan(600, 60, 'shop');
    await createSecrets(plan);
    const asOf = new Date((await latestStamp()).getTime() + 60 * DAY_MS);
    const dir = mkdtempSync(join(tmpdir(), 'kw-report-'));
    const file = join(dir, 'report.html');
    const run = await captureOutput(() => main(['node', 'keywarden', 'report', '--format', 'html', '--out', file, '--as-of', asOf.toISOString()]));
    expect(run.result).toBe(0);
    const html = readFileSync(file, 'utf8');
    // Nothing in the page names another host: no scheme-qualified URL at all.
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);

    const page = await recordingServer({ '/report.html': html });
    const trap = await recordingServer({});
    try {
      const rendered = await renderPage(`${page.url}/report.html`, { width: WIDTH, height: HEIGHT, proxy: `http://127.0.0.1:${trap.port}` });
      const dom = rendered.dom;

      // The page asked for nothing but itself: no script, font, style sheet, image or icon.
      expect(rendered.requests).toEqual([`${page.url}/report.html`]);
      expect(page.requests).toEqual(['GET /report.html']);

      // The DOM Chromium built: the score and the chart's rows are there.
      const stale = plan.filter((e) => e.expected.stale || e.expected.rotationFailing).length;
      const score = (100 * (plan.length - stale)) / plan.length;
      expect(dom).toContain(`<span class="big" id="compliance-score">${score.toFixed(1)}%</span>`);
      expect(dom.match(/<g class="policy-row"/g)?.length).toBeGreaterThanOrEqual(6);

      // What it painted: the full window, many colours, and the chart's red and green bars.
      const png = rendered.screenshot;
      mkdirSync(SHOT_DIR, { recursive: true });
      writeFileSync(join(SHOT_DIR, 'staleness-report.png'), png);
      const image = decodePng(png);
      expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
      expect(distinctColours(image)).toBeGreaterThan(50);
      expect(countColour(image, ZONE_COLOURS.stale)).toBeGreaterThan(500);
      expect(countColour(image, ZONE_COLOURS.ok)).toBeGreaterThan(500);
      expect(countColour(image, ZONE_COLOURS.dueSoon)).toBeGreaterThan(50);
    } finally {
      await page.close();
      await trap.close();
    }
  }, 240_000);

  it('would have caught a page that loads from the network', async () => {
    // The same harness against a page that asks for a script, a font and an image elsewhere.
    const leaky = `<!DOCTYPE html><html><head><script src="http://cdn.example.test/x.js"></script>
<link rel="stylesheet" href="https://fonts.example.test/css"></head><body><img src="http://img.example.test/a.png">leaky</body></html>`;
    const page = await recordingServer({ '/leaky.html': leaky });
    const trap = await recordingServer({});
    try {
      const rendered = await renderPage(`${page.url}/leaky.html`, { width: 800, height: 600, proxy: `http://127.0.0.1:${trap.port}` });
      expect(rendered.requests).toEqual(
        expect.arrayContaining(['http://cdn.example.test/x.js', 'https://fonts.example.test/css', 'http://img.example.test/a.png']),
      );
      // and the trap kept them from leaving.
      expect(trap.requests).toEqual(expect.arrayContaining(['GET http://cdn.example.test/x.js', 'CONNECT fonts.example.test:443']));
    } finally {
      await page.close();
      await trap.close();
    }
  }, 120_000);
});
