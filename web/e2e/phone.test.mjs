// Phones: every screen fits 390 px and 360 px without sideways page scroll, the menu folds
// (Sign out stays reachable), the task drawer fills the screen and closes, the project tabs and
// the board scroll sideways.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuite, client, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

/** The page's width against the viewport's (a wider page scrolls sideways). */
async function assertFits(page, what) {
  await page.waitForTimeout(200);
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what}: the page is ${scroll} px wide in a ${inner} px window`);
}

for (const width of [390, 360]) {
  test(`every screen fits a ${width} px phone`, async () => {
    const api = client(suite.session);
    const { project, tasks } = await projectWithTasks(api, unique('Phone Test'), ['A task with a rather long title to wrap on a phone', 'Second']);
    await api.post(`/projects/${project.id}/sprints`, { name: 'Sprint one' });
    const folder = await api.post(`/projects/${project.id}/docs/folders`, { name: 'A folder with a rather long name for a phone' });
    const doc = await api.post(`/projects/${project.id}/docs`, {
      title: 'A document with a rather long title to wrap on a phone',
      folder_id: folder.id,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Read and written on a phone, with a line long enough to wrap.', styles: {} }] }],
    });
    const context = await signedInContext(suite.browser, suite.session, { viewport: { width, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const P = `/projects/${project.id}`;
    const screens = [
      ['/', () => page.getByRole('heading', { name: 'Projects' }).waitFor()],
      [`${P}/board`, () => page.locator('[data-testid="card"]').first().waitFor()],
      [`${P}/backlog`, () => page.getByText('Sprint one').first().waitFor()],
      [`${P}/table`, () => page.getByText('Second').first().waitFor()],
      [`${P}/timeline`, () => page.waitForLoadState('networkidle')],
      [`${P}/agents`, () => page.waitForLoadState('networkidle')],
      [`${P}/settings`, () => page.getByRole('heading', { name: 'Statuses' }).waitFor()],
      [`${P}/docs`, () => page.getByTestId('doc-tree').waitFor()],
      [`${P}/docs/${doc.id}`, () => page.locator('[data-testid="doc-connection"][data-state="live"]').waitFor()],
      ['/notifications', () => page.getByRole('heading', { name: 'Notifications' }).waitFor()],
      ['/api-keys', () => page.waitForLoadState('networkidle')],
      ['/admin', () => page.getByTestId('admin-users').getByText('@admin').waitFor()],
    ];
    for (const [path, ready] of screens) {
      await page.goto(path);
      await ready();
      await assertFits(page, path);
      if (path.includes('/docs/')) {
        // The document's page folds the tree away; its toggle brings it back.
        assert.equal(await page.getByTestId('doc-tree').isVisible(), false, 'the tree is folded');
        if (width === 390) await shot(page, 'phone-doc');
        await page.getByRole('button', { name: 'All documents' }).first().click();
        await page.getByTestId('doc-tree').getByText('A folder with a rather long name for a phone').waitFor();
        await assertFits(page, 'the document with its tree');
      }
    }

    // The tabs do not wrap: one row that scrolls sideways.
    await page.goto(`${P}/board`);
    const tabs = page.locator('nav.tabs');
    await tabs.waitFor();
    const tabRows = await tabs.locator('a').evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size);
    assert.equal(tabRows, 1, 'the tabs stay on one row');
    // The board scrolls sideways inside itself.
    const board = await page.locator('.board').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(board.scroll > board.client, 'the board is wider than the screen and scrolls');
    if (width === 390) await shot(page, 'phone-board');
    await page.locator('.board').evaluate((el) => el.scrollBy(400, 0));
    await assertFits(page, 'the board scrolled sideways');

    // The menu: Sign out is reachable.
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    assert.ok(signOut.x >= 0 && signOut.x + signOut.width <= width, 'Sign out is on screen');
    if (width === 390) await shot(page, 'phone-menu');
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false, 'the menu folds after a choice');

    // The task drawer fills the screen; its close button is on screen and closes it.
    await page.goto(`${P}/board?task=${tasks[0].id}`);
    const drawer = page.getByTestId('task-drawer');
    await drawer.getByLabel('Title').waitFor();
    const box = await drawer.boundingBox();
    assert.ok(box.x <= 0.5 && box.width >= width - 1, `the drawer fills the width (${box.x}, ${box.width})`);
    await assertFits(page, 'the task drawer');
    const inner = await drawer.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(inner.scroll <= inner.client, `the drawer's fields fit its width (${inner.scroll} > ${inner.client})`);
    const close = drawer.getByRole('button', { name: 'Close' });
    const closeBox = await close.boundingBox();
    assert.ok(closeBox.x >= 0 && closeBox.x + closeBox.width <= width && closeBox.y >= 0, 'the close button is on screen');
    if (width === 390) await shot(page, 'phone-task');
    await close.tap();
    await drawer.waitFor({ state: 'detached' });
    await until(async () => !new URL(page.url()).searchParams.has('task'), 'the drawer closed');
    await context.close();
  });
}
