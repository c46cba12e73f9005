export * from './agentClient';
export * from './launch';
