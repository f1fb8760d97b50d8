/**
 * A metric's label children, made on first use and kept: prom-client's `labels(...)` builds and
 * hashes a label object on every call, these cost a map look-up (two for two labels) and allocate
 * nothing once a child exists. For bounded label values only: every child is kept for good.
 */
export function byLabel<T>(make: (value: string) => T): (value: string) => T {
  const children = new Map<string, T>();
  return (value) => {
    let child = children.get(value);
    if (child === undefined) children.set(value, (child = make(value)));
    return child;
  };
}

export function byLabels<T>(
  make: (first: string, second: string) => T,
): (first: string, second: string | number) => T {
  const children = new Map<string, Map<string | number, T>>();
  return (first, second) => {
    let inner = children.get(first);
    if (inner === undefined) children.set(first, (inner = new Map<string | number, T>()));
    let child = inner.get(second);
    if (child === undefined) inner.set(second, (child = make(first, String(second))));
    return child;
  };
}
