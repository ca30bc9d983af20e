// Every test file but the lifecycle test runs at a lower CPU priority (nice 10). The lifecycle test
// is the suite's critical path (a deploy, records through every hop, a second plan, a destroy);
// the other files fill the CPU while it waits on the provider, instead of slowing it down.
"use strict";
const os = require("node:os");
const { LIFECYCLE } = require("./sequencer");

if (!LIFECYCLE.test(expect.getState().testPath ?? "")) {
  try {
    os.setPriority(Math.max(os.getPriority(), 10)); // only ever lowered: a worker cannot raise it back
  } catch {
    // a platform without priorities: run as is
  }
}
