// An agent at work on a task: the card and the task drawer say so (with a link to the
// conversation), the conversation links back to its task and reads without developer labels,
// and the state goes when the run ends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('a card and the drawer show an agent working on the task', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Working Test'), ['Hand this to the bot', 'Nobody on this']);
  const P = `/projects/${project.id}`;
  const roles = itemsOf(await api.get(`${P}/roles`));
  const agent = await api.post(`${P}/agents`, {
    name: 'Busy Bot',
    handle: `busybot${Date.now().toString(36)}`,
    llm_provider: 'scripted',
    llm_model: 'script',
    llm_api_key: 'unused',
    system_prompt: 'events 1\nhang',
    project_role_id: roles.find((r) => r.role_name === 'Editor').id,
  });
  const botMember = itemsOf(await api.get(`${P}/members`)).find((m) => m.member_type === 'agent');
  assert.ok(botMember, 'the agent is a member');

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/board`);
  const card = page.locator(`[data-testid="card"][data-title="Hand this to the bot"]`);
  await card.waitFor();
  assert.equal(await card.getByTestId('agent-working').count(), 0, 'nobody at work yet');

  // Assigning the agent starts a run: the card shows it live.
  await api.patch(`${P}/tasks/${tasks[0].id}`, { assignee_ids: [botMember.id] });
  await card.getByTestId('agent-working').getByText(/Busy Bot is (working|queued)/).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator(`[data-testid="card"][data-title="Nobody on this"]`).getByTestId('agent-working').count(), 0);
  await until(async () => /is working/.test(await card.getByTestId('agent-working').textContent()), 'the run to be running', 30_000);
  await shot(page, 'board-agent-working');

  // The drawer says it too, with a link to the conversation.
  await card.click();
  const drawer = page.getByTestId('task-drawer');
  const banner = drawer.getByTestId('drawer-agent-working');
  await banner.getByText('Busy Bot is working on this task').waitFor();
  await banner.getByRole('link', { name: 'Follow the conversation' }).click();

  // The conversation reads as events, not developer labels, and links back to its task.
  const events = page.getByTestId('conversation-events');
  await events.locator('li.event').first().waitFor({ timeout: 30_000 });
  const text = await events.textContent();
  assert.doesNotMatch(text, /#\d+\s+\w*Event\s*·/, 'no "#0 MessageEvent · user" labels');
  assert.doesNotMatch(text, /MessageEvent|ActionEvent|ObservationEvent/);
  const back = page.getByTestId('conversation-task').getByRole('link');
  assert.match(await back.textContent(), new RegExp(`${project.task_id_prefix}-${tasks[0].task_number} Hand this to the bot`));
  await shot(page, 'agent-conversation-working');

  // Stopping the run ends the working state on the card.
  await page.getByRole('button', { name: 'Stop' }).click();
  await until(async () => (await page.getByTestId('conversation-status').textContent()) === 'stopped', 'stopped', 30_000);
  await back.click();
  await drawer.getByLabel('Title').waitFor();
  await until(async () => (await drawer.getByTestId('drawer-agent-working').count()) === 0, 'the drawer banner gone');
  await until(async () => (await card.getByTestId('agent-working').count()) === 0, 'the card back to normal');
  void agent;
  await page.context().close();
});
