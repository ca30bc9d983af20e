// npm run synth, and cdktf.json's app: synthesizes the lab (app.ts) from one cached bundle.
"use strict";
const { synthFromBundle } = require("../loader/synth-bundle");

synthFromBundle().catch((error) => {
  console.error(`synth failed: ${error.message}`);
  process.exit(error.exitCode === 2 ? 2 : 1); // 2: unusable input (settings, cdktf.json, the schema), as input/unusable-input.ts says
});
