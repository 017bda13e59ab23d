// (d) Sprints: create one, move tasks into it, start it, complete it (unfinished tasks go back
// to the backlog); the table with its points sum and the timeline of epics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('a sprint is planned, started and completed; unfinished work returns to the backlog', async () => {
  const api = client(suite.session);
  const { project, status } = await projectWithTasks(api, unique('Sprint Test'), [], {});
  const finished = await api.post(`/projects/${project.id}/tasks`, { title: 'Finished work', story_points: 3 });
  const unfinished = await api.post(`/projects/${project.id}/tasks`, { title: 'Unfinished work', story_points: 5 });

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/backlog`);
  await page.getByTestId('empty-state').waitFor();
  await page.getByRole('button', { name: 'New sprint' }).click();
  await page.getByLabel('Name').fill('Sprint One');
  await page.getByLabel('Goal').fill('Ship the first slice');
  await page.getByRole('button', { name: 'Create sprint' }).click();
  const sprint = page.locator('[data-testid="sprint"][data-name="Sprint One"]');
  await sprint.waitFor();

  for (const title of ['Finished work', 'Unfinished work']) {
    await page.getByLabel(`Move ${title}`).selectOption({ label: 'Sprint One' });
    await sprint.locator(`[data-testid="task-row"][data-title="${title}"]`).waitFor();
  }
  await sprint.getByText('8 points').waitFor();
  await sprint.getByRole('button', { name: 'Start sprint' }).click();
  await until(async () => (await sprint.getByTestId('sprint-status').textContent()) === 'active', 'the sprint to be active');

  // One task is done (someone else finished it; the page follows live).
  await api.patch(`/projects/${project.id}/tasks/${finished.id}`, { status_id: status('Done').id });
  await sprint.locator('[data-testid="task-row"][data-title="Finished work"]', { hasText: 'Done' }).waitFor();
  await shot(page, 'backlog-sprints');

  await sprint.getByRole('button', { name: 'Complete sprint' }).click();
  await page.getByText('1 unfinished task (5 points) will move to').waitFor();
  await page.getByLabel('Move unfinished tasks to').selectOption({ label: 'The backlog' });
  await page.getByRole('dialog').getByRole('button', { name: 'Complete sprint' }).click();

  await page.locator('[data-testid="backlog"] [data-testid="task-row"][data-title="Unfinished work"]').waitFor();
  await page.getByRole('button', { name: /Completed sprints \(1\)/ }).click();
  await page.getByTestId('completed-sprint').filter({ hasText: 'Sprint One' }).waitFor();
  const sprints = (await api.get(`/projects/${project.id}/sprints`)).items;
  assert.equal(sprints.find((s) => s.name === 'Sprint One').status, 'completed');
  const after = await api.get(`/projects/${project.id}/tasks/${unfinished.id}`);
  assert.equal(after.sprint_id, undefined, 'the unfinished task is back in the backlog');
  await shot(page, 'backlog-sprints-completed');
  await page.context().close();
});

test('the table filters and sums story points; the timeline shows epics', async () => {
  const api = client(suite.session);
  const { project, types, status } = await projectWithTasks(api, unique('Table Test'), []);
  await api.post(`/projects/${project.id}/tasks`, { title: 'Small thing', story_points: 2, status_id: status('Todo').id });
  await api.post(`/projects/${project.id}/tasks`, { title: 'Big thing', story_points: 8, status_id: status('Todo').id });
  await api.post(`/projects/${project.id}/tasks`, { title: 'Other thing', story_points: 1, status_id: status('Done').id });
  const epic = types.find((t) => t.name === 'Epic');
  const today = new Date();
  const day = (n) => new Date(today.getTime() + n * 864e5).toISOString().slice(0, 10);
  await api.post(`/projects/${project.id}/tasks`, { title: 'Launch epic', task_type_id: epic.id, start_date: day(-3), due_date: day(20) });

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/table`);
  await page.getByTestId('task-table').waitFor();
  await until(async () => (await page.getByTestId('points-sum').textContent()) === '11', 'the sum of all points');
  await page.getByLabel('Status filter').selectOption({ label: 'Todo' });
  await until(async () => (await page.getByTestId('points-sum').textContent()) === '10', 'the sum of Todo points');
  await page.getByLabel('Sort by').selectOption({ label: 'Sort: Story points' });
  await shot(page, 'table');

  await page.getByRole('link', { name: 'Timeline' }).click();
  await page.getByTestId('timeline').getByText('Launch epic').waitFor();
  await shot(page, 'timeline');
  await page.context().close();
});
