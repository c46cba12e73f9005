/**
 * Live bytes per allocation site from V8's sampling heap profiler (`HeapProfiler.getSamplingProfile`):
 * each sampled allocation still alive is counted at the program's innermost function on its
 * stack (Node's own `node:` frames and code without a script folded into the caller), so a site
 * names the program's code that allocated, as creation stacks do. Sampled: sizes are V8's
 * estimates (each sample stands for about `samplingInterval` bytes), not exact.
 */
import type { Protocol } from 'devtools-protocol';
import { isProgramFrame } from '../../heap/frames';
import type { AllocationSite } from '../../model';

export function allocationSites(profile: Protocol.HeapProfiler.SamplingHeapProfile, limit = 100): AllocationSite[] {
  const sites = new Map<string, AllocationSite>();
  // Depth first with an explicit stack; each entry carries the innermost program frame above it.
  const stack: Array<{ node: Protocol.HeapProfiler.SamplingHeapProfileNode; site: AllocationSite | undefined }> = [{ node: profile.head, site: undefined }];
  while (stack.length) {
    const { node, site: outer } = stack.pop()!;
    const f = node.callFrame;
    const frame = { functionName: f.functionName, scriptName: f.url, scriptId: Number(f.scriptId) || 0, line: f.lineNumber + 1, column: f.columnNumber + 1 };
    let site = outer;
    if (isProgramFrame(frame)) {
      const key = `${frame.scriptName}\n${frame.line}\n${frame.column}\n${frame.functionName}`;
      site = sites.get(key);
      if (!site) sites.set(key, (site = { ...frame, liveBytes: 0 }));
    }
    if (site && node.selfSize > 0) site.liveBytes += node.selfSize;
    for (const child of node.children) stack.push({ node: child, site });
  }
  return [...sites.values()]
    .filter((s) => s.liveBytes > 0)
    .sort((a, b) => b.liveBytes - a.liveBytes)
    .slice(0, limit);
}
