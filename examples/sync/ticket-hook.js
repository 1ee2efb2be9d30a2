'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS that node runs as it is, no build step */
// A validation hook for data sync (docs/data-sync.md, "The external hooks contract"): it checks
// arxflow's signature on each request and allows a change only when its message names a ticket
// (PLAN-<number>). No dependencies.
//   HOOK_SECRET  the secret given to `arxflow sync hooks add --secret` (required)
//   PORT         default 18099 (listens on 127.0.0.1)
const { Buffer } = require('node:buffer');
const { createHmac, timingSafeEqual } = require('node:crypto');
const http = require('node:http');

/** true when `header` (x-arxflow-signature) signs `rawBody` (a Buffer) with `secret`, made within `toleranceSeconds`. */
function verifyArxflowSignature(rawBody, header, secret, toleranceSeconds = 300) {
  const fields = String(header || '')
    .split(',')
    .map((part) => part.trim().split('='));
  const t = fields.find(([key]) => key === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return fields.some(
    ([key, hex]) =>
      key === 'v1' && /^[0-9a-f]{64}$/i.test(hex || '') && timingSafeEqual(Buffer.from(hex, 'hex'), expected),
  );
}

/** The hook's rule: a HookRequestBody in, a HookAnswer out. */
function decide(change) {
  return /\bPLAN-\d+\b/.test(change.message)
    ? { allow: true }
    : { allow: false, reasons: [`${change.author}: name the ticket of this change (PLAN-<number>) in its message`] };
}

const secret = process.env.HOOK_SECRET;
if (!secret) {
  console.error('ticket-hook: set HOOK_SECRET to the secret given to arxflow sync hooks add');
  process.exit(2);
}
const port = Number(process.env.PORT || 18099);
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const send = (status, answer) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    };
    // The raw bytes as received: a re-serialised object would not match the signature.
    if (request.method !== 'POST' || !verifyArxflowSignature(body, request.headers['x-arxflow-signature'], secret)) {
      console.log(`refused a request without a valid signature (${request.method} ${request.url})`);
      return send(401, { error: 'bad signature' });
    }
    const change = JSON.parse(body.toString('utf8'));
    const answer = decide(change);
    console.log(`${request.headers['x-arxflow-delivery']}: ${answer.allow ? 'allow' : 'deny'}`);
    send(200, answer);
  });
});
server.listen(port, '127.0.0.1', () =>
  console.log(`ticket-hook listening on http://127.0.0.1:${server.address().port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
