// (f) A stale edit: B edits a task that someone changes and saves meanwhile; B's autosave shows the
// conflict with the other value, and B can overwrite. Autosave: fields save on their own, Escape saves first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('saving over someone else\'s newer change shows the conflict', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Conflict Test'), ['Original title']);
  const task = tasks[0];
  const a = await (await signedInContext(suite.browser, suite.session)).newPage();
  const b = await (await signedInContext(suite.browser, suite.session)).newPage();
  for (const p of [a, b]) {
    await p.goto(`/projects/${project.id}/board?task=${task.id}`);
    await p.getByTestId('task-drawer').getByLabel('Title').waitFor();
    await until(async () => (await p.getByTestId('task-drawer').getByLabel('Title').inputValue()) === 'Original title', 'the task loaded');
  }
  // B types a title (saved after a pause in typing) while someone saves another one first.
  await b.getByTestId('task-drawer').getByLabel('Title').fill('Title from B');
  await api.patch(`/projects/${project.id}/tasks/${task.id}`, { title: 'Title from A' }, { 'If-Match': '1' });
  // B's autosave is refused: the conflict shows both values and nothing is overwritten.
  const conflict = b.getByTestId('conflict');
  await conflict.waitFor();
  assert.equal(await conflict.getByTestId('theirs-title').textContent(), 'Title from A');
  await shot(b, 'task-conflict');
  assert.equal((await api.get(`/projects/${project.id}/tasks/${task.id}`)).title, 'Title from A', 'nothing overwritten yet');
  // Escape does not close the drawer over an unsaved edit.
  await b.keyboard.press('Escape');
  await b.waitForTimeout(300);
  await conflict.waitFor();

  await conflict.getByRole('button', { name: 'Overwrite with mine' }).click();
  await b.getByTestId('save-state').getByText('Saved', { exact: true }).waitFor();
  assert.equal((await api.get(`/projects/${project.id}/tasks/${task.id}`)).title, 'Title from B');
  assert.equal(await b.getByText(/version \d/).count(), 0, 'no version numbers shown');
  // A, not editing, follows live.
  await until(async () => (await a.getByTestId('task-drawer').getByLabel('Title').inputValue()) === 'Title from B', 'A to see B\'s title');
  await a.context().close();
  await b.context().close();
});

test('each field saves on its own, and Escape never loses an edit', async () => {
  const api = client(suite.session);
  const { project, tasks, status } = await projectWithTasks(api, unique('Autosave Test'), ['Before']);
  const task = tasks[0];
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/board?task=${task.id}`);
  const drawer = page.getByTestId('task-drawer');
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'Before', 'the task loaded');

  // A chosen value saves at once, without a Save button.
  await drawer.getByLabel('Status').selectOption({ label: 'Done' });
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${task.id}`)).status_id === status('Done').id, 'the status saved');
  await drawer.getByTestId('save-state').getByText('Saved', { exact: true }).waitFor();

  // Typing, then Escape at once: the edit is saved before the drawer closes.
  await drawer.getByLabel('Title').fill('After, typed and escaped');
  await drawer.getByLabel('Story points').fill('5');
  await drawer.getByLabel('Title').focus();
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached', timeout: 10_000 }).catch(async (e) => {
    throw new Error(`the drawer stayed open: ${await drawer.getByTestId('save-state').textContent()} ${await drawer.innerText()}`.slice(0, 600), { cause: e });
  });
  await page.reload();
  await page.locator(`[data-testid="card"][data-title="After, typed and escaped"]`).waitFor();
  const saved = await api.get(`/projects/${project.id}/tasks/${task.id}`);
  assert.equal(saved.title, 'After, typed and escaped');
  assert.equal(saved.story_points, 5);
  await page.locator(`[data-testid="card"][data-title="After, typed and escaped"]`).click();
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'After, typed and escaped', 'the edit after a reload');
  // Focus moved into the dialog and comes back to the card when it closes.
  assert.equal(await drawer.getAttribute('role'), 'dialog');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  await until(async () => page.evaluate(() => document.activeElement?.querySelector('[data-testid="card"]')?.getAttribute('data-title') === 'After, typed and escaped'), 'focus back on the card');
  await page.context().close();
});
