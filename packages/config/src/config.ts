// The one place that reads process.env: a schema says what a process needs, and every bad or
// missing variable is reported at once so an operator fixes them in one go.
import type { Static, TObject } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function allowedValues(property: unknown): string | undefined {
  const anyOf = (property as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  if (!anyOf?.every((variant) => variant.const !== undefined)) return undefined;
  return `must be one of ${anyOf.map((variant) => String(variant.const)).join(', ')}`;
}

/** Reads the variables a schema names from the environment (or `source`), applies defaults, converts types. */
export function loadConfig<T extends TObject>(
  schema: T,
  source: Record<string, string | undefined> = process.env,
): Static<T> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = source[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const value = Value.Convert(schema, Value.Default(schema, picked));
  const validator = Compile(schema);
  if (validator.Check(value)) return value as Static<T>;
  const problems = validator.Errors(value).map((error) => {
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties: string[] }).requiredProperties;
      return `${missing.join(', ')}: missing (required)`;
    }
    const key = error.instancePath.replace(/^\//, '');
    return `${key}: ${allowedValues(schema.properties[key]) ?? error.message} (got ${JSON.stringify(picked[key])})`;
  });
  throw new ConfigError([...new Set(problems)]);
}

/** For a process's entry point: a bad configuration is reported plainly (no stack) and exits 1. */
export function loadConfigOrExit<T extends TObject>(schema: T, processName: string): Static<T> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${processName} cannot start. ${error.message}\n`);
    process.exit(1);
  }
}
