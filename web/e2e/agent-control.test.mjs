// Controlling scripted agents from the UI: a "write with AI" run that never ends is stopped
// and shows `stopped` live; a chat is paused, resumed by a follow-up message in the same
// conversation, stopped, and continued in a new conversation of the same session.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

/** A scripted agent whose system prompt is `script`. */
async function scriptedAgent(api, project, name, script) {
  const roles = itemsOf(await api.get(`/projects/${project}/roles`));
  return api.post(`/projects/${project}/agents`, {
    name,
    handle: `${name.toLowerCase().replace(/\W/g, '')}${Date.now().toString(36)}`,
    llm_provider: 'scripted',
    llm_model: 'script',
    llm_api_key: 'unused',
    system_prompt: script,
    project_role_id: roles.find((r) => r.role_name === 'Editor').id,
  });
}

const statusOf = (page) => page.getByTestId('conversation-status').textContent();

test('a running agent is stopped from the UI and shows stopped live', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Stop Test'), ['Needs words']);
  await scriptedAgent(api, project.id, 'Hanger', 'events 1\nhang');

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/board?task=${tasks[0].id}`);
  const drawer = page.getByTestId('task-drawer');
  await drawer.getByRole('button', { name: 'Write with AI…' }).click();
  await drawer.getByRole('button', { name: 'Start', exact: true }).click();
  await drawer.getByTestId('write-with-ai-started').click();

  await until(async () => (await statusOf(page)) === 'running', 'the run to start', 30_000);
  await page.getByTestId('conversation-events').getByText('event 0').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await until(async () => (await statusOf(page)) === 'stopped', 'stopped to show', 30_000);
  assert.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0, 'no Stop once stopped');
  assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0, 'no Pause once stopped');
  await page.getByTestId('message-hint').getByText('This conversation has ended.').waitFor();
  const [c] = (await api.get(`/projects/${project.id}/conversations`)).items;
  assert.equal(c.status, 'stopped');
  assert.equal(c.trigger_type, 'description_write');

  // The list shows it too.
  await page.getByRole('link', { name: '← Agents' }).click();
  await page.getByTestId('conversations').locator('.pill.stopped').waitFor();
  await page.context().close();
});

test('a chat is paused, resumed by a message, stopped and continued', async () => {
  const api = client(suite.session);
  const { project } = await projectWithTasks(api, unique('Chat Test'), []);
  const agent = await scriptedAgent(api, project.id, 'Chatter', 'events 1\nsleep 20000');

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/agents`);
  await page.locator(`[data-testid="agent-card"][data-handle="${agent.handle}"]`).getByRole('button', { name: 'Chat' }).click();
  await page.getByRole('dialog', { name: 'Chat with Chatter' }).getByLabel('Message').fill('hello there');
  await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/agents\/conversations\//);
  const first = page.url().split('/').pop();

  const events = page.getByTestId('conversation-events');
  await until(async () => (await statusOf(page)) === 'running', 'the chat to run', 30_000);
  await events.getByText('hello there').waitFor({ timeout: 30_000 });
  await events.getByText('event 0').waitFor({ timeout: 30_000 });
  await page.getByTestId('message-hint').waitFor();

  // Pause: the chat keeps its workspace and waits for the next message.
  await page.getByRole('button', { name: 'Pause' }).click();
  await until(async () => (await statusOf(page)) === 'paused', 'paused to show', 30_000);
  await page.getByTestId('paused-note').waitFor();
  await shot(page, 'agent-chat-paused');

  // A follow-up resumes the same conversation.
  await page.getByLabel('Message to the agent').fill('and once more');
  await page.getByRole('button', { name: 'Send' }).click();
  await until(async () => (await statusOf(page)) === 'running', 'running again', 30_000);
  await events.getByText('and once more').waitFor({ timeout: 30_000 });
  assert.equal(page.url().split('/').pop(), first, 'the same conversation');
  const c = await api.get(`/projects/${project.id}/conversations/${first}`);
  assert.equal(c.trigger_type, 'chat_message');
  const userMessages = (await api.get(`/projects/${project.id}/conversations/${first}/events?limit=200`)).items.filter(
    (e) => e.event_source === 'user',
  );
  assert.equal(userMessages.length, 2, 'both messages in one conversation');
  await shot(page, 'agent-chat');

  // Stop ends it for good; the next message continues the session in a new conversation.
  await page.getByRole('button', { name: 'Stop' }).click();
  await until(async () => (await statusOf(page)) === 'stopped', 'stopped to show', 30_000);
  await page.getByLabel('Message to the agent').fill('back again');
  await page.getByRole('button', { name: 'Send' }).click();
  await until(async () => page.url().split('/').pop() !== first, 'a new conversation', 30_000);
  await until(async () => (await statusOf(page)) === 'running', 'the new conversation to run', 30_000);
  await events.getByText('back again').waitFor({ timeout: 30_000 });
  const second = page.url().split('/').pop();
  const sessions = itemsOf(await api.get(`/projects/${project.id}/agents/${agent.id}/chat-sessions`));
  assert.equal(sessions.length, 1, 'one session');
  assert.equal((await api.get(`/projects/${project.id}/conversations/${second}`)).chat_session_id, c.chat_session_id);
  await page.getByRole('button', { name: 'Stop' }).click();
  await until(async () => (await statusOf(page)) === 'stopped', 'the second stopped', 30_000);
  await page.context().close();
});
