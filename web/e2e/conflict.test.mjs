// (f) A stale edit: B edits a task that A changes and saves meanwhile; B's save shows the
// conflict with A's value, and B can overwrite.

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
  // B starts editing (from version 1) ...
  await b.getByTestId('task-drawer').getByLabel('Title').fill('Title from B');
  // ... while A changes the title and saves first.
  await a.getByTestId('task-drawer').getByLabel('Title').fill('Title from A');
  await a.getByTestId('task-drawer').getByRole('button', { name: 'Save' }).click();
  await a.getByText('version 2', { exact: true }).waitFor();
  // B sees that A is editing/changed it, then saves: conflict.
  await b.getByText('Someone else saved this task while you were editing').waitFor();
  await b.getByTestId('task-drawer').getByRole('button', { name: 'Save' }).click();
  const conflict = b.getByTestId('conflict');
  await conflict.waitFor();
  assert.equal(await conflict.getByTestId('theirs-title').textContent(), 'Title from A');
  await shot(b, 'task-conflict');
  assert.equal((await api.get(`/projects/${project.id}/tasks/${task.id}`)).title, 'Title from A', 'nothing overwritten yet');

  await conflict.getByRole('button', { name: 'Overwrite with mine' }).click();
  await b.getByText('version 3', { exact: true }).waitFor();
  assert.equal((await api.get(`/projects/${project.id}/tasks/${task.id}`)).title, 'Title from B');
  // A, not editing any more, follows live.
  await until(async () => (await a.getByTestId('task-drawer').getByLabel('Title').inputValue()) === 'Title from B', 'A to see B\'s title');
  await a.context().close();
  await b.context().close();
});
