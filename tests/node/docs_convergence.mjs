// Stock Yjs clients (yjs + y-websocket's provider from npm) editing one Corral document at
// random, driven by tests/docs_convergence.rs. Prints one JSON line per phase.
//
//   node docs_convergence.mjs edit  <config JSON>  random concurrent edits, then convergence
//   node docs_convergence.mjs check <config JSON>  a fresh client: the content and what it holds
//
// config: {urls: [ws base per node], doc, token, clients, edits, seed, marker?, expect?}
// The edits keep the fragment BlockNote-shaped (blockGroup > blockContainer > paragraph > text):
// typing and deleting in random paragraphs, adding and removing blocks; clients drop their
// connection and come back at random.

import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';

const [phase, raw] = process.argv.slice(2);
const config = JSON.parse(raw);
const FRAGMENT = 'document-store';

// A small seeded generator (mulberry32), so a failure can be replayed.
let state = config.seed >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n) => Math.floor(random() * n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connect(url) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url}/ws/docs`, config.doc, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token: config.token },
    // Each client sees the server only (no BroadcastChannel between clients of one process).
    disableBc: true,
    maxBackoffTime: 500,
  });
  provider.on('connection-close', (event) => {
    if (event && event.code >= 4400 && event.code < 4500) {
      console.log(JSON.stringify({ closed: event.code, reason: event.reason }));
    }
  });
  return { doc, provider };
}

async function until(what, ok, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The top-level blocks' paragraphs as plain text (what the REST read's blocks say). */
function paragraphs(doc) {
  const group = doc.getXmlFragment(FRAGMENT).get(0);
  if (!(group instanceof Y.XmlElement)) return [];
  return group.toArray().map((container) => {
    const content = container instanceof Y.XmlElement ? container.get(0) : null;
    if (!(content instanceof Y.XmlElement)) return '';
    return content
      .toArray()
      .filter((c) => c instanceof Y.XmlText)
      .map((t) => t.toString())
      .join('');
  });
}

function randomText() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz é日🙂';
  const chars = [...alphabet];
  let s = '';
  for (let i = 1 + pick(4); i > 0; i--) s += chars[pick(chars.length)];
  return s;
}

/** One random edit of a BlockNote-shaped fragment. */
function edit(doc) {
  const group = doc.getXmlFragment(FRAGMENT).get(0);
  if (!(group instanceof Y.XmlElement) || group.length === 0) return;
  doc.transact(() => {
    const roll = random();
    if (roll < 0.08) {
      const container = new Y.XmlElement('blockContainer');
      container.setAttribute('id', `b${Math.floor(random() * 1e9)}`);
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.setAttribute('backgroundColor', 'default');
      paragraph.setAttribute('textColor', 'default');
      paragraph.setAttribute('textAlignment', 'left');
      paragraph.insert(0, [new Y.XmlText(randomText())]);
      container.insert(0, [paragraph]);
      group.insert(pick(group.length + 1), [container]);
      return;
    }
    if (roll < 0.12 && group.length > 1) {
      group.delete(pick(group.length), 1);
      return;
    }
    const container = group.get(pick(group.length));
    const paragraph = container instanceof Y.XmlElement ? container.get(0) : null;
    if (!(paragraph instanceof Y.XmlElement)) return;
    let text = paragraph.toArray().find((c) => c instanceof Y.XmlText);
    if (!text) {
      text = new Y.XmlText();
      paragraph.insert(0, [text]);
    }
    if (roll < 0.75 || text.length === 0) {
      text.insert(pick(text.length + 1), randomText());
    } else {
      const at = pick(text.length);
      text.delete(at, 1 + pick(Math.min(3, text.length - at)));
    }
  });
}

async function editPhase() {
  const clients = [];
  for (let i = 0; i < config.clients; i++) clients.push(connect(config.urls[i % config.urls.length]));
  await until('every client synced', () => clients.every((c) => c.provider.synced));
  const perClient = Math.ceil(config.edits / clients.length);
  let made = 0;
  await Promise.all(
    clients.map(async (c, i) => {
      for (let n = 0; n < perClient; n++) {
        edit(c.doc);
        made++;
        if (made === Math.floor(config.edits / 2) && config.marker) {
          // The driver may kill a node now.
          console.log(JSON.stringify({ halfway: true }));
        }
        // Now and then a client drops off and comes back (its edits meanwhile are sent when
        // it resyncs).
        if (random() < 0.01) {
          c.provider.disconnect();
          setTimeout(() => c.provider.connect(), 50 + pick(300));
        }
        await sleep(pick(4));
      }
      if (!c.provider.wsconnected) c.provider.connect();
      return i;
    }),
  );
  await until('every client connected and synced', () =>
    clients.every((c) => c.provider.wsconnected && c.provider.synced),
  );
  const same = () => {
    const first = clients[0].doc.getXmlFragment(FRAGMENT).toJSON();
    return clients.every((c) => c.doc.getXmlFragment(FRAGMENT).toJSON() === first);
  };
  await until('every client converged', same, 90_000);
  // Freeze every client, then record what each holds: the server must hold at least that.
  for (const c of clients) c.provider.disconnect();
  const vectors = clients.map((c) => Buffer.from(Y.encodeStateVector(c.doc)).toString('base64'));
  console.log(
    JSON.stringify({
      converged: true,
      fragment: clients[0].doc.getXmlFragment(FRAGMENT).toJSON(),
      paragraphs: paragraphs(clients[0].doc),
      vectors,
      edits: made,
    }),
  );
  for (const c of clients) c.provider.destroy();
}

async function checkPhase() {
  const c = connect(config.urls[0]);
  await until('the fresh client synced', () => c.provider.synced);
  // A sync answer may arrive in more than one message; wait for the content to settle.
  let last = '';
  await until(
    'the content settled',
    () => {
      const now = c.doc.getXmlFragment(FRAGMENT).toJSON();
      const settled = now === last && now !== '';
      last = now;
      return settled;
    },
    10_000,
  );
  const held = Y.decodeStateVector(Y.encodeStateVector(c.doc));
  const missing = [];
  for (const b64 of config.expect ?? []) {
    const wanted = Y.decodeStateVector(Buffer.from(b64, 'base64'));
    for (const [client, clock] of wanted) {
      if ((held.get(client) ?? 0) < clock) missing.push({ client, clock, held: held.get(client) ?? 0 });
    }
  }
  console.log(
    JSON.stringify({
      fragment: c.doc.getXmlFragment(FRAGMENT).toJSON(),
      paragraphs: paragraphs(c.doc),
      missing,
    }),
  );
  c.provider.destroy();
}

try {
  if (phase === 'edit') await editPhase();
  else if (phase === 'check') await checkPhase();
  else throw new Error(`unknown phase ${phase}`);
  process.exit(0);
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exit(1);
}
