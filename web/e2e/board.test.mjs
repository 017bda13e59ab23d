// (b) Create a project and tasks; (c) two people on one board: drags and presence appear live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, columnTitles, drag, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('create a project (prefix suggested from the name) and tasks on its board', async () => {
  const api = client(suite.session);
  const context = await signedInContext(suite.browser, suite.session);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByRole('button', { name: 'New project' }).click();
  const name = unique('Board Test');
  await page.getByLabel('Name').fill(name);
  // Two words or more: the initials of up to four of them.
  assert.equal(await page.getByLabel('Task ID prefix').inputValue(), 'BT' + name.split(' ')[2][0].toUpperCase());
  await page.getByLabel('Task ID prefix').fill('BRD');
  await page.getByRole('button', { name: 'Create project' }).click();

  await page.getByTestId('board').waitFor();
  const todo = page.locator('[data-testid="column"][data-status="Todo"]');
  for (const title of ['Write the brief', 'Sketch the layout']) {
    await todo.getByRole('button', { name: '+ Add task' }).click().catch(() => {});
    await todo.getByLabel('New task in Todo').fill(title);
    await todo.getByRole('button', { name: 'Add', exact: true }).click();
    await todo.locator(`[data-testid="card"][data-title="${title}"]`).waitFor();
  }
  const projects = (await api.get('/projects?page_size=100')).items;
  const project = projects.find((p) => p.name === name);
  assert.ok(project, 'the project exists');
  assert.equal(project.task_id_prefix, 'BRD');
  const tasks = (await api.get(`/projects/${project.id}/tasks`)).items;
  assert.deepEqual(tasks.map((t) => t.title).sort(), ['Sketch the layout', 'Write the brief']);
  await page.getByText('BRD-2').waitFor();

  await page.goto('/');
  await page.locator('[data-testid="project-card"]', { hasText: name }).waitFor();
  await shot(page, 'projects');
  await context.close();
});

test('a drag in one browser appears in another without reload; presence shows who looks', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Live Board'), ['First card', 'Second card', 'Third card']);
  const todoId = (await api.get(`/projects/${project.id}/task-statuses`)).items.find((s) => s.name === 'Todo').id;
  for (const t of (await api.get(`/projects/${project.id}/tasks`)).items) {
    await api.patch(`/projects/${project.id}/tasks/${t.id}`, { status_id: todoId });
  }
  const a = await (await signedInContext(suite.browser, suite.session)).newPage();
  const b = await (await signedInContext(suite.browser, suite.session)).newPage();
  for (const p of [a, b]) {
    await p.goto(`/projects/${project.id}/board`);
    await p.locator('[data-testid="card"][data-title="Third card"]').waitFor();
  }
  await until(async () => (await a.locator('.live-dot.on').count()) > 0 && (await b.locator('.live-dot.on').count()) > 0, 'both sockets live');
  // Let both joins settle before the move.
  await a.waitForTimeout(300);

  // Between columns.
  await drag(
    a,
    a.locator('[data-testid="card"][data-title="First card"]'),
    a.locator('[data-testid="column"][data-status="In Progress"] .cards'),
  );
  await until(async () => (await columnTitles(a, 'In Progress')).includes('First card'), 'the move in A');
  await until(async () => (await columnTitles(b, 'In Progress')).includes('First card'), 'the move to show in B');
  const moved = await until(async () => {
    const t = (await api.get(`/projects/${project.id}/tasks`)).items.find((x) => x.title === 'First card');
    return t.status_id !== todoId && t;
  }, 'the status saved');
  assert.ok(moved);

  // Within a column: Third above Second.
  await drag(a, a.locator('[data-testid="card"][data-title="Third card"]'), a.locator('[data-testid="card"][data-title="Second card"]'));
  await until(async () => JSON.stringify(await columnTitles(a, 'Todo')) === JSON.stringify(['Third card', 'Second card']), 'the reorder in A');
  await until(async () => JSON.stringify(await columnTitles(b, 'Todo')) === JSON.stringify(['Third card', 'Second card']), 'the reorder to show in B');

  // Presence: A opens a card; B sees someone looking at it.
  await a.locator('[data-testid="card"][data-title="Second card"]').click();
  await a.getByTestId('task-drawer').waitFor();
  await b.locator('[data-testid="card"][data-title="Second card"] [data-testid="card-presence"]').waitFor();
  await shot(b, 'board');
  await a.context().close();
  await b.context().close();
});

test('while a card is dragged, the target column makes room where it will land', async () => {
  const api = client(suite.session);
  const { project, status } = await projectWithTasks(api, unique('Drag Room'), ['Alpha', 'Beta', 'Gamma', 'Delta']);
  const tasks = (await api.get(`/projects/${project.id}/tasks`)).items;
  const byTitle = (t) => tasks.find((x) => x.title === t);
  for (const t of ['Alpha', 'Beta']) await api.patch(`/projects/${project.id}/tasks/${byTitle(t).id}`, { status_id: status('Todo').id });
  for (const t of ['Gamma', 'Delta']) await api.patch(`/projects/${project.id}/tasks/${byTitle(t).id}`, { status_id: status('In Progress').id });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/board`);
  const column = (name) => page.locator(`[data-testid="column"][data-status="${name}"]`);
  await column('In Progress').locator('[data-testid="card"][data-title="Delta"]').waitFor();

  // Pick Alpha up and hold it over the upper part of Delta, without dropping.
  const from = await column('Todo').locator('[data-testid="card"][data-title="Alpha"]').boundingBox();
  const over = await column('In Progress').locator('[data-testid="card"][data-title="Delta"]').boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 8, from.y + from.height / 2 + 8, { steps: 4 });
  await page.mouse.move(over.x + over.width / 2, over.y + over.height * 0.3, { steps: 15 });
  await page.waitForTimeout(300);
  await column('In Progress').locator('.sortable-card.placeholder').waitFor();
  assert.equal(await column('In Progress').locator('.count').textContent(), '3', 'the target column counts the card');
  assert.equal(await column('Todo').locator('.count').textContent(), '1', 'the source column let it go');
  // What the column shows, top to bottom (the placeholder included).
  const shownOrder = await column('In Progress')
    .locator('[data-testid="card"]')
    .evaluateAll((els) => els.map((e) => [e.getBoundingClientRect().top, e.getAttribute('data-title')]).sort((a, b) => a[0] - b[0]).map((x) => x[1]));
  assert.ok(shownOrder.includes('Alpha'));
  await shot(page, 'board-drag');
  await page.mouse.up();

  // It lands where the room was made, and is saved there.
  await until(async () => JSON.stringify(await columnTitles(page, 'In Progress')) === JSON.stringify(shownOrder), `the order shown while dragging (${shownOrder})`);
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${byTitle('Alpha').id}`)).status_id === status('In Progress').id, 'the status saved');
  await page.reload();
  await until(async () => JSON.stringify(await columnTitles(page, 'In Progress')) === JSON.stringify(shownOrder), 'the order after a reload');
  await page.context().close();
});
