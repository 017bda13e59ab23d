// Accessibility: axe-core on every screen (0 critical, 0 serious; documents too), the task drawer as a dialog,
// table rows reached and opened with the keyboard, @mentions picked with the keyboard by full
// name, the activity feed naming sprints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, axeViolations, client, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('axe finds no critical or serious violation on any screen', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Axe Test'), ['Check me', 'And me']);
  await api.post(`/projects/${project.id}/sprints`, { name: 'Axe sprint' });
  const folder = await api.post(`/projects/${project.id}/docs/folders`, { name: 'Axe folder' });
  const doc = await api.post(`/projects/${project.id}/docs`, {
    title: 'Axe doc',
    folder_id: folder.id,
    content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Checked by axe.', styles: {} }] }],
  });
  await api.post(`/projects/${project.id}/docs/${doc.id}/comments`, { content: { text: 'A comment' } });
  const P = `/projects/${project.id}`;
  const failures = [];
  for (const colorScheme of ['light', 'dark']) {
    const page = await (await signedInContext(suite.browser, suite.session, { colorScheme })).newPage();
    const screens = [
      ['/', () => page.getByRole('heading', { name: 'Projects' }).waitFor()],
      [`${P}/board`, () => page.locator('[data-testid="card"]').first().waitFor()],
      [`${P}/board?task=${tasks[0].id}`, () => page.getByTestId('task-drawer').getByLabel('Title').waitFor()],
      [`${P}/backlog`, () => page.getByText('Axe sprint').first().waitFor()],
      [`${P}/table`, () => page.locator('[data-testid="table-row"]').first().waitFor()],
      [`${P}/timeline`, () => page.waitForLoadState('networkidle')],
      [`${P}/agents`, () => page.waitForLoadState('networkidle')],
      [`${P}/settings`, () => page.getByRole('heading', { name: 'Statuses' }).waitFor()],
      [`${P}/docs`, () => page.getByTestId('doc-tree').getByText('Axe folder').waitFor()],
      [`${P}/docs/${doc.id}`, () => page.locator('[data-testid="doc-connection"][data-state="live"]').waitFor()],
      ['/notifications', () => page.getByRole('heading', { name: 'Notifications' }).waitFor()],
      ['/api-keys', () => page.waitForLoadState('networkidle')],
      ['/admin', () => page.getByTestId('admin-users').getByText('@admin').waitFor()],
    ];
    for (const [path, ready] of screens) {
      await page.goto(path);
      await ready();
      await page.waitForTimeout(300);
      for (const v of await axeViolations(page)) failures.push(`${colorScheme} ${path}: ${v}`);
      if (colorScheme === 'dark' && path.endsWith('/board')) await shot(page, 'dark-board');
      if (colorScheme === 'dark' && path.includes('?task=')) await shot(page, 'dark-task');
      if (colorScheme === 'dark' && path.endsWith('/backlog')) await shot(page, 'dark-backlog');
    }
    if (colorScheme === 'light') {
      // The menu's switch overrides the system: dark, then light, then back to the system's.
      const html = () => page.evaluate(() => document.documentElement.dataset.theme);
      assert.equal(await html(), 'light');
      await page.getByTestId('theme-switch').click();
      assert.equal(await html(), 'dark');
      await page.reload();
      await page.getByTestId('theme-switch').waitFor();
      assert.equal(await html(), 'dark', 'the choice is kept');
      await page.getByTestId('theme-switch').click();
      assert.equal(await html(), 'light');
      await page.getByTestId('theme-switch').click();
      assert.equal(await page.getByTestId('theme-switch').textContent(), 'Theme: system');
    }
    await page.context().close();
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('keyboard: table rows, the drawer dialog, @mention by full name, sprint names in the feed', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Keyboard Test'), ['Only task']);
  const sprint = await api.post(`/projects/${project.id}/sprints`, { name: 'Named sprint' });
  await api.patch(`/projects/${project.id}/tasks/${tasks[0].id}`, { sprint_id: sprint.id });
  const me = await api.get('/users/me');
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/table`);
  const row = page.locator('[data-testid="table-row"]').first();
  await row.waitFor();
  await row.focus();
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog', { name: `Task ${project.task_id_prefix}-${tasks[0].task_number}` });
  await drawer.getByLabel('Title').waitFor();
  assert.ok(await drawer.evaluate((el) => el.contains(document.activeElement)), 'focus is in the dialog');

  // The feed names the sprint, not its id.
  await drawer.getByTestId('activity-feed').getByText('to Named sprint').waitFor();
  assert.equal(await drawer.getByTestId('activity-feed').getByText(sprint.id).count(), 0);

  // @ + a word of the full name, then the keyboard picks.
  const fullName = me.full_name || me.username;
  const word = fullName.split(/\s+/).pop().slice(0, 3);
  const comment = drawer.getByLabel('Comment');
  await comment.fill(`Hello @${word}`);
  await drawer.getByRole('listbox', { name: 'Mention' }).getByRole('option').first().waitFor();
  await comment.press('ArrowDown');
  await comment.press('ArrowUp');
  await comment.press('Enter');
  assert.equal(await comment.inputValue(), `Hello @${me.username} `);
  // Escape in an unsent comment leaves the box and keeps the text; the next one closes.
  await comment.press('Escape');
  assert.equal(await comment.inputValue(), `Hello @${me.username} `);
  assert.equal(await page.getByTestId('task-drawer').count(), 1, 'still open');
  await comment.fill('');
  await comment.press('Escape');
  await until(async () => (await page.getByTestId('task-drawer').count()) === 0, 'the drawer closed');
  await until(async () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'table-row'), 'focus back on the row');
  await page.context().close();
});
