import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { configFileSchema, type ConfigFile } from '../domain/config-file';
import { parseInput } from '../domain/validation';
import { yamlTextRefusal } from '../domain/yaml-limits';

/** Reads and checks the config file; a missing file is an empty config (no schedules, no webhooks). */
export function loadConfigFile(file: string): ConfigFile {
  if (!existsSync(file)) return configFileSchema.parse({});
  let document: unknown;
  const text = readFileSync(file, 'utf8');
  const tooDeep = yamlTextRefusal(text);
  if (tooDeep) throw new Error(`${file}: not valid YAML: ${tooDeep}`);
  try {
    document = parse(text) ?? {};
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseInput(configFileSchema, document, file);
}
