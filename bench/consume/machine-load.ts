import { cpus, loadavg } from 'node:os';

/** what the machine was doing while a phase ran: the bench shares it with other work */
export interface LoadSnapshot {
  loadAvg1: number;
  loadAvg5: number;
  /** share of all cores not idle between mark() and read(), 0..1 (every process on the machine) */
  cpuBusy: number;
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total };
}

export class CpuMeter {
  private start = cpuTimes();

  mark(): void {
    this.start = cpuTimes();
  }

  read(): LoadSnapshot {
    const now = cpuTimes();
    const total = now.total - this.start.total;
    const [one, five] = loadavg();
    return {
      loadAvg1: round2(one),
      loadAvg5: round2(five),
      cpuBusy: total > 0 ? round2((now.busy - this.start.busy) / total) : NaN,
    };
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** CPU use of the machine over a short quiet window, before the bench starts anything */
export async function idleBaseline(ms = 2000): Promise<LoadSnapshot> {
  const meter = new CpuMeter();
  await new Promise((r) => setTimeout(r, ms));
  return meter.read();
}
