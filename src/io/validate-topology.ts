/**
 * Checks a model.json `modelTopology` before TF.js sees it. tfjs-layers trusts its input in ways a hostile or corrupt
 * file can exploit: a layer node whose inbound node never gets built makes `Container.fromConfig` loop forever (a
 * synchronous hang no timeout can interrupt), `class_name: "constructor"` is found on `Object.prototype` by its
 * `in` lookups, and deep nesting overflows its recursive key conversion. Everything here is iterative and linear in
 * the size of the document.
 */
import { TfdistillError } from '../errors.js';
import { isPlainObject } from './read-json.js';

/** Deepest nesting accepted in a topology; real Keras/tfjs topologies stay under 20. */
export const MAX_TOPOLOGY_DEPTH = 64;

/**
 * Refuses (`CHECKPOINT_INVALID`, naming `file`) a topology that nests deeper than {@link MAX_TOPOLOGY_DEPTH}, names
 * a class or layer after an `Object.prototype` member (`__proto__`, `constructor`, ...), or has a functional graph
 * TF.js could not finish building (a node waiting for a layer or node that never exists, a cycle, duplicate layer
 * names, input/output layers that point nowhere). It never evaluates or imports anything named in the file: class
 * names are only ever looked up in tfjs's registry of classes registered in code.
 *
 * @example
 * ```ts
 * checkTopology(modelJson.modelTopology, 'ckpt/model.json');
 * ```
 */
export function checkTopology(topology: unknown, file: string): void {
  const invalid = (problem: string) => new TfdistillError('CHECKPOINT_INVALID', `${file}: modelTopology ${problem}`);
  const stack: Array<{ value: unknown; depth: number; where: string }> = [{ value: topology, depth: 0, where: '' }];
  while (stack.length > 0) {
    const { value, depth, where } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_TOPOLOGY_DEPTH) throw invalid(`is nested deeper than ${MAX_TOPOLOGY_DEPTH} levels (at ${where.slice(0, 80)}...)`);
    if (!Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      for (const key of ['class_name', 'className']) {
        if (key in obj && (typeof obj[key] !== 'string' || isPrototypeKey(obj[key] as string))) {
          throw invalid(`has ${key} ${describe(obj[key])} at ${where || '/'}: not a class name TF.js can register`);
        }
      }
      if (Array.isArray(obj.layers) && isFunctional(obj)) checkGraph(obj, where, invalid);
    }
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1, where: `${where}/${key}` });
    }
  }
}

/** A functional (graph) config, as opposed to a Sequential list; tfjs accepts snake_case and camelCase keys. */
function isFunctional(config: Record<string, unknown>): boolean {
  return (
    ['input_layers', 'output_layers', 'inputLayers', 'outputLayers'].some((k) => k in config) ||
    (config.layers as unknown[]).some((l) => isPlainObject(l) && ('inbound_nodes' in l || 'inboundNodes' in l))
  );
}

/** The value of a key tfjs reads in either spelling (it converts snake_case keys to camelCase); both is an error. */
function either(obj: Record<string, unknown>, snake: string, camel: string, invalid: (p: string) => Error): unknown {
  if (snake in obj && camel in obj) throw invalid(`has both "${snake}" and "${camel}"`);
  return obj[snake] ?? obj[camel];
}

/** True for names `{}` already has (`in` finds them): `__proto__`, `constructor`, `toString`, ... */
function isPrototypeKey(name: string): boolean {
  return name in Object.prototype;
}

function describe(x: unknown): string {
  return typeof x === 'string' ? JSON.stringify(x.slice(0, 60)) : typeof x;
}

type NodeRef = [name: string, node: number, tensor: number];

/**
 * Replays tfjs's `Container.fromConfig` node-processing loop on layer names and node counts only, so a graph that
 * would never finish (or needs nodes that never exist) is refused instead of hanging the process.
 */
function checkGraph(config: Record<string, unknown>, where: string, invalid: (p: string) => Error): void {
  const layers = config.layers as unknown[];
  const at = where || '/';
  const nodes = new Map<string, number>(); // layer name -> nodes built so far
  const pending = new Map<string, unknown[][]>();
  for (const layer of layers) {
    if (!isPlainObject(layer) || typeof layer.name !== 'string') throw invalid(`at ${at}: every layer needs a string "name"`);
    const name = layer.name;
    if (isPrototypeKey(name)) throw invalid(`at ${at}: layer name ${describe(name)} is reserved`);
    if (nodes.has(name)) throw invalid(`at ${at}: two layers are named ${describe(name)}`);
    // tfjs queues nodes under the layer's own (config) name but finds inputs by this outer name: they must agree.
    if (isPlainObject(layer.config) && layer.config.name !== undefined && layer.config.name !== name) {
      throw invalid(`at ${at}: layer ${describe(name)} has config.name ${describe(layer.config.name)}`);
    }
    // An InputLayer owns one node from construction; every other layer gets one per call (inbound node).
    nodes.set(name, layer.class_name === 'InputLayer' ? 1 : 0);
    const inbound = either(layer, 'inbound_nodes', 'inboundNodes', invalid) ?? [];
    if (!Array.isArray(inbound) || !inbound.every(Array.isArray)) {
      throw invalid(`at ${at}: layer ${describe(name)} has "inbound_nodes" that is not an array of arrays`);
    }
    pending.set(name, [...(inbound as unknown[][])]);
  }
  for (const [name, list] of pending) {
    for (const node of list) {
      for (const ref of node) {
        if (!isNodeRef(ref)) throw invalid(`at ${at}: layer ${describe(name)} has a malformed inbound node entry`);
        if (!nodes.has(ref[0])) throw invalid(`at ${at}: layer ${describe(name)} takes input from unknown layer ${describe(ref[0])}`);
      }
    }
  }
  // The replay: each pass processes every layer's queue; a pass that builds nothing means tfjs would loop forever.
  let left = [...pending.values()].reduce((n, l) => n + l.length, 0);
  while (left > 0) {
    let progressed = false;
    for (const [name, list] of pending) {
      const waiting: unknown[][] = [];
      for (const node of list) {
        const ready = (node as NodeRef[]).every((ref) => nodes.get(ref[0])! > ref[1]);
        if (!ready) {
          waiting.push(node);
          continue;
        }
        progressed = true;
        left--;
        if (node.length > 0) nodes.set(name, nodes.get(name)! + 1);
      }
      pending.set(name, waiting);
    }
    if (!progressed) {
      const [stuck] = [...pending].find(([, l]) => l.length > 0)!;
      throw invalid(`at ${at}: layer ${describe(stuck)} waits for an inbound node that is never built (a dangling reference or a cycle)`);
    }
  }
  for (const [key, camel] of [
    ['input_layers', 'inputLayers'],
    ['output_layers', 'outputLayers'],
  ] as const) {
    const refs = either(config, key, camel, invalid);
    if (refs === undefined) continue;
    if (!Array.isArray(refs) || !refs.every((r) => isNodeRef(r) && (nodes.get(r[0]) ?? 0) > r[1])) {
      throw invalid(`at ${at}: "${key}" must list [layer, node, tensor] entries of existing layer nodes`);
    }
  }
}

function isNodeRef(ref: unknown): ref is NodeRef {
  return (
    Array.isArray(ref) &&
    ref.length >= 3 &&
    typeof ref[0] === 'string' &&
    Number.isSafeInteger(ref[1]) &&
    (ref[1] as number) >= 0 &&
    Number.isSafeInteger(ref[2]) &&
    (ref[2] as number) >= 0
  );
}
