// (a) Sign-in, the forced password change of a new user, the empty project list, sign-out.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, adminSession, client, launch, shot, unique, until } from './lib.mjs';

let browser;
before(async () => (browser = await launch()));
after(async () => browser?.close());

test('a new user signs in, must change the password, sees no projects and signs out', async () => {
  const api = client(await adminSession());
  const username = unique('e2e').replace(/\s+/g, '-');
  await api.post('/admin/users', { username, password: 'temporary-pw-1', full_name: 'Erin Example' });

  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('wrong-password');
  await shot(page, 'login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /invalid username or password/i }).waitFor();

  await page.getByLabel('Password').fill('temporary-pw-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Your password must be changed').waitFor();
  await page.getByLabel('Current password').fill('temporary-pw-1');
  await page.getByLabel('New password', { exact: true }).fill('erins-own-pw-2');
  await page.getByLabel('Repeat the new password').fill('erins-own-pw-2');
  await shot(page, 'change-password');
  await page.getByRole('button', { name: 'Change password' }).click();

  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByTestId('empty-state').waitFor();
  assert.equal(await page.getByTestId('current-user').textContent(), 'Erin Example');
  await shot(page, 'projects-empty');

  // The new password is the one that works now.
  const me = await until(async () => {
    const r = await fetch(`${BASE}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'erins-own-pw-2' }),
    });
    return r.ok;
  }, 'login with the new password');
  assert.ok(me);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await context.close();
});
