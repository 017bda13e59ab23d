// A project of 10,000 tasks (seeded once for the file): the board, backlog and table keep the
// page small (virtualized) and reach every task by scrolling; a drag shows in a second browser
// without any full-list read; drags made right after each other all land; touch drag at phone
// width.

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminSession,
  adminSuite,
  client,
  columnTitles,
  createTasks,
  domSize,
  drag,
  itemsOf,
  projectWithTasks,
  scrollUntil,
  shot,
  signedInContext,
  unique,
  until,
} from './lib.mjs';

const TASKS = Number(process.env.CORRAL_E2E_LARGE_TASKS ?? 10_000);
/** What "bounded" means here: a few thousand elements whatever the number of tasks. */
const DOM_MAX = 4000;
const COLUMNS = ['Backlog', 'Todo', 'In Progress', 'Done'];

const suite = adminSuite();
const big = {};

before(async () => {
  // Root hooks of a file do not wait for each other: take the session here.
  const api = client(await adminSession());
  const { project, status } = await projectWithTasks(api, unique('Large Board'), []);
  const sprint = await api.post(`/projects/${project.id}/sprints`, { name: 'Big sprint' });
  const started = Date.now();
  // Round robin over the four columns; every tenth task in the sprint.
  await createTasks(api, project.id, TASKS, (i) => ({
    title: `Task ${String(i + 1).padStart(5, '0')}`,
    status_id: status(COLUMNS[i % COLUMNS.length]).id,
    ...(i % 10 === 9 ? { sprint_id: sprint.id } : {}),
  }));
  console.log(`# seeded ${TASKS} tasks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const board = await api.get(`/projects/${project.id}/board`);
  assert.equal(board.tasks.length, TASKS);
  Object.assign(big, { api, project, status, sprint, tasks: board.tasks });
});

/** The task with the highest number among those matching (the last one in number order). */
function lastOf(filter) {
  return big.tasks.filter(filter).sort((a, b) => b.task_number - a.task_number)[0];
}

test('the board shows 10,000 tasks in a bounded page; the last card of a column is reached by scrolling', async () => {
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${big.project.id}/board`);
  await page.locator('[data-testid="card"]').first().waitFor({ timeout: 30_000 });
  const counts = await page.locator('[data-testid="column"] .count').allTextContents();
  assert.equal(counts.map(Number).reduce((a, b) => a + b, 0), TASKS, 'the columns count every task');
  const size = await domSize(page);
  console.log(`# board: ${size} elements for ${TASKS} tasks`);
  assert.ok(size < DOM_MAX, `the board keeps the page small (${size} elements)`);

  // Unplaced cards come in number order: the column's last card is its highest number.
  const last = lastOf((t) => t.status_id === big.status('Done').id);
  const done = page.locator('[data-testid="column"][data-status="Done"]');
  await scrollUntil(page, done.getByTestId('column-cards'), done.locator(`[data-testid="card"][data-title="${last.title}"]`), last.title);
  assert.ok((await domSize(page)) < DOM_MAX, 'still small at the end of the column');
  await page.context().close();
});

test('the backlog and the table show 10,000 tasks in a bounded page and reach the last one', async () => {
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${big.project.id}/backlog`);
  const backlog = page.getByTestId('backlog');
  await backlog.getByTestId('task-row').first().waitFor({ timeout: 30_000 });
  const size = await domSize(page);
  console.log(`# backlog: ${size} elements`);
  assert.ok(size < DOM_MAX, `the backlog keeps the page small (${size} elements)`);
  const inBacklog = big.tasks.filter((t) => !t.sprint_id).length;
  await backlog.getByText(`${inBacklog} tasks`, { exact: false }).first().waitFor();
  const last = lastOf((t) => !t.sprint_id);
  await scrollUntil(page, backlog.getByTestId('task-scroll'), backlog.locator(`[data-testid="task-row"][data-title="${last.title}"]`), last.title);
  const lastInSprint = lastOf((t) => t.sprint_id === big.sprint.id);
  const sprint = page.locator('[data-testid="sprint"][data-name="Big sprint"]');
  await scrollUntil(page, sprint.getByTestId('task-scroll'), sprint.locator(`[data-testid="task-row"][data-title="${lastInSprint.title}"]`), lastInSprint.title);

  await page.getByRole('link', { name: 'Table' }).click();
  await page.getByTestId('table-row').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('task-count').textContent(), `${TASKS} tasks`, 'the table counts every task');
  const tableSize = await domSize(page);
  console.log(`# table: ${tableSize} elements`);
  assert.ok(tableSize < DOM_MAX, `the table keeps the page small (${tableSize} elements)`);
  // Creation order: the last row is the last task created.
  const newest = [...big.tasks].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1)).at(-1);
  await scrollUntil(page, page.getByTestId('table-scroll'), page.locator(`[data-testid="table-row"][data-title="${newest.title}"]`), newest.title);
  // Filtering needs no request and finds one task among 10,000.
  await page.getByLabel('Search').fill(last.title);
  await until(async () => (await page.getByTestId('task-count').textContent()) === '1 tasks', 'the search to narrow the table');
  await page.context().close();
});

test('a drag shows in a second browser without reading the task list again', async () => {
  const a = await (await signedInContext(suite.browser, suite.session)).newPage();
  const b = await (await signedInContext(suite.browser, suite.session)).newPage();
  for (const p of [a, b]) {
    await p.goto(`/projects/${big.project.id}/board`);
    await p.locator('[data-testid="card"]').first().waitFor({ timeout: 30_000 });
  }
  await until(async () => (await a.locator('.live-dot.on').count()) > 0 && (await b.locator('.live-dot.on').count()) > 0, 'both sockets live');
  await b.waitForTimeout(500);
  const requests = [];
  b.on('request', (r) => requests.push(r.url()));

  const todo = a.locator('[data-testid="column"][data-status="Todo"]');
  const card = todo.locator('[data-testid="card"]').first();
  const title = await card.getAttribute('data-title');
  const target = a.locator('[data-testid="column"][data-status="In Progress"] [data-testid="card"]').first();
  // The time the card is dropped in A, and the time B shows it in its new column.
  const seen = b.evaluate(
    (title) =>
      new Promise((resolve) => {
        const check = () => document.querySelector(`[data-testid="column"][data-status="In Progress"] [data-testid="card"][data-title="${title}"]`);
        if (check()) return resolve(performance.timeOrigin + performance.now());
        const obs = new MutationObserver(() => {
          if (check()) {
            obs.disconnect();
            resolve(performance.timeOrigin + performance.now());
          }
        });
        obs.observe(document.body, { childList: true, subtree: true });
      }),
    title,
  );
  const dropped = a.evaluate(
    () => new Promise((resolve) => window.addEventListener('mouseup', () => resolve(performance.timeOrigin + performance.now()), { once: true, capture: true })),
  );
  await drag(a, card, target);
  const shown = await Promise.race([seen, new Promise((_, no) => setTimeout(() => no(new Error('B never showed the move')), 15_000))]);
  console.log(`# remote move at ${TASKS} tasks: shown in B ${Math.round(shown - (await dropped))} ms after the drop in A`);
  await until(async () => (await columnTitles(a, 'In Progress')).includes(title), 'the move in A');
  const moved = big.tasks.find((t) => t.title === title);
  await until(async () => (await big.api.get(`/projects/${big.project.id}/tasks/${moved.id}`)).status_id === big.status('In Progress').id, 'the status saved');
  // Whatever else follows (the position event), B reads no list of tasks and no board.
  await b.waitForTimeout(1500);
  const fullReads = requests.filter((u) => /\/tasks(\?|$)|\/board(\?|$)/.test(new URL(u).pathname + new URL(u).search));
  assert.deepEqual(fullReads, [], 'no full-list read after a remote move');
  await shot(b, 'board-large');
  await a.context().close();
  await b.context().close();
});

test('events this browser may not see (a notification for someone else) are filled in from the log, not by reading the board', async () => {
  const api = big.api;
  const P = `/projects/${big.project.id}`;
  const username = unique('dana').replace(/\s+/g, '-');
  const dana = await api.post('/admin/users', { username, password: 'temporary-pw-1', full_name: 'Dana Doer' });
  const roles = itemsOf(await api.get(`${P}/roles`));
  const member = await api.post(`${P}/members`, { user_id: dana.id, project_role_id: roles.find((r) => r.role_name === 'Editor').id });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/board`);
  await page.locator('[data-testid="card"]').first().waitFor({ timeout: 30_000 });
  await page.locator('.live-dot.on').first().waitFor();
  await page.waitForTimeout(500);
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname + new URL(r.url()).search));
  // Assigning Dana writes a task event and a notification only Dana's sockets receive: this
  // browser sees the sequence jump at the next event.
  const shown = await page.locator('[data-testid="column"][data-status="Backlog"] [data-testid="card"]').first().getAttribute('data-title');
  const task = big.tasks.find((t) => t.title === shown);
  await api.patch(`${P}/tasks/${task.id}`, { assignee_ids: [member.id] });
  await api.patch(`${P}/tasks/${task.id}`, { title: `${task.title} renamed` });
  await until(async () => (await page.locator(`[data-testid="card"][data-title="${task.title} renamed"]`).count()) > 0, 'the rename to show');
  task.title = `${task.title} renamed`;
  await until(async () => requests.some((u) => u.includes('/events?since=')), 'the gap filled from the log');
  await page.waitForTimeout(500);
  assert.deepEqual(requests.filter((u) => /\/tasks(\?|$)|\/board(\?|$)/.test(u)), [], 'no full-list read');
  await page.context().close();
});

test('drags made right after each other all land', async () => {
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${big.project.id}/board`);
  await page.locator('[data-testid="card"]').first().waitFor({ timeout: 30_000 });
  const refused = [];
  page.on('response', (r) => r.status() >= 400 && refused.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
  const moves = [];
  for (let i = 0; i < 20; i++) {
    const [from, to] = i % 2 === 0 ? ['Backlog', 'Todo'] : ['Todo', 'Backlog'];
    // The second card, so a card just dropped on top is not picked up again; found by its
    // title, so a column that reorders meanwhile does not change which card is dragged.
    const column = page.locator(`[data-testid="column"][data-status="${from}"]`);
    const title = await column.locator('[data-testid="card"]').nth(1).getAttribute('data-title');
    const card = column.locator(`[data-testid="card"][data-title="${title}"]`);
    const target = page.locator(`[data-testid="column"][data-status="${to}"] [data-testid="card"]`).first();
    await drag(page, card, target);
    const said = await page.evaluate(() => [...document.querySelectorAll('[id^="DndLiveRegion"]')].map((e) => e.textContent).join(' | '));
    const drawer = await page.getByTestId('task-drawer').count();
    moves.push({ title, to, said, drawer });
    await page.waitForTimeout(50);
  }
  // Each card ends in the column it was last dropped in, on the server and on the page.
  const last = new Map(moves.map((m) => [m.title, m.to]));
  console.log(`# moves: ${moves.map((m) => `${m.title}→${m.to} [${m.said}${m.drawer ? ' DRAWER' : ''}]`).join('\n# ')}`);
  console.log(`# refused: ${JSON.stringify(refused)}; notes: ${JSON.stringify(await page.getByTestId('move-note').allTextContents())}`);
  for (const [title, to] of last) {
    const task = big.tasks.find((t) => t.title === title);
    await until(async () => (await big.api.get(`/projects/${big.project.id}/tasks/${task.id}`)).status_id === big.status(to).id, `${title} saved in ${to}`);
  }
  assert.equal(await page.locator('[data-testid="move-note"].failed').count(), 0, 'no move failed');
  for (const [title, to] of last) {
    await page.locator(`[data-testid="column"][data-status="${to}"] [data-testid="card"][data-title="${title}"]`).waitFor();
  }
  await page.context().close();
});

test('a dragged card held near the bottom of another column scrolls that column, and drops there', async () => {
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${big.project.id}/board`);
  await page.locator('[data-testid="card"]').first().waitFor({ timeout: 30_000 });
  const cards = (name) => page.locator(`[data-testid="column"][data-status="${name}"] [data-testid="column-cards"]`);
  const card = page.locator('[data-testid="column"][data-status="Backlog"] [data-testid="card"]').nth(2);
  const title = await card.getAttribute('data-title');
  const a = await card.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  const box = await cards('Done').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 8, { steps: 15 });
  await until(async () => (await cards('Done').evaluate((e) => e.scrollTop)) > 1000, 'the Done column to scroll');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.waitForTimeout(150);
  await page.mouse.up();
  const task = big.tasks.find((t) => t.title === title);
  await until(async () => (await big.api.get(`/projects/${big.project.id}/tasks/${task.id}`)).status_id === big.status('Done').id, 'the status saved');
  assert.equal(await page.locator('[data-testid="move-note"].failed').count(), 0, 'the move saved');
  // The card is in the Done column on the page. On a slow machine (CI) it once landed outside
  // the rows in view, which this test does not pin down: then look for it from the column's top
  // and say where the column was.
  const dropped = cards('Done').locator(`[data-testid="card"][data-title="${title}"]`);
  try {
    await dropped.waitFor({ timeout: 5_000 });
  } catch {
    const scrollTop = await cards('Done').evaluate((e) => e.scrollTop);
    console.log(`# ${title} not in view at scrollTop ${scrollTop}; looking from the top of Done`);
    await cards('Done').evaluate((e) => (e.scrollTop = 0));
    await scrollUntil(page, cards('Done'), dropped, `${title} in Done`);
  }
  await page.context().close();
});

test('a card moves by touch at phone width', async () => {
  const api = client(suite.session);
  const { project, status } = await projectWithTasks(api, unique('Touch Board'), ['Tap me', 'Stay put']);
  for (const t of (await api.get(`/projects/${project.id}/tasks`)).items) {
    await api.patch(`/projects/${project.id}/tasks/${t.id}`, { status_id: status('Backlog').id });
  }
  const phone = await signedInContext(suite.browser, suite.session, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await phone.newPage();
  await page.goto(`/projects/${project.id}/board`);
  const card = page.locator('[data-testid="card"][data-title="Tap me"]');
  await card.waitFor();
  const from = await card.boundingBox();
  const column = await page.locator('[data-testid="column"][data-status="Todo"]').boundingBox();
  // The Todo column is partly in view at 390 px: drop on its visible part, away from the edge.
  const to = { x: Math.min(column.x + 30, 360), y: column.y + 80 };
  const cdp = await phone.newCDPSession(page);
  const touch = (type, x, y) =>
    cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: Math.round(x), y: Math.round(y) }] });
  const start = { x: from.x + from.width / 2, y: from.y + from.height / 2 };
  await touch('touchStart', start.x, start.y);
  await page.waitForTimeout(350);
  for (let i = 1; i <= 12; i++) {
    await touch('touchMove', start.x + ((to.x - start.x) * i) / 12, start.y + ((to.y - start.y) * i) / 12);
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(60);
  await touch('touchEnd', to.x, to.y);
  await until(async () => (await columnTitles(page, 'Todo')).includes('Tap me'), 'the card in Todo');
  const task = (await api.get(`/projects/${project.id}/tasks`)).items.find((t) => t.title === 'Tap me');
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${task.id}`)).status_id === status('Todo').id, 'the status saved');
  await page.waitForTimeout(400); // the drop animation
  await shot(page, 'board-phone-touch');
  await phone.close();
});
