// The other screens: live notifications (unread count), project settings, API keys, admin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, BASE, client, itemsOf, login, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('an assignment by someone else raises the unread count live', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Inbox Test'), ['Review the plan']);
  const username = unique('bob').replace(/\s+/g, '-');
  const bob = await api.post('/admin/users', { username, password: 'temporary-pw-1', full_name: 'Bob Builder' });
  const roles = itemsOf(await api.get(`/projects/${project.id}/roles`));
  await api.post(`/projects/${project.id}/members`, { user_id: bob.id, project_role_id: roles.find((r) => r.role_name === 'Editor').id });
  const first = await login(username, 'temporary-pw-1');
  await client(first).patch('/users/me/password', { current_password: 'temporary-pw-1', new_password: 'bobs-own-pw-2' });
  const bobApi = client(await login(username, 'bobs-own-pw-2'));
  const members = itemsOf(await api.get(`/projects/${project.id}/members`));
  const me = await api.get('/users/me');
  const adminMember = members.find((m) => m.user_id === me.id);

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto('/notifications');
  await page.getByRole('heading', { name: 'Notifications' }).waitFor();
  const before = Number((await page.getByTestId('unread-count').textContent({ timeout: 1000 }).catch(() => '0')) || 0);
  await bobApi.patch(`/projects/${project.id}/tasks/${tasks[0].id}`, { assignee_ids: [adminMember.id] });
  await until(async () => Number(await page.getByTestId('unread-count').textContent()) === before + 1, 'the unread count to rise');
  await page.getByTestId('notifications').getByText('Review the plan').first().waitFor();
  await page.getByTestId('notifications').getByRole('link', { name: `${project.task_id_prefix}-${tasks[0].task_number} Review the plan` }).first().waitFor();
  await shot(page, 'notifications');
  await page.context().close();
});

test('project settings: a custom field', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Settings Test'), []);
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/settings`);
  await page.getByRole('heading', { name: 'Statuses' }).waitFor();
  await page.getByLabel('Field name').fill('Customer');
  await page.getByLabel('Field key').fill('customer');
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByRole('cell', { name: 'Customer', exact: true }).waitFor();
  assert.equal((await api.get(`/projects/${project.id}/custom-fields`)).items[0].field_key, 'customer');
  await shot(page, 'settings');
  await page.context().close();
});

test('settings round-trips: statuses, role permissions, field options, defaults', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Settings Edit'), []);
  const P = `/projects/${project.id}`;
  await api.post(`${P}/custom-fields`, { field_key: 'tier', display_name: 'Tier', field_type: 'select', options: ['gold', 'silver'] });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/settings`);
  const statuses = page.getByTestId('statuses');
  await statuses.locator('tr[data-status="Todo"]').waitFor();

  // Rename and recolor a status.
  await page.getByRole('button', { name: 'Edit status Todo' }).click();
  await page.getByLabel('Status name', { exact: true }).fill('Ready to start');
  await page.getByLabel('Status color', { exact: true }).fill('#10b981');
  await page.getByTestId('status-editor').getByRole('button', { name: 'Save' }).click();
  await statuses.locator('tr[data-status="Ready to start"]').waitFor();
  const renamed = (await api.get(`${P}/task-statuses`)).items.find((s) => s.name === 'Ready to start');
  assert.ok(renamed, 'renamed on the server');
  assert.equal(renamed.color, '#10b981');

  // Reorder: Done above In Progress; the default for new tasks.
  await page.getByRole('button', { name: 'Move Done up' }).click();
  await until(async () => {
    const order = (await api.get(`${P}/task-statuses`)).items.sort((a, b) => a.position - b.position).map((s) => s.name);
    return JSON.stringify(order) === JSON.stringify(['Backlog', 'Ready to start', 'Done', 'In Progress']);
  }, 'the new order on the server');
  await statuses.locator('tr[data-status="Ready to start"]').getByRole('button', { name: 'Make default' }).click();
  await until(async () => (await api.get(`${P}/task-statuses`)).items.find((s) => s.is_default)?.name === 'Ready to start', 'the default status');
  await page.getByTestId('task-types').locator('tr', { hasText: 'Bug' }).getByRole('button', { name: 'Make default' }).click();
  await until(async () => (await api.get(`${P}/task-types`)).items.find((t) => t.is_default)?.name === 'Bug', 'the default type');

  // A role's permissions: Viewer may now write tasks.
  await page.getByRole('button', { name: 'Edit role Viewer' }).click();
  const editor = page.getByTestId('role-editor');
  await editor.getByLabel('tasks.write', { exact: true }).check();
  await editor.getByRole('button', { name: 'Save role' }).click();
  await editor.waitFor({ state: 'detached' });
  const viewer = itemsOf(await api.get(`${P}/roles`)).find((r) => r.role_name === 'Viewer');
  assert.equal(viewer.permissions['tasks.write'], true);
  assert.equal(viewer.permissions['tasks.read'], true, 'the other keys are kept');

  // A select's options after creation.
  await page.getByRole('button', { name: 'Edit field Tier' }).click();
  await page.getByLabel('Field options', { exact: true }).fill('gold, silver, bronze');
  await page.getByTestId('field-editor').getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('custom-fields').getByText('(gold, silver, bronze)').waitFor();
  assert.deepEqual((await api.get(`${P}/custom-fields`)).items[0].options, ['gold', 'silver', 'bronze']);
  await page.getByRole('button', { name: 'Edit role Editor' }).click();
  await shot(page, 'settings-edit');
  await page.context().close();
});

test('API keys and administration screens', async () => {
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();

  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Key name').fill('e2e key');
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = await page.getByTestId('new-key').locator('code').textContent();
  assert.match(shown, /^paca_[0-9a-f]{64}$/);
  const probe = await fetch(`${BASE}/api/v1/users/me`, { headers: { 'x-api-key': shown } });
  assert.equal(probe.status, 200, 'the new key works');
  await shot(page, 'api-keys');

  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByTestId('admin-users').getByText('@admin').waitFor();
  await until(async () => (await page.getByRole('heading', { name: 'Global roles' }).count()) > 0, 'global roles');
  await shot(page, 'admin');
  await page.context().close();
});
