#!/usr/bin/env node
// The web board under load, in Chromium (run on demand, not in CI): for projects of 500, 5,000
// and 10,000 tasks, the time to the first cards and to idle, the JS heap, the page's elements,
// long tasks (over 50 ms) while scrolling every column and while dragging a card, and how long
// a move made in one browser takes to show in a second one (p50/p90 over 20 moves). Appends a
// section to benches/RESULTS.md (or the file given with --record).
//
//   CORRAL_URL=http://127.0.0.1:8091 CORRAL_ADMIN_PASSWORD=… node benches/browser/board.mjs [--sizes 500,5000,10000]
//     [--moves 20] [--loads 3] [--record benches/RESULTS.md] [--server "what serves CORRAL_URL"]
//
// It reuses the browser tests' helpers and web/'s playwright-core (run `npm ci` in web/ first)
// and the system Chromium (CHROMIUM_PATH, default /usr/bin/chromium).

import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminSession, client, createTasks, launch, projectWithTasks, signedInContext, unique } from '../../web/e2e/lib.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const SIZES = arg('sizes', '500,5000,10000').split(',').map(Number);
const RECORD = arg('record', 'benches/RESULTS.md');
const SERVER = arg('server', 'a Corral server at CORRAL_URL');
const MOVES = Number(arg('moves', '20'));
const LOADS = Number(arg('loads', '3'));
const COLUMNS = ['Backlog', 'Todo', 'In Progress', 'Done'];

/** Installed before the app's code: first cards, long tasks, network activity. */
function probe() {
  const w = window;
  w.__bench = { firstCard: null, longTasks: [], lastActivity: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      w.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
      w.__bench.lastActivity = Math.max(w.__bench.lastActivity, e.startTime + e.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__bench.lastActivity = Math.max(w.__bench.lastActivity, e.responseEnd);
  }).observe({ type: 'resource', buffered: true });
  const seen = () => {
    if (w.__bench.firstCard == null && document.querySelector('[data-testid="card"]')) {
      w.__bench.firstCard = performance.now();
      w.__bench.lastActivity = Math.max(w.__bench.lastActivity, w.__bench.firstCard);
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const round = (x) => Math.round(x);

/** Long tasks recorded in the page since `from` (ms of the page's clock). */
async function longTasksSince(page, from) {
  return page.evaluate((from) => window.__bench.longTasks.filter((t) => t.start >= from), from);
}

async function pageNow(page) {
  return page.evaluate(() => performance.now());
}

/** Drags a card onto another with real mouse moves; resolves at the drop. */
async function dragCard(page, card, onto) {
  const a = await card.boundingBox();
  const b = await onto.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 30), { steps: 15 });
  await page.waitForTimeout(100);
  await page.mouse.up();
}

async function measure(browser, session, size) {
  const api = client(session);
  const { project, status } = await projectWithTasks(api, unique(`Bench ${size}`), []);
  const seedStart = Date.now();
  await createTasks(api, project.id, size, (i) => ({ title: `Task ${i + 1}`, status_id: status(COLUMNS[i % COLUMNS.length]).id }));
  const seedSeconds = (Date.now() - seedStart) / 1000;
  const url = `/projects/${project.id}/board`;

  // Warm the server's project (activation) so the first load measures the page, not the actor.
  await api.get(`/projects/${project.id}/board`);

  // A first visit (nothing cached in the browser), LOADS times; the median is reported.
  const loads = [];
  let contextA;
  let a;
  for (let i = 0; i < LOADS; i++) {
    await contextA?.close();
    contextA = await signedInContext(browser, session);
    await contextA.addInitScript(probe);
    a = await contextA.newPage();
    await a.goto(url);
    await a.waitForFunction(() => window.__bench.firstCard != null, null, { timeout: 60_000 });
    // Idle: a second without long tasks or network after the first cards.
    await a.waitForFunction(() => performance.now() - window.__bench.lastActivity > 1000, null, { timeout: 60_000, polling: 100 });
    loads.push(
      await a.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const origin = nav ? nav.startTime : 0;
        return { firstCards: window.__bench.firstCard - origin, idle: window.__bench.lastActivity - origin };
      }),
    );
  }
  const load = { firstCards: pct(loads.map((l) => l.firstCards), 50), idle: pct(loads.map((l) => l.idle), 50) };
  const cdp = await contextA.newCDPSession(a);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const dom = await a.evaluate(() => document.querySelectorAll('*').length);

  // Scroll every column to its end and back, with the mouse wheel.
  let from = await pageNow(a);
  for (const name of COLUMNS) {
    const box = await a.locator(`[data-testid="column"][data-status="${name}"] [data-testid="column-cards"]`).boundingBox();
    if (!box) continue;
    await a.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 30; i++) {
      await a.mouse.wheel(0, 800);
      await a.waitForTimeout(16);
    }
    await a.mouse.wheel(0, -1e7);
  }
  await a.waitForTimeout(300);
  const scrollLong = await longTasksSince(a, from);

  // One drag between columns: pick up, carry, drop, and the second after.
  await a.waitForTimeout(500);
  from = await pageNow(a);
  await dragCard(
    a,
    a.locator('[data-testid="column"][data-status="Todo"] [data-testid="card"]').nth(1),
    a.locator('[data-testid="column"][data-status="In Progress"] [data-testid="card"]').first(),
  );
  await a.waitForTimeout(1000);
  const dragLong = await longTasksSince(a, from);

  // Remote moves: dropped in A, seen in B (both pages share the machine's clock).
  const contextB = await signedInContext(browser, session);
  const b = await contextB.newPage();
  await b.goto(url);
  await b.locator('[data-testid="card"]').first().waitFor({ timeout: 60_000 });
  await Promise.all([a, b].map((p) => p.locator('.live-dot.on').first().waitFor()));
  await b.waitForTimeout(1000);
  const delays = [];
  for (let i = 0; i < MOVES; i++) {
    const [src, dst] = i % 2 === 0 ? ['Todo', 'In Progress'] : ['In Progress', 'Todo'];
    // Found by title: a column that reorders meanwhile must not change which card is dragged.
    const column = a.locator(`[data-testid="column"][data-status="${src}"]`);
    const title = await column.locator('[data-testid="card"]').nth(1).getAttribute('data-title');
    const card = column.locator(`[data-testid="card"][data-title="${title}"]`);
    const seen = b.evaluate(
      ({ title, dst }) =>
        new Promise((resolve) => {
          const q = `[data-testid="column"][data-status="${dst}"] [data-testid="card"][data-title="${title}"]`;
          const obs = new MutationObserver(() => {
            if (document.querySelector(q)) {
              obs.disconnect();
              resolve(performance.timeOrigin + performance.now());
            }
          });
          obs.observe(document.body, { childList: true, subtree: true, attributes: true });
        }),
      { title, dst },
    );
    const dropped = a.evaluate(
      () => new Promise((resolve) => window.addEventListener('mouseup', () => resolve(performance.timeOrigin + performance.now()), { once: true, capture: true })),
    );
    await dragCard(a, card, a.locator(`[data-testid="column"][data-status="${dst}"] [data-testid="card"]`).first());
    const [t0, t1] = await Promise.all([dropped, Promise.race([seen, new Promise((r) => setTimeout(() => r(NaN), 10_000))])]);
    delays.push(t1 - t0);
    await a.waitForTimeout(300);
  }
  await contextA.close();
  await contextB.close();
  const ok = delays.filter((d) => Number.isFinite(d));
  return {
    size,
    seedSeconds,
    firstCards: load.firstCards,
    firstCardsAll: loads.map((l) => round(l.firstCards)),
    idle: load.idle,
    heapMb: metrics.JSHeapUsedSize / 1048576,
    dom,
    scrollLong: scrollLong.length,
    scrollLongMax: Math.max(0, ...scrollLong.map((t) => t.duration)),
    dragLong: dragLong.length,
    dragLongMax: Math.max(0, ...dragLong.map((t) => t.duration)),
    remoteP50: pct(ok, 50),
    remoteP90: pct(ok, 90),
    remoteMissed: delays.length - ok.length,
  };
}

const session = await adminSession();
const browser = await launch();
const rows = [];
try {
  // Chromium's own first start (and the app's first compile) is not the board's cost.
  const warm = await signedInContext(browser, session);
  await (await warm.newPage()).goto('/');
  await warm.close();
  for (const size of SIZES) {
    const r = await measure(browser, session, size);
    console.log(JSON.stringify(r));
    rows.push(r);
  }
} finally {
  await browser.close();
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const quoted = args.map((a) => (/^[\w.,/=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
const command = `CORRAL_URL=… CORRAL_ADMIN_PASSWORD=… node ${relative(root, fileURLToPath(import.meta.url))} ${quoted.join(' ')}`.trim();
const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
const ms = (x) => (Number.isFinite(x) ? `${round(x)}` : '–');
const largest = rows.at(-1);
const verdict = (ok) => (ok ? 'met' : '**not met**');
const section = [
  `## web board in Chromium — ${SERVER} (${at} UTC)`,
  '',
  `Command: \`${command}\``,
  '',
  `Machine: ${cpus().length} cores; headless Chromium, 1400×900; tasks spread over four columns. First cards and idle are from navigation start, the median of ${LOADS} first visits (nothing cached in the browser; the server's project already active); idle is the end of the last long task or response after which a second passes without either. Long tasks are the page's over 50 ms. Remote move: mouse-up in one browser to the card in its new column in a second one, ${MOVES} moves.`,
  '',
  '| tasks | first cards ms | idle ms | JS heap MB | elements | long tasks while scrolling (max ms) | long tasks while dragging (max ms) | remote move p50 ms | p90 ms |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.size} | ${ms(r.firstCards)} | ${ms(r.idle)} | ${r.heapMb.toFixed(1)} | ${r.dom} | ${r.scrollLong} (${ms(r.scrollLongMax)}) | ${r.dragLong} (${ms(r.dragLongMax)}) | ${ms(r.remoteP50)}${r.remoteMissed ? ` (${r.remoteMissed} not seen)` : ''} | ${ms(r.remoteP90)} |`,
  ),
  '',
  largest
    ? `Targets at ${largest.size} tasks: first cards ≤ 1,000 ms ${verdict(largest.firstCards <= 1000)} (${ms(largest.firstCards)}); no long task over 200 ms while dragging ${verdict(largest.dragLongMax <= 200)} (longest ${ms(largest.dragLongMax)}); remote move p50 ≤ 150 ms ${verdict(largest.remoteP50 <= 150)} (${ms(largest.remoteP50)}).`
    : '',
  '',
].join('\n');
appendFileSync(RECORD, `\n${section}`);
console.log(section);
