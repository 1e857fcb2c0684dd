/**
 * Values on the wire and back. JSON has no NaN or infinities, so the server
 * sends non-finite floats as the strings "NaN", "Infinity" and "-Infinity";
 * a Text space may hold those very strings, so observations and actions are
 * decoded with their space description rather than by guessing.
 */

const NON_FINITE = new Map([
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
]);

/**
 * A number as the wire carries it: itself when finite, else its string.
 * @param {number} x
 * @returns {number | string}
 */
export function encodeFloat(x) {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

/**
 * A wire float (a number or one of the non-finite strings) as a number.
 * @param {unknown} value
 * @returns {number}
 */
export function decodeFloat(value) {
  if (typeof value === "number") return value;
  if (typeof value === "string" && NON_FINITE.has(value)) return /** @type {number} */ (NON_FINITE.get(value));
  throw new TypeError(`not a wire float: ${JSON.stringify(value)}`);
}

/**
 * Any JS value as strict JSON data: non-finite numbers become their strings,
 * typed arrays become arrays, bigints stay exact. Used for every request
 * body, since JSON.stringify would silently turn NaN into null.
 * @param {unknown} value
 * @returns {unknown}
 */
export function encodeValue(value) {
  if (typeof value === "number") return encodeFloat(value);
  if (Array.isArray(value)) return value.map(encodeValue);
  if (isTypedNumericArray(value)) return nestElements(/** @type {any} */ (value));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(/** @type {ArrayLike<number | bigint>} */ (value), encodeValue);
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encodeValue(item)]));
  }
  return value;
}

/**
 * Whether JSON.stringify alone writes `value` right: only finite numbers,
 * strings, booleans, null, arrays and plain objects (the common step body).
 * @param {unknown} value
 * @returns {boolean}
 */
function isPlainJSON(value) {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value);
    case "string":
    case "boolean":
      return true;
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isPlainJSON);
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) if (!isPlainJSON(/** @type {any} */ (value)[key])) return false;
      return true;
    default:
      return false;
  }
}

/**
 * Every non-finite string anywhere in `value` as its number. For `info` and
 * other data with no space to say where floats are.
 * @param {unknown} value
 * @returns {unknown}
 */
export function decodeNonFinite(value) {
  if (typeof value === "string") return NON_FINITE.has(value) ? NON_FINITE.get(value) : value;
  if (Array.isArray(value)) return value.map(decodeNonFinite);
  if (value !== null && typeof value === "object" && !isNumericArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decodeNonFinite(item)]));
  }
  return value;
}

/**
 * `{dtype, shape, data}` with a typed `data`, as `arrays: "typed"` decodes a
 * msgpack array.
 * @param {unknown} value
 */
function isTypedNumericArray(value) {
  return value !== null && typeof value === "object" && Array.isArray(/** @type {any} */ (value).shape)
    && ArrayBuffer.isView(/** @type {any} */ (value).data);
}

/**
 * The elements of a typed numeric array nested in its shape, as JSON carries them.
 * @param {{shape: number[], data: ArrayLike<number | bigint>}} array
 */
function nestElements({ shape, data }) {
  let at = 0;
  /** @param {number} axis @returns {unknown} */
  const nest = (axis) => {
    if (axis === shape.length) return encodeValue(data[at++]);
    return Array.from({ length: shape[axis] }, () => nest(axis + 1));
  };
  return nest(0);
}

/**
 * A msgpack array decoded with `arrays: "typed"`: `{dtype, shape, data}`
 * with a typed `data` (or a typed array itself). Its values are numbers already.
 * @param {object} value
 */
function isNumericArray(value) {
  return ArrayBuffer.isView(value) || ArrayBuffer.isView(/** @type {any} */ (value).data);
}

/** @param {unknown} nested */
function decodeFloats(nested) {
  if (Array.isArray(nested)) return nested.map(decodeFloats);
  if (nested !== null && typeof nested === "object" && isNumericArray(nested)) return nested;
  return decodeFloat(nested);
}

/**
 * A wire value of `space` as a JS value: Box floats as numbers (including
 * NaN and ±Infinity), everything else as sent, recursively for Tuple, Dict,
 * Sequence, OneOf (`[index, value]`) and Graph (`{nodes, edges, edge_links}`).
 * Spaces this package does not know pass through unchanged.
 * @param {any} space a space description, as the server describes it
 * @param {unknown} value
 * @returns {unknown}
 */
export function decodeValue(space, value) {
  switch (space?.name) {
    case "Box":
      return decodeFloats(value);
    case "Tuple":
      return Array.isArray(value) ? value.map((item, i) => decodeValue(space.spaces[i], item)) : value;
    case "Dict":
      if (value === null || typeof value !== "object") return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, decodeValue(space.spaces[key], item)]),
      );
    case "Sequence":
      if (space.stack) return decodeNonFinite(value);
      return Array.isArray(value) ? value.map((item) => decodeValue(space.feature_space, item)) : value;
    case "OneOf":
      // [index, value of that subspace]
      if (!Array.isArray(value) || value.length !== 2) return value;
      return [value[0], decodeValue(space.spaces[value[0]], value[1])];
    case "Graph": {
      // {nodes, edges?, edge_links?}: node and edge features in their spaces
      if (space.supported === false || value === null || typeof value !== "object" || Array.isArray(value)) return value;
      const graph = /** @type {any} */ ({ ...value, nodes: decodeFeatures(space.node_space, /** @type {any} */ (value).nodes) });
      if (graph.edges !== undefined && space.edge_space) graph.edges = decodeFeatures(space.edge_space, graph.edges);
      return graph;
    }
    default:
      return value;
  }
}

/**
 * The features of a Graph's nodes or edges, one per element (or one msgpack array for them all).
 * @param {any} space @param {unknown} features
 */
function decodeFeatures(space, features) {
  return Array.isArray(features) ? features.map((item) => decodeValue(space, item)) : features;
}

/**
 * The exact bounds of a Box description, in its shape, as numbers.
 * @param {any} space
 * @returns {{low: unknown, high: unknown}}
 */
export function boxBounds(space) {
  if (space?.name !== "Box") throw new TypeError(`not a Box space: ${space?.name}`);
  return { low: decodeFloats(space.bounds.low), high: decodeFloats(space.bounds.high) };
}

const BIGINT_MARK = "\u{E000}";
const MARKED_BIGINT = new RegExp(`"${BIGINT_MARK}(-?\\d+)${BIGINT_MARK}"`, "gu");

/**
 * JSON text of `value` after encodeValue. BigInts are written as exact
 * integers, so seeds up to 2**64-1 survive; JSON.stringify alone would throw.
 * @param {unknown} value
 * @returns {string}
 */
export function toJSONText(value) {
  if (isPlainJSON(value)) return JSON.stringify(value);
  const text = JSON.stringify(encodeValue(value), (_, item) =>
    typeof item === "bigint" ? `${BIGINT_MARK}${item}${BIGINT_MARK}` : item);
  return text.replace(MARKED_BIGINT, "$1");
}
