// Shared set-up for the browser tests: the server under test (CORRAL_URL), an administrator
// session (CORRAL_ADMIN_PASSWORD), REST helpers, Chromium contexts and screenshots.

import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.env.CORRAL_URL ?? '').replace(/\/$/, '');
export const ADMIN_PASSWORD = process.env.CORRAL_ADMIN_PASSWORD ?? '';
if (!BASE || !ADMIN_PASSWORD) {
  throw new Error('set CORRAL_URL (a running Corral serving the UI) and CORRAL_ADMIN_PASSWORD');
}
const here = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(here, '..', '..', 'docs', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function unique(prefix) {
  return `${prefix} ${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

function cookiesOf(res) {
  const out = {};
  for (const c of res.headers.getSetCookie?.() ?? []) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

/** Signs in over REST; the session's cookies. */
export async function login(username, password) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, remember_me: true }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return cookiesOf(res);
}

/**
 * The administrator's session, shared by every test process of this run (logins are rate
 * limited per username).
 */
export async function adminSession() {
  const file = join(tmpdir(), `corral-e2e-${createHash('sha256').update(BASE + ADMIN_PASSWORD).digest('hex').slice(0, 16)}.json`);
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      const probe = await fetch(`${BASE}/api/v1/users/me`, { headers: { authorization: `Bearer ${saved.access_token}` } });
      // A token about to expire would end in the middle of a test file: sign in again.
      if (probe.ok && expiresAt(saved.access_token) > Date.now() + 5 * 60_000) return saved;
    } catch {
      /* log in again */
    }
  }
  const cookies = await login('admin', ADMIN_PASSWORD);
  writeFileSync(file, JSON.stringify(cookies), { mode: 0o600 });
  return cookies;
}

/** When a JWT expires (ms since the epoch); 0 when it does not say. */
function expiresAt(token) {
  try {
    const payload = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** A REST client acting with the session's access token. */
export function client(session) {
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(`${BASE}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${session.access_token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return json?.data ?? json;
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b = {}) => call('POST', p, b),
    patch: (p, b = {}, h) => call('PATCH', p, b, h),
    put: (p, b = {}) => call('PUT', p, b),
    del: (p) => call('DELETE', p),
  };
}

/** A project with the given task titles (created in the default status unless given). */
export async function projectWithTasks(api, name, titles = [], extra = {}) {
  const project = await api.post('/projects', { name });
  const statuses = (await api.get(`/projects/${project.id}/task-statuses`)).items;
  const types = (await api.get(`/projects/${project.id}/task-types`)).items;
  const status = (n) => statuses.find((s) => s.name === n);
  const tasks = [];
  for (const title of titles) {
    tasks.push(await api.post(`/projects/${project.id}/tasks`, { title, ...extra }));
  }
  return { project, statuses, types, status, tasks };
}

/**
 * A new user (global role USER) added to the project with the named project role, signed in
 * with their own password (a new user must change the first one). `{session, user}`.
 */
export async function projectMember(api, project, roleName, fullName = `${roleName} Person`) {
  const username = unique(roleName.toLowerCase()).replace(/\s+/g, '-');
  const user = await api.post('/admin/users', { username, password: 'temporary-pw-1', full_name: fullName });
  const roles = itemsOf(await api.get(`/projects/${project.id}/roles`));
  await api.post(`/projects/${project.id}/members`, { user_id: user.id, project_role_id: roles.find((r) => r.role_name === roleName).id });
  const first = await login(username, 'temporary-pw-1');
  await client(first).patch('/users/me/password', { current_password: 'temporary-pw-1', new_password: 'own-password-2' });
  return { session: await login(username, 'own-password-2'), user };
}

/**
 * The set-up every signed-in suite shares: one browser and the administrator's session
 * (`suite.browser`, `suite.session`) from the suite's start, the browser closed at its end.
 */
export function adminSuite() {
  const suite = { browser: undefined, session: undefined };
  before(async () => {
    suite.browser = await launch();
    suite.session = await adminSession();
  });
  after(async () => suite.browser?.close());
  return suite;
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** A browser context signed in with the session's cookies (`options`: Playwright's context options). */
export async function signedInContext(browser, session, options = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1400, height: 900 }, ...options });
  const url = new URL(BASE);
  const cookies = [{ name: 'access_token', value: session.access_token, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Lax' }];
  if (session.refresh_token) {
    cookies.push({ name: 'refresh_token', value: session.refresh_token, domain: url.hostname, path: '/api/v1/auth/refresh', httpOnly: true, sameSite: 'Strict' });
  }
  await context.addCookies(cookies);
  return context;
}

export async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Drags with real pointer moves (what @dnd-kit's pointer sensor listens to). */
export async function drag(page, from, to, { below = false } = {}) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag: element not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  const y = below ? b.y + b.height * 0.8 : b.y + Math.min(b.height / 2, 30);
  await page.mouse.move(b.x + b.width / 2, y, { steps: 15 });
  await page.waitForTimeout(150);
  await page.mouse.up();
}

/** The titles of the cards in a status column, top to bottom. */
export async function columnTitles(page, status) {
  return page.locator(`[data-testid="column"][data-status="${status}"] [data-testid="card"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-title')));
}

/** Polls until `check` returns a truthy value; fails with `what` (and the last value) after `ms`. */
export async function until(check, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last?.message ?? last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A list answer: `{items}` or a bare array depending on the route. */
export const itemsOf = (d) => (Array.isArray(d) ? d : d?.items ?? []);

/**
 * Creates `count` tasks over REST with at most `concurrency` requests in flight (the API has
 * no bulk create), retrying a request the server refused as busy. `make(i)` gives the body of
 * the i-th task (0-based); tasks are created in order of `i` only loosely. Returns the count.
 */
export async function createTasks(api, projectId, count, make, { concurrency = 32 } = {}) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        try {
          await api.post(`/projects/${projectId}/tasks`, make(i));
          break;
        } catch (e) {
          if (attempt >= 5 || !/: (429|503) /.test(String(e?.message))) throw e;
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return count;
}

/** The number of elements in the page (what a virtualized screen keeps bounded). */
export async function domSize(page) {
  return page.evaluate(() => document.querySelectorAll('*').length);
}

/**
 * Scrolls a scroll box to its end, step by step (as a person would, so a virtualized list
 * renders what it passes), until `found` is in the page.
 */
export async function scrollUntil(page, box, found, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await found.count()) > 0) return;
    const atEnd = await box.evaluate((el) => {
      el.scrollTop = Math.min(el.scrollTop + el.clientHeight * 4, el.scrollHeight);
      return el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
    });
    await page.waitForTimeout(atEnd ? 200 : 30);
    if (atEnd && (await found.count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`scrolled to the end without finding ${what}`);
  }
}

const AXE = join(here, '..', 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Runs axe-core (injected from node_modules) on the page; the critical and serious violations,
 * each as "rule: target, …" for the assertion message.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}
