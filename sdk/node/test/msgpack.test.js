// The msgpack decoder byte by byte: every family the server can send, the
// numeric-array maps in both modes, and refusals of what it cannot read.
// Vectors are written out in hex from the msgpack spec, not produced by an
// encoder in this package, so an encoder bug cannot hide a decoder bug.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeMsgpack, MsgpackDecodeError } from "../src/msgpack.js";

/** @param {string} hex spaces allowed */
const bytes = (hex) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
const decode = (hex, options) => decodeMsgpack(bytes(hex), options);

/** A msgpack str header and bytes for `text` (fixstr or str8). */
function str(text) {
  const raw = Buffer.from(text, "utf8");
  const head = raw.length < 32 ? (0xa0 | raw.length).toString(16) : `d9${raw.length.toString(16).padStart(2, "0")}`;
  return head + raw.toString("hex");
}

/** A numeric-array map {dtype, shape, data} with `data` as bin8. */
function arrayMap(dtype, shape, dataHex) {
  const n = dataHex.replace(/\s+/g, "").length / 2;
  const shapeHex = (0x90 | shape.length).toString(16) + shape.map((s) => s.toString(16).padStart(2, "0")).join("");
  for (const s of shape) assert.ok(s < 128, "positive fixint sizes only in these vectors");
  return `83 ${str("dtype")} ${str(dtype)} ${str("shape")} ${shapeHex} ${str("data")} c4 ${n.toString(16).padStart(2, "0")} ${dataHex}`;
}

test("nil, booleans and fixints decode", () => {
  assert.equal(decode("c0"), null);
  assert.equal(decode("c2"), false);
  assert.equal(decode("c3"), true);
  assert.equal(decode("00"), 0);
  assert.equal(decode("7f"), 127);
  assert.equal(decode("ff"), -1);
  assert.equal(decode("e0"), -32);
});

test("unsigned integers of every width decode, uint64 beyond 2**53 as a BigInt", () => {
  assert.equal(decode("cc ff"), 255);
  assert.equal(decode("cd ff ff"), 65535);
  assert.equal(decode("ce ff ff ff ff"), 4294967295);
  assert.equal(decode("cf 00 1f ff ff ff ff ff ff"), Number.MAX_SAFE_INTEGER);
  assert.equal(decode("cf 00 20 00 00 00 00 00 00"), 2n ** 53n);
  assert.equal(decode("cf ff ff ff ff ff ff ff ff"), 2n ** 64n - 1n);
});

test("signed integers of every width decode, int64 beyond -2**53 as a BigInt", () => {
  assert.equal(decode("d0 80"), -128);
  assert.equal(decode("d1 80 00"), -32768);
  assert.equal(decode("d2 80 00 00 00"), -2147483648);
  assert.equal(decode("d3 ff ff ff ff ff ff ff ff"), -1);
  assert.equal(decode("d3 ff e0 00 00 00 00 00 01"), -Number.MAX_SAFE_INTEGER);
  assert.equal(decode("d3 80 00 00 00 00 00 00 00"), -(2n ** 63n));
  assert.equal(decode("d3 00 20 00 00 00 00 00 01"), 2n ** 53n + 1n);
});

test("float32 and float64 decode big-endian", () => {
  assert.equal(decode("ca 3f c0 00 00"), 1.5);
  assert.equal(decode("ca 3d cc cc cd"), Math.fround(0.1));
  assert.equal(decode("cb 3f b9 99 99 99 99 99 9a"), 0.1);
  // non-finite scalars read as the strings their JSON twin holds (numbers with arrays: "typed")
  assert.equal(decode("cb 7f f0 00 00 00 00 00 00"), "Infinity");
  assert.equal(decode("cb 7f f8 00 00 00 00 00 00"), "NaN");
  assert.equal(decode("cb ff f0 00 00 00 00 00 00", { arrays: "typed" }), -Infinity);
});

test("strings of every width decode as UTF-8", () => {
  assert.equal(decode("a0"), "");
  assert.equal(decode("a3 61 62 63"), "abc");
  assert.equal(decode("a2 c3 a9"), "é");
  const long = "x".repeat(40) + "✓";
  assert.equal(decode(str(long)), long);
  assert.equal(decode("da 00 03 61 62 63"), "abc");
  assert.equal(decode("db 00 00 00 03 61 62 63"), "abc");
  assert.equal(decode(`da 01 00 ${"41".repeat(256)}`), "A".repeat(256));
});

test("bins of every width decode to their bytes", () => {
  assert.deepEqual(decode("c4 00"), new Uint8Array([]));
  assert.deepEqual([...decode("c4 02 01 02")], [1, 2]);
  assert.deepEqual([...decode("c5 00 03 01 02 03")], [1, 2, 3]);
  assert.deepEqual([...decode("c6 00 00 00 01 ff")], [255]);
});

test("arrays and maps of every width decode", () => {
  assert.deepEqual(decode("93 01 a1 61 c0"), [1, "a", null]);
  assert.deepEqual(decode("dc 00 02 c3 c2"), [true, false]);
  assert.deepEqual(decode("dd 00 00 00 01 90"), [[]]);
  assert.deepEqual(decode(`dc 00 10 ${"05".repeat(16)}`), new Array(16).fill(5));
  assert.deepEqual(decode("82 a1 61 01 a1 62 92 02 03"), { a: 1, b: [2, 3] });
  assert.deepEqual(decode("de 00 01 a1 6b 80"), { k: {} });
  assert.deepEqual(decode("df 00 00 00 01 a1 6b c3"), { k: true });
});

test("a __proto__ key is an own property, as JSON.parse makes it", () => {
  const value = decode(`81 ${str("__proto__")} 01`);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ["__proto__"]);
  assert.equal(Object.getOwnPropertyDescriptor(value, "__proto__").value, 1);
});

test("numeric arrays decode to the nested numbers the JSON body holds", () => {
  // float32 [[1.5, -2], [0.1, 0]] little-endian, row-major.
  const f32 = "0000c03f 000000c0 cdcccc3d 00000000";
  assert.deepEqual(decode(arrayMap("float32", [2, 2], f32)), [[1.5, -2], [Math.fround(0.1), 0]]);
  assert.deepEqual(decode(arrayMap("float64", [1], "9a9999999999b93f")), [0.1]);
  assert.deepEqual(decode(arrayMap("float16", [3], "003c 00c0 0100")), [1, -2, 2 ** -24]);
  assert.deepEqual(decode(arrayMap("uint8", [1, 3], "00 7f ff")), [[0, 127, 255]]);
  assert.deepEqual(decode(arrayMap("int8", [2], "ff 80")), [-1, -128]);
  assert.deepEqual(decode(arrayMap("int16", [2], "ffff 0080")), [-1, -32768]);
  assert.deepEqual(decode(arrayMap("uint16", [1], "ffff")), [65535]);
  assert.deepEqual(decode(arrayMap("int32", [2], "ffffffff 00000080")), [-1, -2147483648]);
  assert.deepEqual(decode(arrayMap("uint32", [1], "ffffffff")), [4294967295]);
  assert.deepEqual(decode(arrayMap("int64", [2], "ffffffffffffffff 0000000000000080")), [-1, -(2n ** 63n)]);
  assert.deepEqual(decode(arrayMap("uint64", [2], "0500000000000000 ffffffffffffffff")), [5, 2n ** 64n - 1n]);
  assert.deepEqual(decode(arrayMap("bool", [3], "01 00 01")), [true, false, true]);
});

test("a numeric array of shape [] is a scalar and an empty one is an empty list", () => {
  assert.equal(decode(arrayMap("int64", [], "0700000000000000")), 7);
  assert.deepEqual(decode(arrayMap("float32", [0], "")), []);
  assert.deepEqual(decode(arrayMap("float32", [2, 0], "")), [[], []]);
});

test("non-finite floats in numeric arrays become the JSON body's strings", () => {
  const f64 = "000000000000f87f 000000000000f07f 000000000000f0ff 0000000000000000";
  assert.deepEqual(decode(arrayMap("float64", [4], f64)), ["NaN", "Infinity", "-Infinity", 0]);
  assert.deepEqual(decode(arrayMap("float16", [2], "007c 00fc")), ["Infinity", "-Infinity"]);
  assert.deepEqual(decode(arrayMap("float32", [1], "0000c07f")), ["NaN"]);
});

test("with arrays: typed, numeric arrays keep dtype and shape with typed data", () => {
  const value = decode(arrayMap("float32", [2, 2], "0000c03f 000000c0 cdcccc3d 0000807f"), { arrays: "typed" });
  assert.equal(value.dtype, "float32");
  assert.deepEqual(value.shape, [2, 2]);
  assert.ok(value.data instanceof Float32Array);
  assert.deepEqual([...value.data], [1.5, -2, Math.fround(0.1), Infinity]);
  const cases = [
    ["int64", BigInt64Array, "ffffffffffffffff", [-1n]],
    ["uint64", BigUint64Array, "ffffffffffffffff", [2n ** 64n - 1n]],
    ["bool", Uint8Array, "01 00", [1, 0]],
    ["uint8", Uint8Array, "ff", [255]],
    ["int16", Int16Array, "00 80", [-32768]],
    ["float16", Float32Array, "00 3c", [1]],
    ["float64", Float64Array, "000000000000f8 7f", [NaN]],
  ];
  for (const [dtype, Kind, hex, expected] of cases) {
    const { data } = decode(arrayMap(dtype, [expected.length], hex), { arrays: "typed" });
    assert.ok(data instanceof Kind, `${dtype} as ${Kind.name}`);
    assert.deepEqual([...data], expected);
  }
});

test("typed data is an aligned copy, even when the bin starts at an odd offset", () => {
  // The map is inside an array after a one-byte element, so the data starts unaligned.
  const hex = `92 01 ${arrayMap("float64", [1], "000000000000f03f")}`;
  const source = bytes(hex);
  const [, value] = decodeMsgpack(source, { arrays: "typed" });
  assert.deepEqual([...value.data], [1]);
  source.fill(0);
  assert.deepEqual([...value.data], [1], "independent of the input buffer");
});

test("a map that only looks like an array, or an inconsistent one, is refused or left alone", () => {
  assert.deepEqual(decode(`82 ${str("dtype")} ${str("x")} ${str("data")} ${str("y")}`), { dtype: "x", data: "y" });
  assert.throws(() => decode(arrayMap("complex64", [1], "00")), /unknown array dtype/);
  assert.throws(() => decode(arrayMap("float32", [2], "0000803f")), /4 bytes, not 2 float32/);
  assert.throws(() => decode(arrayMap("constructor", [1], "00")), MsgpackDecodeError);
});

test("extension types, the never-used byte, and non-string keys are refused with a clear error", () => {
  for (const hex of ["d4 01 00", "d5 01 00 00", "d6 ff 00 00 00 00", "c7 01 05 00", "c8 00 01 05 00", "c9 00 00 00 01 05 00"]) {
    assert.throws(() => decode(hex), (e) => e instanceof MsgpackDecodeError && /extension type 0x/.test(e.message), hex);
  }
  assert.throws(() => decode("c1"), /never-used byte 0xc1/);
  assert.throws(() => decode("81 01 02"), /map key at offset 1 is not a string/);
});

test("truncated input, leftover bytes and invalid UTF-8 are refused", () => {
  for (const hex of ["", "cd 01", "a3 61 62", "92 01", "c4 05 00", "cb 00 00 00", "dc 00"]) {
    assert.throws(() => decode(hex), (e) => e instanceof MsgpackDecodeError && /truncated/.test(e.message), hex);
  }
  assert.throws(() => decode("dd ff ff ff ff"), /truncated/, "a bogus length fails before allocating");
  assert.throws(() => decode("01 02"), /1 bytes left over/);
  assert.throws(() => decode("a2 c3 28"), /invalid UTF-8/);
  assert.throws(() => decode(`d9 28 ${"61".repeat(39)}ff`), /invalid UTF-8/);
});

test("typed data decoded from a pooled Node Buffer is an aligned copy too", () => {
  const pool = Buffer.from(`ff ${arrayMap("float32", [2], "0000803f 00000040")} ff`.replace(/\s+/g, ""), "hex");
  const { data } = decodeMsgpack(pool.subarray(1, pool.length - 1), { arrays: "typed" });
  assert.deepEqual([...data], [1, 2]);
  pool.fill(0);
  assert.deepEqual([...data], [1, 2]);
  const bytes = decodeMsgpack(Buffer.from(arrayMap("uint8", [2], "0102").replace(/\s+/g, ""), "hex"), { arrays: "typed" });
  assert.equal(bytes.data.buffer.byteLength, 2, "its own buffer, not the pool");
});

test("a Node Buffer that is a slice of a larger pool decodes from its own offset", () => {
  const pool = Buffer.from("ffff93010203ffff", "hex");
  assert.deepEqual(decodeMsgpack(pool.subarray(2, 6)), [1, 2, 3]);
});
