// The command palette (Ctrl+K: tasks by key or title from the cached board, screens, projects)
// and the shortcuts `c`, `/` and `?`, which do not fire while typing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('Ctrl+K finds a task by key or title and jumps to screens', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Palette Test'), ['Write the release notes', 'Fix the login page', 'Plan the offsite']);
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/board`);
  await page.locator('[data-testid="card"]').first().waitFor();

  // By title: no request is needed, the board is in the cache.
  const requests = [];
  page.on('request', (r) => r.url().includes('/api/') && requests.push(r.url()));
  await page.keyboard.press('Control+k');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  const input = palette.getByRole('combobox');
  await input.fill('login');
  await palette.getByRole('option', { name: /Fix the login page/ }).waitFor();
  await shot(page, 'command-palette');
  await page.keyboard.press('Enter');
  const drawer = page.getByTestId('task-drawer');
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'Fix the login page', 'the task opened');
  assert.ok(!requests.some((u) => /\/tasks(\?|$)|\/board/.test(u)), `no task list read: ${requests.join(', ')}`);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  // By key.
  const key = `${project.task_id_prefix}-${tasks[2].task_number}`;
  await page.keyboard.press('Control+k');
  await input.fill(key.toLowerCase());
  await palette.getByRole('option').first().filter({ hasText: 'Plan the offsite' }).waitFor();
  await page.keyboard.press('Enter');
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'Plan the offsite', 'the task opened by key');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  // A screen, with the arrow keys.
  await page.keyboard.press('Control+k');
  await input.fill('settings');
  await palette.getByRole('option', { name: /^Settings/ }).first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/settings$/);
  await page.context().close();
});

test('shortcuts: c creates a task, / focuses search, ? shows help; none fire while typing', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Shortcut Test'), ['Existing task']);
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/table`);
  await page.getByText('Existing task').first().waitFor();

  // `/` focuses the table's search; typing there (even "c" and "?") triggers nothing.
  await page.keyboard.press('/');
  const search = page.getByLabel('Search', { exact: true });
  assert.equal(await search.evaluate((el) => el === document.activeElement), true, 'search focused');
  await page.keyboard.type('c?');
  assert.equal(await search.inputValue(), 'c?');
  assert.equal(await page.getByRole('dialog').count(), 0, 'no dialog while typing');
  await search.fill('');
  await search.blur();

  // `?` lists the shortcuts.
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByTestId('shortcuts').waitFor();
  await shot(page, 'shortcuts');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });

  // `c` creates a task and opens it.
  await page.keyboard.press('c');
  const dialog = page.getByRole('dialog', { name: 'New task' });
  await dialog.getByLabel('Title').fill('Made with the c key');
  await dialog.getByRole('button', { name: 'Create task' }).click();
  const drawer = page.getByTestId('task-drawer');
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'Made with the c key', 'the new task opened');
  const created = (await api.get(`/projects/${project.id}/tasks`)).items.find((t) => t.title === 'Made with the c key');
  assert.ok(created, 'created on the server');
  assert.ok(created.reporter_id, 'the creator is the reporter');
  // In the drawer's fields, `c` is just a letter.
  await drawer.getByLabel('Title').press('End');
  await drawer.getByLabel('Title').type(' c');
  assert.equal(await page.getByRole('dialog', { name: 'New task' }).count(), 0);
  await page.context().close();
});
