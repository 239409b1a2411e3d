/**
 * JSON Schema validation for the `json_schema` check, with Ajv (draft-07 and 2019-09/2020-12
 * keywords it knows; formats from ajv-formats). Compiled schemas are kept by their text, since a
 * run's record is read (and its checks evaluated) many times.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext the default import is the module, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const MAX_CACHED = 200;
const cache = new Map<string, CompiledSchema>();

export type CompiledSchema = { ok: true; validate: (value: unknown) => string[] } | { ok: false; error: string };

function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || 'the value'} ${e.message ?? 'is not valid'}${e.keyword === 'additionalProperties' && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}${e.keyword === 'enum' && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);
}

/** Compiles a schema; problems with the schema itself come back as `error`, never thrown. */
export function compileSchema(schema: unknown): CompiledSchema {
  const key = JSON.stringify(schema);
  const cached = cache.get(key);
  if (cached) return cached;
  let compiled: CompiledSchema;
  try {
    const validate = ajv.compile(schema as object | boolean);
    compiled = { ok: true, validate: (value) => (validate(value) ? [] : describeErrors(validate)) };
  } catch (err) {
    compiled = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}
