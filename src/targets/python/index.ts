export * from './agentClient';
export * from './launch';
export { PythonTarget, type PythonTargetOptions } from './pythonTarget';
export { agentLoadStatement, loadAgentThroughDebugger } from './debuggerLoad';
