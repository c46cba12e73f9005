/**
 * The Node.js target: a live program over the DevTools protocol. Ways to reach one (an
 * inspector, js-debug's CDP proxy, this process's own inspector) come from here, so that no
 * other part of the product speaks the protocol.
 */
export { NodeTarget, type NodeTargetOptions } from './nodeTarget';
export { PROFILER_THREAD_NAME, type ThreadInspectorOptions } from './threads';
export {
  CdpConnection,
  CdpError,
  ConnectionClosedError,
  connectInProcess,
  connectToInspector,
  connectToJsDebugProxy,
  resolveInspectorUrl,
  type JsDebugProxyAddress,
} from '../../cdp';
