// The worker thread behind startInBackground: connects to the target (the main thread by
// default), serves, and stops when asked.
import { parentPort, workerData } from 'node:worker_threads';
import { type CdpConnection, connectInProcess, connectToInspector } from '../cdp';
import { NodeTarget } from '../target';
import type { BackgroundOptions } from './background';
import { startServer } from './server';

async function run(options: BackgroundOptions): Promise<void> {
  let connection: CdpConnection | undefined;
  try {
    connection = options.target === undefined ? connectInProcess(true) : await connectToInspector(options.target);
    const target = await NodeTarget.attach(connection);
    const server = await startServer({ target, host: options.host, port: options.port, debug: options.debug });
    parentPort!.on('message', async (message: { type: string }) => {
      if (message.type === 'stop') {
        await server.stop();
        await target.dispose();
        parentPort!.postMessage({ type: 'stopped' });
        process.exit(0);
      }
    });
    parentPort!.postMessage({ type: 'listening', url: server.url, port: server.port });
  } catch (e) {
    connection?.close();
    parentPort!.postMessage({ type: 'error', message: (e as Error).message });
    process.exit(1);
  }
}

void run(workerData as BackgroundOptions);
