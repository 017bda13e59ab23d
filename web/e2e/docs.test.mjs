// Documents: two Editors type into one document at once and each sees the other's text, cursor
// and name; an edit over REST by a third person arrives in both; a version is restored from the
// history panel and both show it; comments appear live; folders are created, renamed, moved and
// deleted (their documents going to the top level); a Viewer gets a read-only editor; an Editor
// uploads an image through BlockNote's image block and a Viewer sees it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { BASE, adminSuite, axeViolations, client, itemsOf, projectMember, shot, signedInContext, unique, until } from './lib.mjs';

const suite = adminSuite();

const paragraph = (text) => ({ type: 'paragraph', content: [{ type: 'text', text, styles: {} }] });
/** The texts of a document's top-level blocks. */
const texts = (content) => (content ?? []).map((b) => (b.content ?? []).map((r) => r.text ?? '').join(''));

/** Opens the document and waits until its editor is connected and has the content. */
async function openDoc(browser, session, project, doc, options) {
  const page = await (await signedInContext(browser, session, options)).newPage();
  await page.goto(`/projects/${project.id}/docs/${doc.id}`);
  await page.locator('[data-testid="doc-connection"][data-state="live"]').waitFor();
  await page.locator('[data-testid="doc-content"] .bn-editor').waitFor();
  return page;
}

/** The editor's text, block by block. */
const editorText = (page) => page.locator('[data-testid="doc-content"] .bn-editor').innerText();

/** Puts the caret at the end of the block holding `text` (a click, as a person would). */
async function clickEnd(page, text) {
  const block = page.locator('[data-testid="doc-content"] .bn-inline-content', { hasText: text });
  await block.click();
  // End until the caret is at the end: the editor may still be placing the click's caret.
  await until(async () => {
    await page.keyboard.press('End');
    return block.evaluate((el) => {
      const s = getSelection();
      if (!s?.isCollapsed || !s.focusNode || !el.contains(s.focusNode)) return false;
      const after = document.createRange();
      after.selectNodeContents(el);
      after.setStart(s.focusNode, s.focusOffset);
      return after.toString() === '';
    });
  }, `the caret at the end of "${text}"`);
}

test('two editors type at once, see each other live, a REST edit arrives, a version is restored, comments appear', async () => {
  const api = client(suite.session);
  const project = await api.post('/projects', { name: unique('Docs Live') });
  const ada = await projectMember(api, project, 'Editor', 'Ada Editor');
  const bob = await projectMember(api, project, 'Editor', 'Bob Editor');
  const doc = await api.post(`/projects/${project.id}/docs`, { title: 'Draft plan', content: [paragraph('Ada writes here.'), paragraph('Bob writes here.')] });
  // The first edit keeps the state before it as version 1; the live edits that follow fall in
  // the same snapshot window (DOC_SNAPSHOT_INTERVAL), so version 1 is the state before them all.
  await api.patch(`/projects/${project.id}/docs/${doc.id}`, { title: 'Launch plan' });

  const a = await openDoc(suite.browser, ada.session, project, doc);
  const b = await openDoc(suite.browser, bob.session, project, doc);
  // Each sees the other in the "who is here" list.
  await a.locator('[data-testid="doc-here"] li[data-name="Bob Editor"]').waitFor();
  await b.locator('[data-testid="doc-here"] li[data-name="Ada Editor"]').waitFor();

  // Both type at the same time, each into their own line.
  await clickEnd(a, 'Ada writes here.');
  await clickEnd(b, 'Bob writes here.');
  await Promise.all([a.keyboard.type(' Ada typed this live.', { delay: 25 }), b.keyboard.type(' Bob typed this live.', { delay: 25 })]);
  for (const page of [a, b]) {
    await until(async () => {
      const t = await editorText(page);
      return t.includes('Ada writes here. Ada typed this live.') && t.includes('Bob writes here. Bob typed this live.');
    }, 'both lines in both browsers');
  }
  // Each sees the other's collaboration cursor, labelled with the other's name.
  await a.locator('.bn-collaboration-cursor__label', { hasText: 'Bob Editor' }).waitFor({ state: 'attached' });
  await b.locator('.bn-collaboration-cursor__label', { hasText: 'Ada Editor' }).waitFor({ state: 'attached' });
  assert.equal(await a.locator('.bn-collaboration-cursor__label', { hasText: 'Ada Editor' }).count(), 0, 'no cursor of one\'s own');
  // The server has both.
  await until(async () => {
    const t = texts((await api.get(`/projects/${project.id}/docs/${doc.id}`)).content);
    return t[0] === 'Ada writes here. Ada typed this live.' && t[1] === 'Bob writes here. Bob typed this live.';
  }, 'the server to hold both edits');

  // A third person (the administrator) edits over REST: both browsers show it.
  const current = await api.get(`/projects/${project.id}/docs/${doc.id}`);
  await api.patch(`/projects/${project.id}/docs/${doc.id}`, { content: [...current.content, paragraph('Added over REST.')] });
  for (const page of [a, b]) await until(async () => (await editorText(page)).includes('Added over REST.'), 'the REST edit in the editor');

  // A renames the document; B's title follows.
  await a.getByLabel('Title').fill('Launch plan v2');
  await a.getByLabel('Title').press('Enter');
  await until(async () => (await b.getByLabel('Title').inputValue()) === 'Launch plan v2', "B's title to follow");
  await b.locator('[data-testid="doc-item"][data-title="Launch plan v2"]').waitFor();

  // A comments; B sees it arrive, without Edit or Delete on it.
  // @ and a word of Bob's name suggest him; Enter picks him.
  const box = a.getByRole('combobox', { name: 'Comment', exact: true });
  await box.fill('Ready for review @bob');
  await a.getByRole('listbox', { name: 'Mention' }).getByRole('option', { name: /Bob Editor/ }).waitFor();
  await box.press('Enter');
  assert.equal(await box.inputValue(), `Ready for review @${bob.user.username} `);
  await a.getByRole('button', { name: 'Comment', exact: true }).click();
  const bobsView = b.getByTestId('doc-feed').getByTestId('comment').filter({ hasText: 'Ready for review' });
  await bobsView.waitFor();
  await bobsView.locator('.mention', { hasText: `@${bob.user.username}` }).waitFor();
  const commentOnB = b.getByTestId('doc-feed').locator('.feed-item.is-comment');
  assert.equal(await commentOnB.getByRole('button', { name: 'Edit' }).count(), 0, 'no Edit on someone else\'s comment');
  // A edits it; B sees the new text.
  const commentOnA = a.getByTestId('doc-feed').locator('.feed-item.is-comment');
  await commentOnA.getByRole('button', { name: 'Edit' }).click();
  await a.getByLabel('Edit comment').fill('Ready for review now');
  await a.getByRole('button', { name: 'Save' }).click();
  await b.getByTestId('doc-feed').getByTestId('comment').filter({ hasText: 'Ready for review now' }).waitFor();
  await a.getByTestId('doc-feed').getByText('created the document').waitFor();

  // A screenshot of A's screen while B moves: B's cursor label shows.
  await clickEnd(b, 'Added over REST.');
  await b.keyboard.type(' And more.', { delay: 25 });
  await a.locator('.bn-collaboration-cursor__base[data-active] .bn-collaboration-cursor__label', { hasText: 'Bob Editor' }).waitFor();
  await shot(a, 'docs');

  // B restores version 1 (the state before the first edit) from the history panel.
  await b.getByRole('tab', { name: 'History' }).click();
  const history = b.getByTestId('doc-history');
  await history.locator('[data-testid="snapshot"][data-number="1"]').waitFor();
  await history.getByRole('button', { name: 'Version 1' }).click();
  const view = history.getByTestId('snapshot-view');
  await view.getByText('Ada writes here.').waitFor();
  assert.equal(await view.getByText('Ada typed this live.').count(), 0, 'version 1 is the content before the edits');
  b.once('dialog', (dialog) => {
    assert.match(dialog.message(), /^Restore version 1 of "Launch plan v2"\?/);
    void dialog.accept();
  });
  await view.getByRole('button', { name: 'Restore this version' }).click();
  for (const page of [a, b]) {
    await until(async () => {
      const t = await editorText(page);
      return t.includes('Ada writes here.') && !t.includes('typed this live') && !t.includes('Added over REST.');
    }, 'the restored content in both browsers');
    await until(async () => (await page.getByLabel('Title').inputValue()) === 'Draft plan', 'the restored title');
  }
  assert.deepEqual(texts((await api.get(`/projects/${project.id}/docs/${doc.id}`)).content), ['Ada writes here.', 'Bob writes here.']);
  // The restored-over state is a version of its own, and the feed says what happened.
  await history.locator('[data-testid="snapshot"][data-number="2"]').waitFor();
  await b.getByRole('tab', { name: 'Comments & activity' }).click();
  await b.getByTestId('doc-feed').getByText('restored version 1').waitFor();

  // A deletes the comment; it goes in both.
  a.once('dialog', (dialog) => void dialog.accept());
  await commentOnA.getByRole('button', { name: 'Delete comment' }).click();
  await b.getByTestId('doc-feed').getByTestId('comment').waitFor({ state: 'detached' });

  await a.context().close();
  await b.context().close();
});

test('folders: create, rename, move and delete, live in a second browser; documents move between folders', async () => {
  const api = client(suite.session);
  const project = await api.post('/projects', { name: unique('Docs Folders') });
  const P = `/projects/${project.id}`;
  const a = await (await signedInContext(suite.browser, suite.session)).newPage();
  const b = await (await signedInContext(suite.browser, suite.session)).newPage();
  for (const page of [a, b]) {
    await page.goto(`${P}/docs`);
    await page.getByTestId('doc-tree').getByText('No documents yet.').waitFor();
  }
  const tree = (page) => page.getByTestId('doc-tree');
  const folder = (page, name) => tree(page).locator(`[data-testid="doc-folder"][data-name="${name}"]`);
  const dialog = (page, name) => page.getByRole('dialog', { name });

  // Two folders, the second inside the first.
  await tree(a).getByRole('button', { name: 'New folder' }).click();
  await dialog(a, 'New folder').getByLabel('Name').fill('Specs');
  await dialog(a, 'New folder').getByRole('button', { name: 'Create folder' }).click();
  await folder(a, 'Specs').waitFor();
  await folder(b, 'Specs').waitFor();
  await tree(a).getByRole('button', { name: 'New folder' }).click();
  await dialog(a, 'New folder').getByLabel('Name').fill('API');
  assert.equal(await dialog(a, 'New folder').getByLabel('Inside').inputValue(), itemsOf(await api.get(`${P}/docs/folders`))[0].id, 'inside the current folder');
  await dialog(a, 'New folder').getByRole('button', { name: 'Create folder' }).click();
  await folder(a, 'API').waitFor();
  let folders = itemsOf(await api.get(`${P}/docs/folders`));
  const specs = folders.find((f) => f.name === 'Specs');
  assert.equal(folders.find((f) => f.name === 'API').parent_id, specs.id);

  // Rename API, then move it to the top level.
  await tree(a).getByRole('button', { name: 'Rename folder API' }).click();
  await dialog(a, 'Rename folder API').getByLabel('Name').fill('Interfaces');
  await dialog(a, 'Rename folder API').getByRole('button', { name: 'Rename' }).click();
  await folder(a, 'Interfaces').waitFor();
  await tree(a).getByRole('button', { name: 'Move folder Interfaces' }).click();
  await dialog(a, 'Move folder Interfaces').getByLabel('Move into').selectOption({ label: 'Top level' });
  await dialog(a, 'Move folder Interfaces').getByRole('button', { name: 'Move' }).click();
  await until(async () => !itemsOf(await api.get(`${P}/docs/folders`)).find((f) => f.name === 'Interfaces')?.parent_id, 'Interfaces at the top level');
  await tree(b).locator('.doc-tree-list > [data-testid="doc-folder"][data-name="Interfaces"]').waitFor();

  // A document in Specs, then moved to Interfaces with the folder picker.
  await folder(a, 'Specs').locator('.doc-folder-toggle').first().click();
  await tree(a).getByRole('button', { name: 'New document' }).click();
  await dialog(a, 'New document').getByLabel('Title').fill('Protocol notes');
  assert.equal(await dialog(a, 'New document').getByLabel('Folder').inputValue(), specs.id, 'in the current folder');
  await dialog(a, 'New document').getByRole('button', { name: 'Create document' }).click();
  await a.getByTestId('doc-page').getByLabel('Title').waitFor();
  assert.equal(await a.getByLabel('Title').inputValue(), 'Protocol notes');
  await folder(b, 'Specs').locator('.doc-folder-toggle').first().click();
  await folder(b, 'Specs').locator('[data-testid="doc-item"][data-title="Protocol notes"]').waitFor();
  const doc = itemsOf(await api.get(`${P}/docs`)).find((d) => d.title === 'Protocol notes');
  assert.equal(doc.folder_id, specs.id);
  const interfaces = itemsOf(await api.get(`${P}/docs/folders`)).find((f) => f.name === 'Interfaces');
  await a.getByTestId('doc-page').getByLabel('Folder').selectOption({ label: 'Interfaces' });
  await until(async () => (await api.get(`${P}/docs/${doc.id}`)).folder_id === interfaces.id, 'the document moved');
  await a.getByTestId('doc-feed').getByText('moved it from "Specs" to "Interfaces"').waitFor();

  // Deleting Interfaces names the document that goes to the top level.
  await folder(a, 'Interfaces').locator('.doc-folder-toggle').first().click();
  await folder(a, 'Interfaces').locator('.doc-folder-toggle').first().click();
  a.once('dialog', (d) => {
    assert.equal(d.message(), 'Delete the folder "Interfaces"? Its documents move to the top level: Protocol notes.');
    void d.accept();
  });
  await tree(a).getByRole('button', { name: 'Delete folder Interfaces' }).click();
  for (const page of [a, b]) {
    await folder(page, 'Interfaces').waitFor({ state: 'detached' });
    await tree(page).locator('.doc-tree-list > [data-testid="doc-item"][data-title="Protocol notes"]').waitFor();
  }
  folders = itemsOf(await api.get(`${P}/docs/folders`));
  assert.deepEqual(folders.map((f) => f.name), ['Specs']);
  assert.equal((await api.get(`${P}/docs/${doc.id}`)).folder_id, undefined);

  // Deleting the document.
  a.once('dialog', (d) => void d.accept());
  await a.getByRole('button', { name: 'Delete document' }).click();
  await until(async () => new URL(a.url()).pathname === `${P}/docs`, 'back to the list');
  await tree(b).locator('[data-testid="doc-item"][data-title="Protocol notes"]').waitFor({ state: 'detached' });
  await a.context().close();
  await b.context().close();
});

test('a viewer reads a document live in a read-only editor', async () => {
  const api = client(suite.session);
  const project = await api.post('/projects', { name: unique('Docs Viewer') });
  const viewer = await projectMember(api, project, 'Viewer', 'Vera Viewer');
  const doc = await api.post(`/projects/${project.id}/docs`, { title: 'Handbook', content: [paragraph('Read me.')] });
  const page = await openDoc(suite.browser, viewer.session, project, doc);
  const editor = page.locator('[data-testid="doc-content"] .bn-editor');
  assert.equal(await editor.getAttribute('contenteditable'), 'false', 'the editor is read-only');
  await page.getByText('Read only').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'the read-only page passes axe');
  assert.ok(await page.getByLabel('Title').isDisabled(), 'the title is read-only');
  for (const name of ['New document', 'New folder', 'Delete document']) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name}`);
  }
  // Typing changes nothing.
  await editor.click();
  await page.keyboard.type('Viewer text');
  await page.waitForTimeout(500);
  assert.ok(!(await editorText(page)).includes('Viewer text'));
  // Edits by others still arrive.
  await api.patch(`/projects/${project.id}/docs/${doc.id}`, { content: [paragraph('Read me.'), paragraph('Updated by the admin.')] });
  await until(async () => (await editorText(page)).includes('Updated by the admin.'), 'the edit to arrive');
  assert.deepEqual(texts((await api.get(`/projects/${project.id}/docs/${doc.id}`)).content), ['Read me.', 'Updated by the admin.']);
  // No Restore in the history.
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByTestId('doc-history').getByRole('button', { name: 'Version 1' }).click();
  await page.getByTestId('snapshot-view').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Restore this version' }).count(), 0, 'no Restore');
  await page.locator('[data-testid="doc-connection"][data-state="live"]').waitFor();
  await page.context().close();
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG of `width`×`height` pixels of one RGB colour. */
function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test("an editor uploads an image into a document; the block keeps a docfile:// URL and a viewer's browser shows the image", async () => {
  const api = client(suite.session);
  const project = await api.post('/projects', { name: unique('Docs Files') });
  const ada = await projectMember(api, project, 'Editor', 'Ada Editor');
  const vera = await projectMember(api, project, 'Viewer', 'Vera Viewer');
  const doc = await api.post(`/projects/${project.id}/docs`, { title: 'Charts', content: [paragraph('The chart:')] });
  const P = `/projects/${project.id}/docs/${doc.id}`;
  const image = png(6, 4, [220, 40, 40]);

  const a = await openDoc(suite.browser, ada.session, project, doc);
  const v = await openDoc(suite.browser, vera.session, project, doc);

  // A adds an image block from the slash menu under the first line; its file panel offers Upload.
  const addImageBlock = async () => {
    await clickEnd(a, 'The chart:');
    await a.keyboard.press('Enter');
    await a.keyboard.type('/image');
    await a.locator('.bn-suggestion-menu-item', { hasText: 'Image' }).first().click();
  };
  const upload = async (file) => {
    const chooser = a.waitForEvent('filechooser');
    await a.locator('.bn-panel').getByRole('button', { name: 'Upload image' }).click();
    await (await chooser).setFiles(file);
  };
  // A refused file says why, above the editor, and its empty block goes.
  await addImageBlock();
  await upload({ name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) });
  await a.getByTestId('doc-upload-error').filter({ hasText: 'Could not upload empty.png: The file is empty.' }).waitFor();
  await a.locator('[data-testid="doc-content"] [data-content-type="image"]').waitFor({ state: 'detached' });
  await addImageBlock();
  await upload({ name: 'chart.png', mimeType: 'image/png', buffer: image });
  await a.getByTestId('doc-upload-error').waitFor({ state: 'detached' });

  // The block keeps Paca's docfile:// URL, which names a file of this document.
  const block = await until(async () => (await api.get(P)).content?.find((b) => b.type === 'image' && b.props?.url), 'the image block on the server');
  const url = new RegExp(`^docfile://${project.id}/${doc.id}/([0-9a-f-]{36})$`).exec(block.props.url);
  assert.ok(url, `a docfile:// URL (${block.props.url})`);
  assert.equal(block.props.name, 'chart.png');
  assert.deepEqual(texts((await api.get(P)).content).slice(0, 1), ['The chart:']);
  const signed = await api.get(`${P}/files/${url[1]}/download-url`);
  assert.ok(signed.url, 'the file is stored');

  // Both browsers show it from a signed /storage URL that answers with the bytes.
  for (const page of [a, v]) {
    const img = page.locator('[data-testid="doc-content"] img.bn-visual-media');
    await img.waitFor();
    const src = await until(async () => {
      const s = await img.getAttribute('src');
      return s && new URL(s, BASE).pathname.startsWith('/storage/') ? s : null;
    }, 'the image to resolve to a /storage URL');
    await until(() => img.evaluate((el) => el.complete && el.naturalWidth === 6 && el.naturalHeight === 4), 'the image to load');
    const res = await fetch(new URL(src, BASE));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), image);
  }
  await a.context().close();
  await v.context().close();
});
