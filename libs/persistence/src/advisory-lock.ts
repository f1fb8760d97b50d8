// first key of every advisory lock of ours ('FTLM'): keeps them apart from anyone else's
const LOCK_NAMESPACE = 0x46544c4d;

/** the two keys of an advisory lock named `name`: a fixed namespace and a hash of the name */
export function advisoryLockKeys(name: string): [number, number] {
  // FNV-1a, 32 bits, as a signed int4
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return [LOCK_NAMESPACE, hash | 0];
}
