/** one scrape of an app's GET /metrics: every sample by name, with its labels */
export class Scrape {
  private constructor(
    readonly text: string,
    private readonly samples: { name: string; labels: Record<string, string>; value: number }[],
  ) {}

  static async of(url: string, token?: string): Promise<Scrape> {
    const res = await fetch(`${url}/metrics`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (res.status !== 200) throw new Error(`GET ${url}/metrics: ${res.status}`);
    const text = await res.text();
    const samples = [];
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) continue;
      const labels: Record<string, string> = {};
      for (const [, key, value] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[key] = value;
      samples.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return new Scrape(text, samples);
  }

  /** the samples of `name` whose labels include `labels`, added up (0 when there is none) */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((n, s) => n + s.value, 0);
  }

  /** the label sets of `name`'s samples that include `labels` */
  series(name: string, labels: Record<string, string> = {}): Record<string, string>[] {
    return this.matching(name, labels).map((s) => s.labels);
  }

  private matching(name: string, labels: Record<string, string>) {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }
}
