// The task drawer's relations and comments: links added and removed from either end (an
// inverse type is stored from the other task), the parent under the Epic rules, and comments
// with rich BlockNote content rendered as text, lists and mentions rather than raw JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('links, parent (Epic rules) and rich comments in the task drawer', async () => {
  const api = client(suite.session);
  const { project, types, tasks } = await projectWithTasks(api, unique('Relations Test'), ['Build the API', 'Write the docs', 'Ship it']);
  const [build, docs, ship] = tasks;
  const epicType = types.find((t) => t.name === 'Epic');
  const epic = await api.post(`/projects/${project.id}/tasks`, { title: 'Launch', task_type_id: epicType.id });
  const key = (t) => `${project.task_id_prefix}-${t.task_number}`;
  const me = await api.get('/users/me');

  // A comment as the BlockNote editor writes it: heading, styled text, a link, a list, a mention.
  await api.post(`/projects/${project.id}/tasks/${build.id}/activities/comments`, {
    content: [
      { type: 'heading', props: { level: 2 }, content: [{ type: 'text', text: 'Review notes', styles: {} }], children: [] },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'This is ', styles: {} },
          { type: 'text', text: 'important', styles: { bold: true } },
          { type: 'text', text: ', see ', styles: {} },
          { type: 'link', href: 'https://example.com/spec', content: [{ type: 'text', text: 'the spec', styles: {} }] },
          { type: 'text', text: ' and ask ', styles: {} },
          { type: 'teamMention', props: { id: me.id, name: me.username } },
        ],
        children: [],
      },
      { type: 'bulletListItem', content: [{ type: 'text', text: 'first point', styles: {} }], children: [] },
      { type: 'bulletListItem', content: [{ type: 'text', text: 'second point', styles: {} }], children: [] },
    ],
  });
  await api.post(`/projects/${project.id}/tasks/${build.id}/activities/comments`, { content: { text: 'A plain-text comment' } });

  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`/projects/${project.id}/board?task=${build.id}`);
  const drawer = page.getByTestId('task-drawer');
  const links = drawer.getByTestId('task-links');
  await links.getByText('No links to other tasks.').waitFor();

  // The rich comment: structure, not JSON.
  const rich = drawer.getByTestId('comment').filter({ hasText: 'Review notes' });
  await rich.waitFor();
  assert.equal(await rich.locator('li').count(), 2);
  assert.equal(await rich.locator('strong').textContent(), 'important');
  assert.equal(await rich.locator('a[href="https://example.com/spec"]').textContent(), 'the spec');
  assert.equal(await rich.locator('.mention').textContent(), `@${me.username}`);
  assert.doesNotMatch(await rich.textContent(), /"type"|\[\{/);
  await drawer.getByTestId('comment').filter({ hasText: 'A plain-text comment' }).waitFor();

  // Build the API blocks Write the docs; Ship it blocks Build the API (added as "is blocked by").
  await links.getByLabel('Link type').selectOption('blocks');
  await links.getByLabel('Task to link').selectOption({ label: `${key(docs)} Write the docs` });
  await links.getByRole('button', { name: 'Add link' }).click();
  await links.locator('[data-testid="task-link"][data-link-type="blocks"]', { hasText: 'Write the docs' }).waitFor();
  await links.getByLabel('Link type').selectOption('is_blocked_by');
  await links.getByLabel('Task to link').selectOption({ label: `${key(ship)} Ship it` });
  await links.getByRole('button', { name: 'Add link' }).click();
  await links.locator('[data-testid="task-link"][data-link-type="is_blocked_by"]', { hasText: 'Ship it' }).waitFor();
  const fromShip = itemsOf(await api.get(`/projects/${project.id}/tasks/${ship.id}/links`));
  assert.deepEqual(
    fromShip.map((l) => [l.display_link_type, l.linked_task.id]),
    [['blocks', build.id]],
    'an inverse is stored as the forward link from the other task',
  );

  // The parent: the epic, offered first.
  await drawer.getByLabel('Parent').selectOption({ label: `${key(epic)} Launch` });
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${build.id}`)).parent_task_id === epic.id, 'the parent saved');
  await drawer.getByText('Saved', { exact: true }).waitFor();
  await links.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(page, 'task-links');

  // The same link again: the server's words.
  await links.getByLabel('Link type').selectOption('blocks');
  await links.getByLabel('Task to link').selectOption({ label: `${key(docs)} Write the docs` });
  await links.getByRole('button', { name: 'Add link' }).click();
  await links.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();

  // Following a link opens the other task, which sees the inverse; either end may remove it.
  await links.getByRole('button', { name: /Write the docs/ }).click();
  await until(async () => (await drawer.getByLabel('Title').inputValue()) === 'Write the docs', 'the linked task opened');
  const back = drawer.getByTestId('task-links').locator('[data-testid="task-link"][data-link-type="is_blocked_by"]', { hasText: 'Build the API' });
  await back.waitFor();
  await back.getByRole('button', { name: `Remove link to ${key(build)}` }).click();
  await drawer.getByTestId('task-links').getByText('No links to other tasks.').waitFor();
  assert.deepEqual(itemsOf(await api.get(`/projects/${project.id}/tasks/${build.id}/links`)).map((l) => l.linked_task.title), ['Ship it']);

  // An epic has no parent; it lists its children.
  await page.goto(`/projects/${project.id}/board?task=${epic.id}`);
  await drawer.getByTestId('parent-hint').waitFor();
  assert.equal(await drawer.getByLabel('Parent').isDisabled(), true);
  await drawer.getByTestId('child-tasks').getByText('Build the API').waitFor();

  // A task may have a task (not only an epic) as its parent.
  await page.goto(`/projects/${project.id}/board?task=${ship.id}`);
  await drawer.getByLabel('Parent').selectOption({ label: `${key(build)} Build the API` });
  await until(async () => (await api.get(`/projects/${project.id}/tasks/${ship.id}`)).parent_task_id === build.id, 'a task parent saved');
  // Ship it is now a child of Build the API, so it is not offered as Build the API's parent.
  await page.goto(`/projects/${project.id}/board?task=${build.id}`);
  await drawer.getByLabel('Title').waitFor();
  await until(async () => (await drawer.getByLabel('Parent').locator('option').allTextContents()).includes(`${key(docs)} Write the docs`), 'the parent choices');
  assert.ok(!(await drawer.getByLabel('Parent').locator('option').allTextContents()).includes(`${key(ship)} Ship it`), 'no cycles offered');

  // Turning a task with a parent into an epic clears the parent with it.
  await page.goto(`/projects/${project.id}/board?task=${ship.id}`);
  await until(async () => (await drawer.getByLabel('Parent').inputValue()) === build.id, 'the parent shown');
  await drawer.getByLabel('Type', { exact: true }).selectOption({ label: 'Epic' });
  await until(async () => {
    const t = await api.get(`/projects/${project.id}/tasks/${ship.id}`);
    return t.task_type_id === epicType.id && !t.parent_task_id;
  }, 'the epic saved without a parent');
  await drawer.getByTestId('parent-hint').waitFor();
  await page.context().close();
});
