/**
 * The hub's own redaction of an artifact before it is stored: our agents redact in their runner,
 * but an artifact may come from any client (another agent, an older build, a script, a run import),
 * and the database must not hold the keys it carries. What the artifact itself reveals is enough:
 * values of its secret-named env vars are replaced wherever they appear, and the shapes of known keys
 * are replaced in env values and argv. Output is searched for those literal values only, so a
 * multi-MiB output costs one pass (our runner has already applied the key shapes to it).
 */
import { REDACTED, collectSecrets, createRedactor, escapeRegExp, redactEnv } from '../../drivers/run/redact.js';

interface RedactableArtifact {
  env: Record<string, string>;
  argv: string[];
  stdout: string;
  stderr: string;
  failure_message?: string | null | undefined;
}

function replaceLiterals(secrets: readonly string[]): (text: string) => string {
  if (secrets.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is replaced whole.
  const pattern = new RegExp([...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  return (text) => (text.length === 0 ? text : text.replace(pattern, REDACTED));
}

export function redactArtifact<A extends RedactableArtifact>(artifact: A): A {
  // A value the sender already redacted is not a secret to look for again.
  const secrets = collectSecrets(artifact.env).filter((secret) => !secret.includes(REDACTED));
  const redactor = createRedactor(secrets);
  const literal = replaceLiterals(secrets);
  const out: A = {
    ...artifact,
    env: redactEnv(artifact.env, redactor),
    argv: artifact.argv.map((arg) => redactor.redact(arg)),
    stdout: literal(artifact.stdout),
    stderr: literal(artifact.stderr),
  };
  if (typeof artifact.failure_message === 'string') out.failure_message = redactor.redact(artifact.failure_message);
  return out;
}
