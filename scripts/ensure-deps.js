#!/usr/bin/env node
// Installs the npm dependencies when node_modules is missing or older than
// package-lock.json, so a fresh clone needs only `npm start` / `npm test`.
// Plain JavaScript on purpose: it runs before TypeScript tooling exists.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const lock = path.join(root, 'package-lock.json');
const marker = path.join(root, 'node_modules', '.package-lock.json');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

const installed = mtime(marker);
if (installed > 0 && installed >= mtime(lock)) process.exit(0);

console.log('arxflow: installing npm dependencies (node_modules missing or older than package-lock.json)...');
execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
