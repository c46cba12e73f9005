export * from './agentClient';
export * from './launch';
export { PythonTarget, type PythonTargetOptions } from './pythonTarget';
export { agentLoader, loadAgentThroughDebugger } from './debuggerLoad';
