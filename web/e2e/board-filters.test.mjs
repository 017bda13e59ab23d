// Board quick filters: text, only mine, assignee, type and label, kept in the address (a
// reload keeps them), applied to the cached board without a request.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

test('board quick filters narrow the cards and live in the URL', async () => {
  const api = client(suite.session);
  const { project, tasks, types } = await projectWithTasks(api, unique('Filter Test'), ['Fix the printer', 'Write the manual', 'Fix the door']);
  const P = `/projects/${project.id}`;
  const me = await api.get('/users/me');
  const mine = itemsOf(await api.get(`${P}/members`)).find((m) => m.user_id === me.id);
  await api.patch(`${P}/tasks/${tasks[0].id}`, { assignee_ids: [mine.id], tags: ['hardware'] });
  await api.patch(`${P}/tasks/${tasks[2].id}`, { task_type_id: types.find((t) => t.name === 'Bug').id });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/board`);
  await page.locator('[data-testid="card"]').first().waitFor();
  const titles = async () => (await page.locator('[data-testid="card"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-title')))).sort();
  await until(async () => (await titles()).length === 3, 'three cards');

  const requests = [];
  page.on('request', (r) => r.url().includes('/api/') && requests.push(r.url()));
  await page.getByLabel('Filter cards').fill('fix');
  await until(async () => JSON.stringify(await titles()) === JSON.stringify(['Fix the door', 'Fix the printer']), 'text filter');
  assert.match(page.url(), /[?&]q=fix/);
  await page.getByLabel('Type filter').selectOption({ label: 'Bug' });
  await until(async () => JSON.stringify(await titles()) === JSON.stringify(['Fix the door']), 'type filter');
  assert.deepEqual(requests.filter((u) => /\/board|\/tasks(\?|$)/.test(u)), [], 'filtering reads no tasks');

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await until(async () => (await titles()).length === 3, 'cleared');
  await page.getByLabel('Only mine').check();
  await until(async () => JSON.stringify(await titles()) === JSON.stringify(['Fix the printer']), 'only mine');
  await page.getByLabel('Only mine').uncheck();
  await page.getByLabel('Label filter').selectOption('hardware');
  await until(async () => JSON.stringify(await titles()) === JSON.stringify(['Fix the printer']), 'label filter');

  // The address keeps the filter: a reload shows the same cards.
  await page.reload();
  await page.locator('[data-testid="card"]').first().waitFor();
  await until(async () => JSON.stringify(await titles()) === JSON.stringify(['Fix the printer']), 'the filter after a reload');
  assert.equal(await page.getByLabel('Label filter').inputValue(), 'hardware');
  await shot(page, 'board-filters');
  await page.context().close();
});

test('table: column headers sort, the filters and the sort live in the URL', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Sort Test'), ['Bravo', 'Alpha', 'Charlie']);
  const P = `/projects/${project.id}`;
  await api.patch(`${P}/tasks/${tasks[2].id}`, { importance: 5 });
  const page = await (await signedInContext(suite.browser, suite.session)).newPage();
  await page.goto(`${P}/table`);
  await page.locator('[data-testid="table-row"]').first().waitFor();
  const order = () => page.locator('[data-testid="table-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-title')));
  assert.deepEqual(await order(), ['Bravo', 'Alpha', 'Charlie'], 'created order first');

  await page.getByRole('button', { name: 'Title' }).click();
  await until(async () => JSON.stringify(await order()) === JSON.stringify(['Alpha', 'Bravo', 'Charlie']), 'sorted by title');
  assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'Title ↑');
  await page.getByRole('button', { name: 'Importance' }).click();
  await until(async () => (await order())[0] === 'Charlie', 'sorted by importance');
  await page.getByLabel('Search', { exact: true }).fill('a');
  await until(async () => /q=a/.test(page.url()) && /sort=importance/.test(page.url()), 'the search and the sort in the URL');
  await page.reload();
  await page.locator('[data-testid="table-row"]').first().waitFor();
  assert.equal(await page.getByLabel('Search', { exact: true }).inputValue(), 'a');
  await until(async () => (await order())[0] === 'Charlie', 'the sort after a reload');

  // Two changes in the same tick, before the router has rendered the first: both stick.
  await page.evaluate(() => {
    const pick = (label, value) => {
      const select = document.querySelector(`select[aria-label="${label}"]`);
      select.value = value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    };
    pick('Sort by', 'title');
    pick('Assignee filter', 'null');
  });
  await until(async () => /sort=title/.test(page.url()) && /assignee=null/.test(page.url()), 'both quick changes in the URL');
  await page.context().close();
});
