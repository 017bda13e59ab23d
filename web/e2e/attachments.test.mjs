// Task attachments in the drawer: one browser attaches a text file, an image and a 6 MiB file (a
// multipart upload) through the file input and sees the progress bar and the rows; a second
// browser on the same task sees them appear without a reload, with the image's thumbnail and the
// activity entries; a download through a row gives the same bytes; a deletion removes the row
// in both. The section fits a 360 px phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { adminSuite, client, itemsOf, projectWithTasks, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

const MiB = 1024 * 1024;
/** A 1×1 PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test('attachments upload, appear live, download and delete', async () => {
  const api = client(suite.session);
  const { project, tasks } = await projectWithTasks(api, unique('Attachments Test'), ['With files']);
  const task = tasks[0];
  const notes = Buffer.from('Notes attached from the browser test.\nSecond line.\n');
  const big = randomBytes(6 * MiB + 12_345);

  const open = async (options) => {
    const page = await (await signedInContext(suite.browser, suite.session, options)).newPage();
    await page.goto(`/projects/${project.id}/board?task=${task.id}`);
    const section = page.getByTestId('task-drawer').getByTestId('task-attachments');
    await section.getByText('No attachments.').waitFor();
    return { page, section };
  };
  const a = await open();
  const b = await open();
  const row = (section, name) => section.locator(`[data-testid="attachment"][data-file-name="${name}"]`);

  // Every progress bar that shows in A, however briefly (a local upload is quick).
  await a.page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('[role="progressbar"]')) window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });

  // A: an empty file is refused in the section, with the file's name.
  await a.section.locator('input[type="file"]').setInputFiles([{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
  await a.section.getByRole('alert').filter({ hasText: 'Could not attach empty.txt: The file is empty.' }).waitFor();
  await a.section.getByRole('button', { name: 'Dismiss empty.txt' }).click();

  // A attaches three files at once; they upload one after another.
  await a.section.locator('input[type="file"]').setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: notes },
    { name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL },
    { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big },
  ]);
  for (const name of ['notes.txt', 'pixel.png', 'big.bin']) await row(a.section, name).waitFor();
  await until(async () => (await a.section.getByTestId('upload').count()) === 0, 'the uploads to finish');
  const seen = await a.page.evaluate(() => window.progressSeen);
  assert.ok(seen.length > 0, 'a progress bar showed while uploading');
  assert.ok(seen.every((v) => v >= 0 && v <= 100), `progress in percent (${seen})`);

  const stored = itemsOf(await api.get(`/projects/${project.id}/tasks/${task.id}/attachments`));
  assert.deepEqual(
    stored.map((x) => [x.file.file_name, x.file.file_size, x.file.content_type]),
    [
      ['notes.txt', notes.length, 'text/plain'],
      ['pixel.png', PIXEL.length, 'image/png'],
      ['big.bin', big.length, 'application/octet-stream'],
    ],
  );
  assert.match(await row(a.section, 'big.bin').textContent(), /6\.3 MB · application\/octet-stream · /);

  // B sees the rows without a reload, the image as a thumbnail, and the activity entries.
  for (const name of ['notes.txt', 'pixel.png', 'big.bin']) await row(b.section, name).waitFor();
  const thumb = row(b.section, 'pixel.png').locator('img');
  await thumb.waitFor();
  await until(() => thumb.evaluate((img) => img.complete && img.naturalWidth === 1), 'the thumbnail to load');
  const feed = b.page.getByTestId('activity-feed');
  await feed.getByText('attached notes.txt').waitFor();
  await feed.getByText('attached big.bin (6.3 MB)').waitFor();

  // B downloads through the rows: the same bytes, under the file's name.
  for (const [name, bytes] of [
    ['notes.txt', notes],
    ['big.bin', big],
  ]) {
    const [download] = await Promise.all([b.page.waitForEvent('download'), row(b.section, name).getByRole('button', { name: `Download ${name}` }).click()]);
    assert.equal(download.suggestedFilename(), name);
    const got = await readFile(await download.path());
    assert.ok(got.equals(bytes), `${name}: ${got.length} bytes downloaded, ${bytes.length} uploaded`);
  }
  await a.section.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await shot(a.page, 'task-attachments');

  // On a 360 px phone the section fits the drawer.
  const small = await (await signedInContext(suite.browser, suite.session, { viewport: { width: 360, height: 800 }, hasTouch: true, isMobile: true })).newPage();
  await small.goto(`/projects/${project.id}/board?task=${task.id}`);
  const drawer = small.getByTestId('task-drawer');
  await row(drawer, 'big.bin').waitFor();
  const fits = await drawer.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  assert.ok(fits.scroll <= fits.client, `the drawer with attachments fits 360 px (${fits.scroll} > ${fits.client})`);
  const download = await row(drawer, 'big.bin').getByRole('button', { name: 'Download big.bin' }).boundingBox();
  assert.ok(download.x >= 0 && download.x + download.width <= 360, 'Download is on screen');
  await small.context().close();

  // A deletes the text file after confirming; the row goes in both.
  a.page.once('dialog', (dialog) => {
    assert.equal(dialog.message(), 'Delete notes.txt?');
    void dialog.accept();
  });
  await row(a.section, 'notes.txt').getByRole('button', { name: 'Delete notes.txt' }).click();
  await row(a.section, 'notes.txt').waitFor({ state: 'detached' });
  await row(b.section, 'notes.txt').waitFor({ state: 'detached' });
  await feed.getByText('removed the attachment notes.txt').waitFor();
  assert.deepEqual(
    itemsOf(await api.get(`/projects/${project.id}/tasks/${task.id}/attachments`)).map((x) => x.file.file_name),
    ['pixel.png', 'big.bin'],
  );
  await row(b.section, 'big.bin').waitFor();

  await a.page.context().close();
  await b.page.context().close();
});
