// Writes the first frames a stock @hocuspocus/provider sends on a new connection, for
// corral-bench's test that its Hocuspocus framing is the provider's (benches/src/doc_edits.rs):
//
//   node benches/hocuspocus/provider-frames.mjs > benches/hocuspocus/provider-frames.json
//
// The socket is a stand-in that records what is sent: no server is involved.
import { HocuspocusProvider } from "@hocuspocus/provider";
import * as Y from "yjs";

const sent = [];
class RecordingSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.listeners = {};
    setTimeout(() => {
      this.readyState = 1;
      for (const listener of this.listeners.open ?? []) listener({});
    }, 10);
  }
  addEventListener(name, listener) {
    (this.listeners[name] ??= []).push(listener);
  }
  removeEventListener(name, listener) {
    this.listeners[name] = (this.listeners[name] ?? []).filter((l) => l !== listener);
  }
  send(data) {
    sent.push(Buffer.from(data).toString("hex"));
  }
  close() {
    this.readyState = 3;
  }
}

const document = new Y.Doc();
const name = "bench-doc";
const token = "bench-token";
const provider = new HocuspocusProvider({
  url: "ws://127.0.0.1:1",
  name,
  document,
  token,
  WebSocketPolyfill: RecordingSocket,
});
await new Promise((resolve) => setTimeout(resolve, 200));
const version = JSON.parse(
  (await import("node:fs")).readFileSync(
    new URL("./node_modules/@hocuspocus/provider/package.json", import.meta.url),
  ),
).version;
console.log(
  JSON.stringify({ provider: version, document: name, token, frames: sent.slice(0, 2) }, null, 2),
);
provider.destroy();
process.exit(0);
