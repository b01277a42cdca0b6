import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * A V8 CPU profile of this process (service and load generator share it) for one phase, written
 * where Chrome DevTools or speedscope can open it. Only when BENCH_PROFILE=1: sampling has a cost.
 */
export async function startProfile(): Promise<(file: string) => Promise<string[]>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return summarise(profile, 12);
  };
}

/** The functions with the most self time: enough to see where a phase went without opening the file. */
function summarise(profile: CpuProfile, count: number): string[] {
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const time = selfTime.get(node.id) ?? 0;
    total += time;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = url ? `${functionName || '(anonymous)'} ${shorten(url)}:${lineNumber + 1}` : functionName;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}

function shorten(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (dependency) return `${dependency[1]}/${dependency[2].split('/').pop()}`;
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(src|bench)\//, '$1/');
}
