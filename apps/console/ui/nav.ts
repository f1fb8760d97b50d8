/** `#/<page>?<params>`: the page and its parameters, so a view can be linked and reloaded */
export const PAGE_NAMES = ['overview', 'dead-letters', 'entities', 'replay'] as const;
export type PageName = (typeof PAGE_NAMES)[number];

export function route(): { page: PageName; params: URLSearchParams } {
  const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
  const page = (PAGE_NAMES as readonly string[]).includes(path) ? (path as PageName) : 'overview';
  return { page, params: new URLSearchParams(search ?? '') };
}

export function go(page: PageName, params: Record<string, string> = {}): void {
  const search = new URLSearchParams(params).toString();
  location.hash = `#/${page}${search === '' ? '' : `?${search}`}`;
}
