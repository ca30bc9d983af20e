// Jest's order of test files, with the lifecycle test first: it mostly waits on the AWS provider
// (apply and destroy into the local AWS), so it runs beside every other file instead of after them.
"use strict";
const Sequencer = require("@jest/test-sequencer").default;

const LIFECYCLE = /[\\/]local-lifecycle\.test\.ts$/;

class LifecycleFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const order = (list) => [...list.filter((t) => LIFECYCLE.test(t.path)), ...list.filter((t) => !LIFECYCLE.test(t.path))];
    return Array.isArray(sorted) ? order(sorted) : sorted.then(order);
  }
}

module.exports = LifecycleFirst;
module.exports.LIFECYCLE = LIFECYCLE;
