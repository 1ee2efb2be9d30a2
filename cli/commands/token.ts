import type { Command } from 'commander';
import { z } from 'zod';
import { roleNameSchema } from '../../domain/roles';
import { parseSettings } from '../../domain/settings';
import { parseInput } from '../../domain/validation';
import { createToken } from '../../platform/tokens';
import { print } from '../output';

const tokenRequest = z.object({
  sub: z.string().trim().min(1).max(200),
  roles: z.array(roleNameSchema).min(1, 'at least one --role'),
  ttl: z.string().regex(/^\d+\s*(s|m|h|d|w)$/, 'like 30m, 8h or 7d'),
});

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('development tokens for the gateway');
  token
    .command('create')
    .description('mint an HS256 token signed with ARXFLOW_JWT_SECRET (or the dev secret in the data dir)')
    .requiredOption('--sub <subject>', 'who the token speaks for (the identity workflows record)')
    .option(
      '--role <role>',
      'viewer | operator | approver | admin, or a business role such as signatory (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--ttl <duration>', 'lifetime, e.g. 8h', '8h')
    .option('--json', 'print JSON')
    .action(async (options: { sub: string; role: string[]; ttl: string; json?: boolean }) => {
      const request = parseInput(
        tokenRequest,
        { sub: options.sub, roles: options.role, ttl: options.ttl },
        'token create',
      );
      const settings = parseSettings(process.env);
      const minted = await createToken(settings, { subject: request.sub, roles: request.roles, ttl: request.ttl });
      if (options.json) print({ token: minted, sub: request.sub, roles: request.roles, ttl: request.ttl }, true);
      else console.log(minted);
    });
}
