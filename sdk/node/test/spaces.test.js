import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFloat, decodeFloat, encodeValue, decodeValue, decodeNonFinite, boxBounds, toJSONText } from "../src/index.js";

const box = { name: "Box", shape: [3], dtype: "float32", bounds: { low: ["-Infinity", 0, -1], high: ["Infinity", 1, 1] } };
const text = { name: "Text", min_length: 0, max_length: 9, charset: "NaIfinty-" };
const discrete = { name: "Discrete", n: 3, start: 0, dtype: "int64" };
const tuple = { name: "Tuple", spaces: [discrete, box, text] };
const dict = { name: "Dict", spaces: { pos: box, label: text, inner: tuple } };
const sequence = { name: "Sequence", feature_space: box, stack: false };

test("non-finite floats travel as their strings and come back", () => {
  for (const x of [Number.NaN, Infinity, -Infinity, 0, -0.5, 1e100]) {
    const back = decodeFloat(encodeFloat(x));
    assert.ok(Object.is(back, x), `${x} -> ${encodeFloat(x)} -> ${back}`);
  }
  assert.equal(encodeFloat(Number.NaN), "NaN");
  assert.equal(encodeFloat(-Infinity), "-Infinity");
  assert.throws(() => decodeFloat("nan"), TypeError);
  assert.throws(() => decodeFloat(null), TypeError);
});

test("encodeValue makes strict JSON of nested values and typed arrays", () => {
  const value = { a: [1, Number.NaN, [Infinity]], b: new Float32Array([0.5, -Infinity]), c: "NaN", d: null, e: true };
  assert.deepEqual(encodeValue(value), { a: [1, "NaN", ["Infinity"]], b: [0.5, "-Infinity"], c: "NaN", d: null, e: true });
  assert.equal(JSON.stringify(encodeValue([Number.NaN])), '["NaN"]');
});

test("a Box value decodes its non-finite strings, nested in its shape", () => {
  assert.deepEqual(decodeValue(box, [["NaN", 1], ["-Infinity", "Infinity"]]), [[Number.NaN, 1], [-Infinity, Infinity]]);
});

test("a Text value that spells NaN stays a string", () => {
  assert.equal(decodeValue(text, "NaN"), "NaN");
  assert.equal(decodeValue(text, "Infinity"), "Infinity");
});

test("Tuple, Dict and Sequence decode each part with its own space", () => {
  assert.deepEqual(decodeValue(tuple, [2, ["NaN", 0, 1], "NaN"]), [2, [Number.NaN, 0, 1], "NaN"]);
  assert.deepEqual(
    decodeValue(dict, { pos: ["Infinity", 0, 0], label: "Infinity", inner: [0, [0, 0, "-Infinity"], "-Infinity"] }),
    { pos: [Infinity, 0, 0], label: "Infinity", inner: [0, [0, 0, -Infinity], "-Infinity"] },
  );
  assert.deepEqual(decodeValue(sequence, [["NaN", 0, 0], [1, 1, 1]]), [[Number.NaN, 0, 0], [1, 1, 1]]);
});

test("a space this package does not know passes its value through", () => {
  assert.deepEqual(decodeValue({ name: "Graph", supported: false }, ["NaN"]), ["NaN"]);
});

test("decodeNonFinite revives non-finite strings anywhere, for info", () => {
  assert.deepEqual(decodeNonFinite({ x: "Infinity", y: ["NaN", "text"], z: { w: 1 } }), { x: Infinity, y: [Number.NaN, "text"], z: { w: 1 } });
});

test("boxBounds gives the exact bounds as numbers", () => {
  assert.deepEqual(boxBounds(box), { low: [-Infinity, 0, -1], high: [Infinity, 1, 1] });
  assert.throws(() => boxBounds(discrete), TypeError);
});

test("a typed numeric array is sent nested in its shape, non-finite and 64-bit values exact", () => {
  const matrix = { dtype: "float32", shape: [2, 2], data: new Float32Array([1, NaN, -Infinity, 0.5]) };
  assert.deepEqual(encodeValue(matrix), [[1, "NaN"], ["-Infinity", 0.5]]);
  const big = { dtype: "uint64", shape: [2], data: new BigUint64Array([1n, 2n ** 64n - 1n]) };
  assert.equal(toJSONText({ action: big }), '{"action":[1,18446744073709551615]}');
  assert.equal(toJSONText({ dtype: "int64", shape: [], data: new BigInt64Array([7n]) }), "7");
});
