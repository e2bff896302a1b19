// The production state machine definition, made runnable by aws-local-stepfunctions. The definition is read from
// the synthesized template (intrinsics resolved to placeholders), then converted in ONE place: every Distributed
// Map becomes an inline Map fed by a local ItemReader task, because the local engine runs inline Map and Retry but
// not ItemReader, ItemBatcher or ResultWriter. Everything else (states, payloads, Retry, Catch, Fail) is kept as
// synthesized. The production Map settings are asserted separately in test/infra.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type StateDef = Record<string, Json> & { Type: string };
export interface MachineDef {
  StartAt: string;
  States: Record<string, StateDef>;
  [k: string]: Json;
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves Fn::Join / Ref / Fn::GetAtt in a template value: Refs via `refs` (e.g. bucket logical id -> local bucket). */
export function resolveIntrinsics(value: unknown, refs: Record<string, string> = {}): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveIntrinsics(p, refs)).join(sep);
  }
  if (typeof v.Ref === 'string') return PSEUDO[v.Ref] ?? refs[v.Ref] ?? v.Ref;
  if (v['Fn::GetAtt']) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    if (attr === 'Arn') return `arn:aws:lambda:us-east-1:123456789012:function:${id}`;
    return `${id}.${attr}`;
  }
  throw new Error(`unsupported intrinsic in state machine definition: ${JSON.stringify(value).slice(0, 200)}`);
}

/** The definition of the (only) AWS::StepFunctions::StateMachine in a template. */
export function definitionFromTemplate(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, refs: Record<string, string> = {}): MachineDef {
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
  return JSON.parse(resolveIntrinsics(machines[0].Properties!.DefinitionString, refs)) as MachineDef;
}

/** Name of the task state the converter inserts before a Distributed Map: its local handler reads the item list. */
export const itemReaderStateName = (mapName: string) => `${mapName} (local ItemReader)`;
/** Where the local ItemReader puts the batches in the state. */
export const LOCAL_ITEMS_PATH = '$.__localItems';

/** Distributed Map -> local ItemReader task + inline Map; recursive into Map and Parallel bodies. */
export function toLocalDefinition(def: MachineDef): MachineDef {
  const out: MachineDef = structuredClone(def);
  const states: Record<string, StateDef> = {};
  for (const [name, state] of Object.entries(out.States)) {
    if (state.Type === 'Map' && state.ItemProcessor) {
      (state as Record<string, Json>).ItemProcessor = toLocalDefinition(state.ItemProcessor as unknown as MachineDef) as unknown as Json;
    }
    if (state.Type !== 'Map' || !state.ItemReader) {
      states[name] = state;
      continue;
    }
    const reader = state.ItemReader as { Resource: string; Parameters: Record<string, Json>; ReaderConfig?: Record<string, Json> };
    const batcher = (state.ItemBatcher ?? {}) as { MaxItemsPerBatch?: number; BatchInput?: Json };
    if (reader.Resource !== 'arn:aws:states:::s3:getObject' || (reader.ReaderConfig && reader.ReaderConfig.InputType !== 'JSON')) {
      throw new Error(`${name}: only a JSON-file ItemReader (s3:getObject) can be run locally`);
    }
    // the reader task resolves the same Parameters and BatchInput paths, against the same state input
    states[itemReaderStateName(name)] = {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:local-item-reader',
      Parameters: { ...reader.Parameters, MaxItemsPerBatch: batcher.MaxItemsPerBatch ?? 0, BatchInput: batcher.BatchInput ?? {} },
      ResultPath: LOCAL_ITEMS_PATH,
      Next: name,
    };
    const map: StateDef = { ...state, ItemsPath: LOCAL_ITEMS_PATH };
    for (const k of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label']) delete map[k];
    const processor = map.ItemProcessor as Record<string, Json>;
    map.ItemProcessor = { ...processor, ProcessorConfig: { Mode: 'INLINE' } };
    states[name] = map;
    // whatever pointed at the Map now points at its reader
    for (const s of Object.values(out.States)) retarget(s, name, itemReaderStateName(name));
    if (out.StartAt === name) out.StartAt = itemReaderStateName(name);
  }
  out.States = states;
  return out;
}

function retarget(state: StateDef, from: string, to: string): void {
  if (state.Next === from) state.Next = to;
  for (const c of (state.Catch ?? []) as Record<string, Json>[]) if (c.Next === from) c.Next = to;
  for (const c of (state.Choices ?? []) as Record<string, Json>[]) if (c.Next === from) c.Next = to;
  if (state.Default === from) state.Default = to;
}

/** The local ItemReader: the JSON array at Bucket/Key, batched like ItemBatcher ({BatchInput, Items}). */
export function batchItems(items: Json[], maxItemsPerBatch: number, batchInput: Json): Json[] {
  if (!maxItemsPerBatch) return items;
  const batches: Json[] = [];
  for (let i = 0; i < items.length; i += maxItemsPerBatch) batches.push({ BatchInput: batchInput, Items: items.slice(i, i + maxItemsPerBatch) });
  return batches;
}
