// The Hocuspocus peer of `corral-bench doc-edits`: a stock @hocuspocus/server on 127.0.0.1,
// in memory or with the SQLite extension, with Hocuspocus's defaults otherwise (broadcasts
// merged per event-loop turn, stores debounced 2 s / at most 10 s). It accepts any token: the
// harness sends one, as a provider does. Prints `hocuspocus listening on <port>` when ready.
//
//   node benches/hocuspocus/server.mjs --port 0 [--sqlite <file>]
import { Server } from "@hocuspocus/server";

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const port = Number(option("--port") ?? 0);
const sqlite = option("--sqlite");

const extensions = [];
if (sqlite) {
  const { SQLite } = await import("@hocuspocus/extension-sqlite");
  extensions.push(new SQLite({ database: sqlite }));
}

const server = new Server({
  port,
  address: "127.0.0.1",
  quiet: true,
  extensions,
});
await server.listen();
console.log(`hocuspocus listening on ${server.address.port}`);
