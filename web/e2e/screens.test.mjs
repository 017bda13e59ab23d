// The other screens: live notifications (unread count), project settings, API keys, admin.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, adminSession, client, itemsOf, launch, login, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

let browser;
let session;
before(async () => {
  browser = await launch();
  session = await adminSession();
});
after(async () => browser?.close());

test('an assignment by someone else raises the unread count live', async () => {
  const api = client(session);
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

  const page = await (await signedInContext(browser, session)).newPage();
  await page.goto('/notifications');
  await page.getByRole('heading', { name: 'Notifications' }).waitFor();
  const before = Number((await page.getByTestId('unread-count').textContent({ timeout: 1000 }).catch(() => '0')) || 0);
  await bobApi.patch(`/projects/${project.id}/tasks/${tasks[0].id}`, { assignee_ids: [adminMember.id] });
  await until(async () => Number(await page.getByTestId('unread-count').textContent()) === before + 1, 'the unread count to rise');
  await page.getByTestId('notifications').getByText('Review the plan').first().waitFor();
  await shot(page, 'notifications');
  await page.context().close();
});

test('settings, API keys and administration screens', async () => {
  const api = client(session);
  const { project } = await projectWithTasks(api, unique('Settings Test'), []);
  const page = await (await signedInContext(browser, session)).newPage();
  await page.goto(`/projects/${project.id}/settings`);
  await page.getByRole('heading', { name: 'Statuses' }).waitFor();
  await page.getByLabel('Field name').fill('Customer');
  await page.getByLabel('Field key').fill('customer');
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByRole('cell', { name: 'Customer', exact: true }).waitFor();
  assert.equal((await api.get(`/projects/${project.id}/custom-fields`)).items[0].field_key, 'customer');
  await shot(page, 'settings');

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
