import { existsSync } from 'node:fs';
import { parse } from 'yaml';
import { configFileSchema, type ConfigFile } from '../domain/config-file';
import { parseInput } from '../domain/validation';
import { yamlTextRefusal } from '../domain/yaml-limits';
import { InputFileRefusal, readInputFile } from './input-file';

/** Reads and checks the config file; a missing file is an empty config (no schedules, no webhooks). */
export function loadConfigFile(file: string): ConfigFile {
  if (!existsSync(file)) return configFileSchema.parse({});
  let document: unknown;
  let text: string;
  try {
    text = readInputFile(file);
  } catch (err) {
    if (err instanceof InputFileRefusal) throw new Error(`${file}: ${err.message}`);
    throw err;
  }
  const tooDeep = yamlTextRefusal(text);
  if (tooDeep) throw new Error(`${file}: not valid YAML: ${tooDeep}`);
  try {
    document = parse(text) ?? {};
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseInput(configFileSchema, document, file);
}
