// Permission-aware controls: a regular member sees no administration and no project controls
// their role does not allow; a viewer reads tasks without edit controls and is told why a board
// nobody has set up is empty (a refused write reads as a sentence: bulk.test.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, projectMember, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

/** A new user in the project with the named project role; their session. */
async function member(api, project, roleName) {
  return (await projectMember(api, project, roleName)).session;
}

test('a regular member sees no admin controls', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Member View'), ['Shared task']);
  const session = await member(api, project, 'Editor');
  const page = await (await signedInContext(suite.browser, session)).newPage();

  await page.goto('/');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByTestId('current-user').getByText('Editor Person').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'no Admin link');

  // The administration page, reached by its address, offers nothing to do.
  await page.goto('/admin');
  await page.getByText('Administration is for administrators').waitFor();
  for (const name of ['Create user', 'Disable', 'Delete', 'Reset password', 'Add role']) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
  }

  // Project settings: an Editor changes statuses and types, not the project, its members or roles.
  await page.goto(`/projects/${project.id}/settings`);
  await page.getByRole('heading', { name: 'Statuses' }).waitFor();
  await page.getByRole('button', { name: 'Edit status Todo' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete project' }).count(), 0, 'no Delete project');
  assert.equal(await page.getByRole('button', { name: 'Add member' }).count(), 0, 'no Add member');
  assert.ok(await page.getByLabel('Name', { exact: true }).isDisabled(), 'the project name is read-only');
  assert.ok(await page.getByRole('button', { name: 'Edit role Viewer' }).isDisabled(), 'roles are read-only');
  await shot(page, 'settings-member');
  await page.context().close();
});

test('a viewer reads tasks without edit controls', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Viewer View'), ['Look, do not touch']);
  const session = await member(api, project, 'Viewer');
  const page = await (await signedInContext(suite.browser, session)).newPage();

  // A board nobody who may edit has opened yet: the viewer is told why it is empty.
  await page.goto(`/projects/${project.id}/board`);
  await page.getByRole('alert').filter({ hasText: 'This board has not been set up yet' }).waitFor();
  assert.equal(await page.getByText('insufficient permissions').count(), 0);
  await api.post(`/projects/${project.id}/views?context=backlog`, { name: 'Board', view_type: 'board', config: { column_by: 'status' } });
  await page.reload();
  await page.locator('[data-testid="card"][data-title="Look, do not touch"]').waitFor();
  await until(async () => (await page.getByRole('button', { name: '+ Add task' }).count()) === 0, 'no + Add task for a viewer');

  await page.goto(`/projects/${project.id}/board?task=${tasks[0].id}`);
  const drawer = page.getByTestId('task-drawer');
  await drawer.getByText('You can read this task').waitFor();
  assert.ok(await drawer.getByLabel('Title').isDisabled(), 'the title is read-only');
  assert.equal(await drawer.getByRole('button', { name: 'Delete' }).count(), 0, 'no Delete');
  await drawer.getByRole('button', { name: 'Close' }).click();

  await page.goto(`/projects/${project.id}/backlog`);
  await page.getByText('Look, do not touch').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'New sprint' }).count(), 0, 'no New sprint');
  await page.context().close();
});
