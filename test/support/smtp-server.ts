import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server in-process (the `smtp-server` package) that keeps every message it
 * accepts, so email tests go through nodemailer and SMTP exactly as production does. The
 * messages are parsed just enough for assertions: headers, and the text/plain and
 * text/html bodies (quoted-printable and base64 decoded). `rejectNext` answers the next
 * messages with a temporary 451 to exercise retries.
 */

export interface CapturedMail {
  /** SMTP envelope: what the client said in MAIL FROM and RCPT TO. */
  from: string;
  to: string[];
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  subject: string;
  text?: string;
  html?: string;
  raw: string;
  /** The user that authenticated, when the server required AUTH. */
  user?: string;
}

export interface SmtpTestServer {
  /** smtp://[user:pass@]127.0.0.1:port, for SMTP_URL or nodemailer.createTransport. */
  url: string;
  port: number;
  messages(): CapturedMail[];
  /** Answers the next `count` messages with `code` (451: try again later; 550: refused for good). */
  rejectNext(count: number, code?: number): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /**
   * Holds the next message after its data arrived, without answering: SMTP accepts a message
   * only with the 250 after its data, so if the client goes away meanwhile (a killed worker)
   * the message is dropped, as a real server drops it. Resolves once the message is held.
   */
  holdNext(): Promise<void>;
  /** Held messages whose client went away before an answer: not delivered. */
  dropped(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startSmtpServer(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<SmtpTestServer> {
  let messages: CapturedMail[] = [];
  let rejections = { count: 0, code: 451 };
  let hold: (() => void) | undefined;
  const heldSessions = new Set<string>();
  let dropped = 0;

  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificates to manage; AUTH is then allowed without TLS.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      callback(ok ? null : new Error('invalid username or password'), ok ? { user: auth.username } : undefined);
    },
    onClose(session) {
      if (heldSessions.delete(session.id)) dropped++;
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (hold) {
          heldSessions.add(session.id); // never answered: the message is not accepted
          hold();
          hold = undefined;
          return;
        }
        if (rejections.count > 0) {
          rejections.count--;
          return callback(Object.assign(new Error('try again later'), { responseCode: rejections.code }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const user = typeof session.user === 'string' ? session.user : undefined;
        messages.push({
          ...parseMail(raw),
          raw,
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          ...(user ? { user } : {}),
        });
        callback();
      });
    },
  });

  // A client that dies mid-session (a worker killed with SIGKILL) resets its connection: a
  // real mail server shrugs that off, and without a listener the 'error' event would end this process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages: () => [...messages],
    rejectNext: (count, code = 451) => {
      rejections = { count, code };
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} message(s), got ${messages.length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return [...messages];
    },
    holdNext: () => new Promise<void>((resolve) => (hold = resolve)),
    dropped: () => dropped,
    reset: () => {
      messages = [];
      rejections = { count: 0, code: 451 };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------- a small MIME reader

function parseMail(raw: string): Pick<CapturedMail, 'headers' | 'subject' | 'text' | 'html'> {
  const { headers, body } = splitPart(raw);
  const bodies: { text?: string; html?: string } = {};
  collectBodies(headers, body, bodies);
  return { headers, subject: decodeWords(headers.subject ?? ''), ...bodies };
}

function splitPart(part: string): { headers: Record<string, string>; body: string } {
  const end = part.search(/\r?\n\r?\n/);
  const head = end < 0 ? part : part.slice(0, end);
  const body = end < 0 ? '' : part.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  // Unfold continuation lines, then split name: value.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function collectBodies(headers: Record<string, string>, body: string, into: { text?: string; html?: string }): void {
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      const inner = splitPart(part.replace(/^\r?\n/, ''));
      collectBodies(inner.headers, inner.body, into);
    }
    return;
  }
  // SMTP carries CRLF line ends; tests compare with the \n the sender wrote.
  const decoded = decodeBody(body, headers['content-transfer-encoding'] ?? '7bit').replace(/\r\n/g, '\n');
  if (type.startsWith('text/plain') && into.text === undefined) into.text = decoded.replace(/\n$/, '');
  if (type.startsWith('text/html') && into.html === undefined) into.html = decoded.replace(/\n$/, '');
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const text = body.replace(/=\r?\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const hex = text[i] === '=' ? /^[0-9A-F]{2}$/i.exec(text.slice(i + 1, i + 3))?.[0] : undefined;
        if (hex) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=) in headers such as Subject. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_m, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeBody(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}
