/**
 * `mittelo mcp`: an MCP server on stdio (official SDK) that lets other agents drive a hub. Every
 * tool failure (hub unreachable, wrong token, bad input, unknown task) comes back as a tool error
 * with a clear message; nothing a client sends can crash the server.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { ClientAddress } from '../config.js';
import { errorMessage } from '../errors.js';
import { HUB_VERSION } from '../wire/contract.js';
import { HubTools, toolInputs, type McpConfigSource } from './tools.js';

const DESCRIPTIONS: Record<keyof typeof toolInputs, string> = {
  enqueue_task: 'Queue a prompt for an AI coding-agent CLI on the Mittelo hub; returns its task id.',
  get_task: 'A task with its status, answer (result) and error.',
  list_tasks: 'Tasks newest first, filtered by status, backend or run.',
  wait_for_task: 'Wait until a task is done, failed or cancelled (or the timeout passes); returns the task.',
  start_run: 'Start a run: a pack of prompts (or a list of prompts) on one or more backends. Returns the run id at once.',
  get_run_summary: 'Progress and results of a run: counts, latency, tokens and cost per backend, and the failures.',
  compare_runs: 'Compare two runs side by side: new failures, fixes, changed answers, version changes. regressions=true when B has new failures.',
};

function asText(value: unknown): { content: { type: 'text'; text: string }[] } {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

function asError(err: unknown): { content: { type: 'text'; text: string }[]; isError: true } {
  return { content: [{ type: 'text', text: errorMessage(err) }], isError: true };
}

export function createMcpServer(address: ClientAddress, log: (line: string) => void, config: McpConfigSource = {}): { server: McpServer; tools: HubTools } {
  const server = new McpServer({ name: 'mittelo', version: HUB_VERSION });
  const tools = new HubTools(address, log, config);
  for (const name of Object.keys(toolInputs) as (keyof typeof toolInputs)[]) {
    server.registerTool(name, { description: DESCRIPTIONS[name], inputSchema: toolInputs[name] }, async (input: unknown) => {
      try {
        const run = tools[name].bind(tools) as (args: unknown) => Promise<unknown>;
        return asText(await run(input));
      } catch (err) {
        return asError(err);
      }
    });
  }
  return { server, tools };
}

export async function serveMcpOverStdio(address: ClientAddress, log: (line: string) => void, config: McpConfigSource = {}): Promise<void> {
  const { server, tools } = createMcpServer(address, log, config);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  log(`serving MCP on stdio for the hub at ${address.host}:${address.port}`);
  await closed;
  await tools.drain();
}
