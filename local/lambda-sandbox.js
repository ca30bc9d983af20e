// One execution environment of a Lambda function, as the Node.js runtime gives it: the deployment
// package unpacked as the task root, the handler named by the function's configuration loaded on
// the first invocation (the cold start) and kept for the next ones. The local Lambda service
// (local/lambda-service.ts) sends one event at a time over IPC and gets the result or the error.
//
//   node lambda-sandbox.js <task root> <handler, e.g. index.handler>
"use strict";
const path = require("node:path");

const [taskRoot, handlerName] = process.argv.slice(2);
const dot = handlerName.lastIndexOf(".");
const moduleName = handlerName.slice(0, dot);
const exportName = handlerName.slice(dot + 1);
process.chdir(taskRoot);

let handler;

function errorOf(error) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name || "Error", errorMessage: e.message, trace: String(e.stack || "").split("\n") };
}

process.on("message", async ({ id, event, context }) => {
  try {
    if (handler === undefined) {
      const loaded = require(path.join(taskRoot, moduleName));
      handler = loaded[exportName];
      if (typeof handler !== "function") {
        throw Object.assign(new Error(`${handlerName} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
      }
    }
    const deadline = Date.now() + context.timeoutMs;
    const result = await handler(event, { ...context, getRemainingTimeInMillis: () => deadline - Date.now() });
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, ok: false, error: errorOf(error) });
  }
});

// The service that started this environment is gone: so is the environment.
process.on("disconnect", () => process.exit(0));

// As in Lambda, an error nothing awaited ends the environment; the service reports the invocation as failed.
process.on("unhandledRejection", (error) => {
  console.error(`Unhandled rejection: ${errorOf(error).errorMessage}`);
  process.exit(128);
});
