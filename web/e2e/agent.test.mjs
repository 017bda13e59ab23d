// (e) An agent (scripted) is configured in the UI, a task is assigned to it in the task detail,
// and its comment and status change arrive live; its conversation is shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, columnTitles, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('a task assigned to a scripted agent shows its comment and status change live', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Agent Test'), ['Describe the feature']);
  const handle = `helper${Date.now().toString(36)}`;

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/agents`);
  await page.getByTestId('empty-state').first().waitFor();
  await page.getByRole('button', { name: 'New agent' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Helper Bot');
  await page.getByLabel('Handle (for @mentions)').fill(handle);
  await page.getByLabel('LLM provider').fill('scripted');
  await page.getByLabel('Model').fill('script');
  await page.locator('textarea[name="system_prompt"]').fill('comment The agent was here and wrote this.\nstatus In Progress');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.locator(`[data-testid="agent-card"][data-handle="${handle}"]`).waitFor();
  await shot(page, 'agents');

  await page.getByRole('link', { name: 'Board' }).click();
  await page.locator('[data-testid="card"][data-title="Describe the feature"]').click();
  const drawer = page.getByTestId('task-drawer');
  await drawer.getByRole('button', { name: 'Assign…' }).click();
  await drawer.getByRole('listbox', { name: 'Members' }).getByText('Helper Bot').click();
  await drawer.getByTestId('assignees').getByText('Helper Bot').waitFor();

  // The agent's work arrives without a reload: its comment in the feed, the new status.
  await drawer.getByTestId('comment').filter({ hasText: 'The agent was here and wrote this.' }).waitFor({ timeout: 30_000 });
  await until(async () => (await drawer.getByLabel('Status').locator('option:checked').textContent()) === 'In Progress', 'the status set by the agent', 30_000);
  await until(async () => (await columnTitles(page, 'In Progress')).includes('Describe the feature'), 'the card in In Progress');
  await drawer.getByTestId('comment').filter({ hasText: 'The agent was here' }).scrollIntoViewIfNeeded();
  await shot(page, 'task-detail');

  await page.getByRole('button', { name: 'Close' }).first().click();
  await page.getByRole('link', { name: 'Agents' }).click();
  await page.getByTestId('conversations').getByRole('link', { name: 'Helper Bot' }).first().click();
  await until(async () => (await page.getByTestId('conversation-status').textContent()) === 'finished', 'the conversation to finish', 30_000);
  await page.getByTestId('conversation-events').getByText('comment The agent was here', { exact: false }).first().waitFor();
  await shot(page, 'agent-conversation');
  const conversations = (await api.get(`/projects/${project.id}/conversations`)).items;
  assert.equal(conversations[0].trigger_type, 'task_assigned');
  await page.context().close();
});
