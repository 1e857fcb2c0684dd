/**
 * A validator for the subset of JSON Schema (2020-12) that spec/openapi.yaml
 * uses, so the conformance runner checks `schema` expectations without a
 * runtime dependency. A standard keyword outside the subset throws, so
 * nothing is silently left unchecked; unknown keywords are ignored as the
 * standard says, and collected so the runner can report them.
 */

const ANNOTATIONS = new Set([
  "description", "title", "discriminator", "example", "examples", "default", "deprecated",
  "readOnly", "writeOnly", "format", "$comment",
]);

/** JSON Schema keywords this validator does not implement: using one is an error here, not a pass. */
const UNSUPPORTED = new Set([
  "prefixItems", "contains", "minContains", "maxContains", "uniqueItems", "patternProperties",
  "propertyNames", "dependentRequired", "dependentSchemas", "if", "then", "else", "$dynamicRef",
  "unevaluatedProperties", "unevaluatedItems", "multipleOf", "exclusiveMinimum", "exclusiveMaximum",
  "maxProperties",
]);

/** Keywords met that JSON Schema does not define; ignored, as the standard says, and reported by the runner. */
export const unknownKeywords = new Set();

/** @param {unknown} value */
function jsonType(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** @param {unknown} value @param {string} type */
function hasType(value, type) {
  if (type === "integer") return Number.isInteger(value);
  return jsonType(value) === type;
}

/** @param {unknown} x an integer as a BigInt, else undefined */
function asBigInt(x) {
  try {
    return BigInt(/** @type {any} */ (x));
  } catch {
    return undefined;
  }
}

/** @param {unknown} a @param {unknown} b numbers by value, arrays and objects deeply */
export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a === "bigint" || typeof b === "bigint") return typeof a !== "object" && typeof b !== "object" && asBigInt(a) === asBigInt(b);
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

/**
 * Problems with `value` against `schema`, as "pointer: reason" strings; empty when valid.
 * @param {any} schema
 * @param {unknown} value
 * @param {any} root the document `$ref`s point into
 * @param {string} [at]
 * @returns {string[]}
 */
export function validate(schema, value, root, at = "") {
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  const errors = [];
  const fail = (reason) => errors.push(`${at || "/"}: ${reason}`);
  for (const [keyword, arg] of Object.entries(schema)) {
    switch (keyword) {
      case "$ref":
        errors.push(...validate(resolveRef(root, arg), value, root, at));
        break;
      case "type": {
        const types = Array.isArray(arg) ? arg : [arg];
        if (!types.some((type) => hasType(value, type))) fail(`expected ${types.join(" or ")}, got ${jsonType(value)}`);
        break;
      }
      case "enum":
        if (!arg.some((option) => deepEqual(option, value))) fail(`not one of ${JSON.stringify(arg)}`);
        break;
      case "const":
        if (!deepEqual(arg, value)) fail(`expected ${JSON.stringify(arg)}`);
        break;
      case "oneOf": {
        const matches = arg.filter((sub) => validate(sub, value, root, at).length === 0).length;
        if (matches !== 1) fail(`matches ${matches} of oneOf's ${arg.length} schemas, not exactly one`);
        break;
      }
      case "anyOf":
        if (!arg.some((sub) => validate(sub, value, root, at).length === 0)) fail("matches none of anyOf");
        break;
      case "allOf":
        for (const sub of arg) errors.push(...validate(sub, value, root, at));
        break;
      case "not":
        if (validate(arg, value, root, at).length === 0) fail("matches a schema under not");
        break;
      case "required":
        if (jsonType(value) === "object") {
          for (const name of arg) if (!Object.hasOwn(value, name)) fail(`missing required property ${name}`);
        }
        break;
      case "properties":
        if (jsonType(value) === "object") {
          for (const [name, sub] of Object.entries(arg)) {
            if (Object.hasOwn(value, name)) errors.push(...validate(sub, value[name], root, `${at}/${name}`));
          }
        }
        break;
      case "additionalProperties":
        if (jsonType(value) === "object") {
          for (const name of Object.keys(value)) {
            if (!Object.hasOwn(schema.properties ?? {}, name)) errors.push(...validate(arg, value[name], root, `${at}/${name}`));
          }
        }
        break;
      case "items":
        if (Array.isArray(value)) value.forEach((item, i) => errors.push(...validate(arg, item, root, `${at}/${i}`)));
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < arg) fail(`fewer than ${arg} items`);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > arg) fail(`more than ${arg} items`);
        break;
      case "minLength":
        if (typeof value === "string" && [...value].length < arg) fail(`shorter than ${arg}`);
        break;
      case "maxLength":
        if (typeof value === "string" && [...value].length > arg) fail(`longer than ${arg}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(arg, "u").test(value)) fail(`does not match ${arg}`);
        break;
      case "minimum":
        if (typeof value === "number" && value < arg) fail(`below ${arg}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > arg) fail(`above ${arg}`);
        break;
      case "minProperties":
        if (jsonType(value) === "object" && Object.keys(value).length < arg) fail(`fewer than ${arg} properties`);
        break;
      default:
        if (UNSUPPORTED.has(keyword)) throw new Error(`schema keyword ${keyword} at ${at || "/"} is not supported by this validator`);
        if (!ANNOTATIONS.has(keyword)) unknownKeywords.add(keyword);
    }
  }
  return errors;
}

/** @param {any} root @param {string} ref a local reference such as #/components/schemas/Error */
function resolveRef(root, ref) {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
  let node = root;
  for (const part of ref.slice(2).split("/")) {
    node = node?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return node;
}
