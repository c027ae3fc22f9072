/**
 * Names that are special property names in JavaScript. As a declaration name or as a key
 * of a user-named map (`modalities`, `annotated`, `sample`) they would read an inherited
 * property or, assigned into an object, replace its prototype; they are refused (E130).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}
