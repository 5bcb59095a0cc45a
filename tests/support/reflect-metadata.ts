/**
 * The few Reflect metadata functions tsyringe checks for at load time (@peculiar/x509 2.x
 * registers its algorithms through tsyringe and ships no polyfill). Enough for that use:
 * defineMetadata, getOwnMetadata and getMetadata (own, then along the prototype chain).
 * Test-only: imported by tests/support/twoddoc.ts before @peculiar/x509.
 */
type MetadataReflect = {
  defineMetadata?: (key: unknown, value: unknown, target: object) => void
  getOwnMetadata?: (key: unknown, target: object) => unknown
  getMetadata?: (key: unknown, target: object) => unknown
}

const reflect = Reflect as unknown as MetadataReflect
if (!reflect.getMetadata) {
  const store = new WeakMap<object, Map<unknown, unknown>>()
  reflect.defineMetadata = (key, value, target) => {
    let own = store.get(target)
    if (!own) store.set(target, (own = new Map()))
    own.set(key, value)
  }
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key)
  reflect.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const own = store.get(t)
      if (own?.has(key)) return own.get(key)
    }
    return undefined
  }
}

export {}
