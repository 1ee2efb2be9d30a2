import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { largePlan } from '../fixtures/large-plan';
import { ARXFLOW_BIN } from '../support/cli-process';

/**
 * What `arxflow mcp` reads from stdin, as a child process: a message larger than the SDK's
 * own 10 MiB buffer is answered; a line without end is exit 2 naming stdin, with memory bounded
 * (the SDK's buffer closed the server without a word and the process ended 0).
 */
describe('arxflow mcp: stdin', () => {
  it('answers check_plan for a plan of about 12 MB sent as JSON text', async () => {
    const plan = JSON.stringify(largePlan('MCP-LARGE', 50_000, 50));
    expect(Buffer.byteLength(plan)).toBeGreaterThan(10 * 1024 * 1024);
    const client = new Client({ name: 'arxflow-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [ARXFLOW_BIN, 'mcp'], stderr: 'pipe' }),
    );
    try {
      const result = (await client.callTool({
        name: 'check_plan',
        arguments: { plan, asOf: '2026-11-01' },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      const body = JSON.parse((result.content[0] as { text: string }).text) as { compliant: boolean };
      expect(body.compliant).toBe(true);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('exits 2 naming stdin when a message never ends (/dev/zero), within bounded memory', async () => {
    const zero = openSync('/dev/zero', 'r');
    const child = spawn(process.execPath, ['--max-old-space-size=512', ARXFLOW_BIN, 'mcp'], {
      stdio: [zero, 'pipe', 'pipe'],
    });
    closeSync(zero);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr.trim()).toBe('arxflow: stdin: message 1 is longer than 134217728 bytes');
    expect(status).toBe(2);
    expect(stdout).toBe('');
  }, 60_000);
});
