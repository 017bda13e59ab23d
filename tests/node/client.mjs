// Connects the official socket.io-client to Corral and prints what happens as JSON lines:
//   node client.mjs <base-url> <token|-> <project-id> <transport> <events-to-wait-for> [since]
// Lines: {"connect_error": msg} | {"joined": ack} | {"event": {...}} | {"notification": {...}}
import { io } from "socket.io-client";

const [base, token, projectId, transport, wanted, since] = process.argv.slice(2);
const out = (x) => process.stdout.write(JSON.stringify(x) + "\n");
const socket = io(base, {
  path: "/ws/socket.io",
  transports: [transport],
  auth: token === "-" ? {} : { token },
  reconnection: false,
});
let seen = 0;
const done = () => { socket.close(); process.exit(0); };
setTimeout(() => { out({ timeout: seen }); done(); }, 15000);
socket.on("connect_error", (err) => { out({ connect_error: err.message }); done(); });
socket.on("connect", async () => {
  const request = { projectId };
  if (since !== undefined) request.since = Number(since);
  const ack = await socket.timeout(5000).emitWithAck("join", request);
  out({ joined: ack });
  if (Number(wanted) === 0) done();
});
socket.on("event", (e) => { out({ event: e }); seen += 1; if (seen >= Number(wanted)) done(); });
socket.on("notification", (n) => out({ notification: n }));
