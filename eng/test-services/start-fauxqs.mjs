// Starts fauxqs (an in-memory S3 emulator) for the integration tests, on 127.0.0.1 only.
// fauxqs 1.x always listens on 0.0.0.0; this launcher narrows every listen() of the process to loopback,
// so no test server is reachable from beyond this machine.
// Usage: node start-fauxqs.mjs PORT   (prints "fauxqs listening on 127.0.0.1:PORT" once ready)
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] && typeof args[0] === "object" && !Array.isArray(args[0])) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[0] === "number") {
    args.splice(1, typeof args[1] === "string" ? 1 : 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};

const port = Number.parseInt(process.argv[2] ?? "0", 10);
const { startFauxqs } = await import("fauxqs");
const server = await startFauxqs({ port, host: "127.0.0.1", logger: false });
console.log(`fauxqs listening on 127.0.0.1:${server.port}`);

const stop = async () => {
  await server.stop?.();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
