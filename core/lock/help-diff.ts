/**
 * What a CLI's `--help` offers, and how two versions differ: the flags, and for flags with a fixed
 * set of values, those values. Reads the three help styles the vendor CLIs print: commander
 * (`(choices: "a", "b")`, Claude Code, Kimi Code), yargs (`[choices: "a", "b"]`, Gemini CLI) and
 * clap (`[possible values: a, b]`, Codex).
 */

export interface HelpSurface {
  flags: string[];
  /** Allowed values per flag, where the help lists them. */
  choices: Record<string, string[]>;
}

export interface ChoiceChange {
  flag: string;
  added: string[];
  removed: string[];
}

export interface HelpDiff {
  flags_added: string[];
  flags_removed: string[];
  choices_changed: ChoiceChange[];
}

const FLAG = /(?<![\w-])--[a-zA-Z0-9][\w-]*/g;
/**
 * A line that defines an option: a shallow indent (2 to 6 columns in every style; a flag named deep
 * inside a wrapped description is not a definition), an optional short form, then the long flag.
 */
const DEFINITION = /^[ \t]{0,10}(?:-[a-zA-Z0-9],?\s+)?(--[a-zA-Z0-9][\w-]*)/;
const CHOICE_GROUPS = [/\(choices:([^)]*)\)/, /\[choices:([^\]]*)\]/, /\[possible values:([^\]]*)\]/];

function parseChoices(block: string): string[] | null {
  const text = block.replace(/\s+/g, ' ');
  for (const group of CHOICE_GROUPS) {
    const found = group.exec(text)?.[1];
    if (found === undefined) continue;
    const listed = found.split(/,?\s*preset:/)[0] ?? '';
    const quoted = [...listed.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
    return quoted.length > 0 ? quoted : listed.split(',').map((v) => v.trim()).filter(Boolean);
  }
  return null;
}

export function readHelp(help: string): HelpSurface {
  const flags = new Set<string>();
  for (const match of help.matchAll(FLAG)) flags.add(match[0]);
  const choices: Record<string, string[]> = {};
  let current: { flag: string; lines: string[] } | null = null;
  const close = (): void => {
    if (!current) return;
    const values = parseChoices(current.lines.join('\n'));
    if (values) choices[current.flag] = values;
    current = null;
  };
  for (const line of help.split('\n')) {
    const definition = DEFINITION.exec(line);
    if (definition?.[1]) {
      close();
      current = { flag: definition[1], lines: [line] };
    } else if (current && line.trim() !== '' && /^\s/.test(line)) {
      current.lines.push(line);
    } else {
      close();
    }
  }
  close();
  return { flags: [...flags].sort(), choices };
}

export function diffHelp(from: HelpSurface, to: HelpSurface): HelpDiff {
  const before = new Set(from.flags);
  const after = new Set(to.flags);
  const changed: ChoiceChange[] = [];
  for (const flag of [...new Set([...Object.keys(from.choices), ...Object.keys(to.choices)])].sort()) {
    const was = from.choices[flag] ?? [];
    const is = to.choices[flag] ?? [];
    // A flag that only appeared or vanished is already in flags_added/removed.
    if (!before.has(flag) || !after.has(flag)) continue;
    const added = is.filter((v) => !was.includes(v));
    const removed = was.filter((v) => !is.includes(v));
    if (added.length > 0 || removed.length > 0) changed.push({ flag, added, removed });
  }
  return {
    flags_added: to.flags.filter((f) => !before.has(f)),
    flags_removed: from.flags.filter((f) => !after.has(f)),
    choices_changed: changed,
  };
}
