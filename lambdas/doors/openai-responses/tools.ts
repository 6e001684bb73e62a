// Responses tools for the targets that get them: OpenAI receives what it can serve unpriced, every other target
// gets function tools in the chat view. What happens to each tool type (docs/doors.md has the table):
//   function    both: a chat function (a name past chat's 64 characters is shortened, and mapped back)
//   namespace   OpenAI: as sent; chat: each inner tool as a function named `<namespace>__<name>`, mapped back
//               to a function_call with its `namespace`
//   custom      OpenAI: as sent; chat: a function taking one string, `input`, mapped back to a custom_tool_call
//   web_search*, file_search, code_interpreter, image_generation, computer_use*, mcp, and any other hosted
//               tool: dropped for every target. OpenAI bills them per call beside the tokens, which the gateway
//               cannot price or bound, so they never run; a model without them answers from what it knows.
//   local_shell, shell, apply_patch and other client-run tools with no function form: OpenAI: as sent;
//               chat: dropped.
import { createHash } from 'node:crypto';
import type { ToolChoice, ToolDefinition } from '../../core/openai/chat-request';
import { errors } from '../../core/errors';
import { customTool, functionTool, namespaceTool, type CustomTool, type FunctionTool, type ResponsesRequest, type ResponsesToolChoice, type Tool } from '../../core/openai/responses';
import { describeIssue } from '../../core/validation';

/** hosted tools OpenAI bills per call: never sent */
const HOSTED = /^(web_search|file_search|code_interpreter|image_generation|computer_use|computer|mcp|tool_search)/;
/** tools the client runs whose calls are items of their own, with no function form: OpenAI only */
const CLIENT_ONLY = new Set(['local_shell', 'shell', 'apply_patch']);

/** what a chat function name stands for in the Responses answer */
export interface ChatToolName {
  name: string;
  namespace?: string;
  kind: 'function' | 'custom';
}

export interface ToolPlan {
  /** the tools an OpenAI target is sent (hosted ones dropped) */
  native: Tool[];
  /** the chat view's tools */
  chat: ToolDefinition[];
  /** chat function name → what it stands for */
  names: Map<string, ChatToolName>;
  /** tool types dropped for every target */
  dropped: string[];
}

const CHAT_NAME_LIMIT = 64;

export function planTools(tools: ResponsesRequest['tools']): ToolPlan {
  const plan: ToolPlan = { native: [], chat: [], names: new Map(), dropped: [] };
  for (const [i, raw] of (tools ?? []).entries()) {
    const type = String(raw.type);
    if (type === 'function') {
      const tool = check(functionTool, raw, i);
      plan.native.push(tool);
      addChat(plan, tool, undefined, 'function');
    } else if (type === 'custom') {
      const tool = check(customTool, raw, i);
      plan.native.push(tool);
      addChat(plan, tool, undefined, 'custom');
    } else if (type === 'namespace') {
      const tool = check(namespaceTool, raw, i);
      plan.native.push(tool);
      for (const inner of tool.tools) addChat(plan, inner, tool.name, inner.type);
    } else if (HOSTED.test(type)) {
      plan.dropped.push(type);
    } else if (CLIENT_ONLY.has(type)) {
      plan.native.push(raw);
    } else {
      throw errors.invalidRequest(`Unsupported tool type '${type}'.`, `tools[${i}].type`);
    }
  }
  return plan;
}

function check<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } } }, raw: unknown, i: number): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const { param, message } = describeIssue(result.error.issues[0] as Parameters<typeof describeIssue>[0]);
  throw errors.invalidRequest(`Invalid value for 'tools[${i}].${param}': ${message}`, `tools[${i}].${param}`);
}

function addChat(plan: ToolPlan, tool: FunctionTool | CustomTool, namespace: string | undefined, kind: 'function' | 'custom'): void {
  const name = chatName(namespace ? `${namespace}__${tool.name}` : tool.name);
  if (plan.names.has(name)) throw errors.invalidRequest(`Two tools are named '${namespace ? `${namespace}.` : ''}${tool.name}'.`, 'tools');
  plan.names.set(name, { name: tool.name, ...(namespace ? { namespace } : {}), kind });
  const description = tool.description ?? undefined;
  if (kind === 'custom') {
    const format = (tool as CustomTool).format;
    plan.chat.push({
      type: 'function',
      function: {
        name,
        ...(description ? { description } : {}),
        parameters: {
          type: 'object',
          properties: { input: { type: 'string', description: format ? `Free-form input in this format: ${JSON.stringify(format)}` : 'Free-form input' } },
          required: ['input'],
          additionalProperties: false,
        },
      },
    });
    return;
  }
  const fn = tool as FunctionTool;
  plan.chat.push({
    type: 'function',
    function: { name, ...(description ? { description } : {}), ...(fn.parameters ? { parameters: fn.parameters } : {}), ...(fn.strict != null ? { strict: fn.strict } : {}) },
  });
}

/** a name chat providers take (1-64 of a-z A-Z 0-9 _ -): longer ones keep their start and a hash of the whole */
function chatName(name: string): string {
  if (name.length <= CHAT_NAME_LIMIT) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, CHAT_NAME_LIMIT - 11)}_${hash}`;
}

/** the chat name of a Responses tool (a function or custom tool, in a namespace or not) */
export function chatNameOf(plan: ToolPlan, name: string, namespace?: string | null): string {
  return chatName(namespace ? `${namespace}__${name}` : name);
}

/** tool_choice for OpenAI: a choice that names a dropped tool becomes `auto` */
export function nativeToolChoice(choice: ResponsesToolChoice | undefined, plan: ToolPlan): ResponsesToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') return choice;
  return HOSTED.test(choice.type) ? 'auto' : choice;
}

/** tool_choice in the chat view, and the tools it leaves (allowed_tools narrows them) */
export function chatToolChoice(choice: ResponsesToolChoice | undefined, plan: ToolPlan): { choice?: ToolChoice; tools: ToolDefinition[] } {
  if (choice === undefined || typeof choice === 'string') return { choice, tools: plan.chat };
  if (choice.type === 'function' || choice.type === 'custom') {
    const name = chatNameOf(plan, choice.name ?? '', (choice as { namespace?: string }).namespace);
    if (!plan.names.has(name)) throw errors.invalidRequest(`tool_choice names '${choice.name}', which is not among the tools.`, 'tool_choice.name');
    return { choice: { type: 'function', function: { name } }, tools: plan.chat };
  }
  if (choice.type === 'allowed_tools') {
    const allowed = new Set<string>();
    for (const t of choice.tools ?? []) {
      const tool = t as { type?: string; name?: string; namespace?: string };
      if ((tool.type === 'function' || tool.type === 'custom') && tool.name) allowed.add(chatNameOf(plan, tool.name, tool.namespace));
    }
    const mode = choice.mode === 'required' ? 'required' : 'auto';
    return { choice: mode, tools: plan.chat.filter((t) => allowed.has(t.function.name)) };
  }
  // a hosted or client-only tool forced: it is not in the chat view
  return { choice: 'auto', tools: plan.chat };
}
