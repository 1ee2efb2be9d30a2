#!/usr/bin/env node
// The `arxflow` CLI. TypeScript runs through tsx, so there is no build step.
'use strict';
require('tsx/cjs');
require('../cli/main.ts')
  .run(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
