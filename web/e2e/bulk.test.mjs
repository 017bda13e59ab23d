// Bulk edit in the table (checkboxes, shift-click for a range, then status / assignee / sprint
// for all, with progress and a summary of failures) and dragging a backlog row into a sprint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, drag, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('bulk edit: select a range, then set status, assignee and sprint for all', async () => {
  const api = client(suite.session);
  const titles = ['Bulk one', 'Bulk two', 'Bulk three', 'Bulk four', 'Bulk five'];
  const { project, status } = await projectWithTasks(api, unique('Bulk Test'), titles);
  const sprint = await api.post(`/projects/${project.id}/sprints`, { name: 'Bulk sprint' });
  const me = await api.get('/users/me');
  const member = itemsOf(await api.get(`/projects/${project.id}/members`)).find((m) => m.user_id === me.id);
  const P = `/projects/${project.id}`;
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/table`);
  await page.getByText('Bulk five').first().waitFor();
  await page.getByLabel('Sort by').selectOption('title');

  // Title order: five, four, one, three, two. Click "four", shift-click "three": four, one, three.
  const box = (title) => page.locator(`[data-testid="table-row"][data-title="${title}"] input[type="checkbox"]`);
  await box('Bulk four').click();
  await box('Bulk three').click({ modifiers: ['Shift'] });
  const bar = page.getByTestId('bulk-bar');
  await bar.getByText('3 selected').waitFor();
  assert.equal(await page.locator('[data-testid="table-row"]').getByRole('checkbox', { checked: true }).count(), 3);
  assert.equal(await page.getByRole('dialog').count(), 0, 'a checkbox does not open the task');

  await bar.getByLabel('Set status of selected').selectOption({ label: 'Done' });
  await bar.getByTestId('bulk-status').getByText('Updated 3 tasks.').waitFor();
  await bar.getByLabel('Set assignee of selected').selectOption({ value: member.id });
  await bar.getByTestId('bulk-status').getByText('Updated 3 tasks.').waitFor();
  await bar.getByLabel('Set sprint of selected').selectOption({ label: 'Bulk sprint' });
  await bar.getByTestId('bulk-status').getByText('Updated 3 tasks.').waitFor();
  await shot(page, 'table-bulk-edit');

  const all = (await api.get(`${P}/tasks`)).items;
  for (const t of all) {
    const chosen = ['Bulk four', 'Bulk one', 'Bulk three'].includes(t.title);
    assert.equal(t.status_id === status('Done').id, chosen, `${t.title}: status`);
    assert.equal(t.sprint_id === sprint.id, chosen, `${t.title}: sprint`);
    assert.deepEqual(t.assignee_ids, chosen ? [member.id] : [], `${t.title}: assignees`);
  }

  // A failure is summed up with the task's key, the others still change.
  await bar.getByRole('button', { name: 'Clear selection' }).click();
  await page.getByLabel('Select all shown tasks').check();
  await bar.getByText('5 selected').waitFor();
  const one = all.find((t) => t.title === 'Bulk one');
  await page.route(`**/api/v1${P}/tasks/${one.id}`, (route) =>
    route.request().method() === 'PATCH'
      ? route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ success: false, error_code: 'FORBIDDEN', error: 'insufficient permissions' }) })
      : route.continue(),
  );
  await bar.getByLabel('Set sprint of selected').selectOption({ label: 'Backlog' });
  const summary = bar.getByTestId('bulk-status');
  await summary.getByText(/Updated 4 of 5; failed:/).waitFor();
  assert.match(await summary.textContent(), new RegExp(`${project.task_id_prefix}-${one.task_number} \\(You do not have permission`));
  await until(async () => (await api.get(`${P}/tasks`)).items.filter((t) => t.sprint_id === sprint.id).length === 1, 'four moved to the backlog');
  await page.context().close();
});

test('a backlog row dragged onto a sprint moves the task into it', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Drag Sprint'), ['Drag me in', 'Stay in the backlog']);
  const sprint = await api.post(`/projects/${project.id}/sprints`, { name: 'Target sprint' });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/backlog`);
  const row = page.getByTestId('backlog').locator('[data-testid="task-row"][data-title="Drag me in"]');
  await row.waitFor();
  const target = page.locator('[data-testid="sprint"][data-name="Target sprint"]');
  await drag(page, row.locator('.drag-handle'), target.locator('header'));
  await target.locator('[data-testid="task-row"][data-title="Drag me in"]').waitFor();
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${tasks[0].id}`)).sprint_id === sprint.id, 'the sprint saved');
  assert.equal((await api.get(`/projects/${project.id}/tasks/${tasks[1].id}`)).sprint_id ?? null, null, 'the other task stays');
  await shot(page, 'backlog-drag-to-sprint');

  // And back to the backlog.
  await drag(page, target.locator('[data-testid="task-row"][data-title="Drag me in"] .drag-handle'), page.getByTestId('backlog').locator('header'));
  await page.getByTestId('backlog').locator('[data-testid="task-row"][data-title="Drag me in"]').waitFor();
  await until(async () => !(await api.get(`/projects/${project.id}/tasks/${tasks[0].id}`)).sprint_id, 'back in the backlog');
  await page.context().close();
});
