/**
 * A msgpack decoder for what gym-http-server sends, with its numeric arrays.
 * The server answers msgpack when asked; a msgpack body is the JSON body
 * with every numpy array replaced by a map `{dtype, shape, data}` whose
 * `data` (bin) holds the elements little-endian, row-major. By default such
 * a map decodes to what the JSON body holds there (nested arrays of numbers,
 * non-finite floats as the strings "NaN", "Infinity", "-Infinity"), so a
 * caller sees the same values whichever encoding travelled; `arrays:
 * "typed"` keeps it as `{dtype, shape, data}` with `data` a typed array.
 *
 * Every msgpack family the server can send is read; extension types (and
 * the never-used byte 0xc1) are refused with a MsgpackDecodeError. Integers
 * beyond ±2**53 arrive as BigInts, all others as numbers.
 */

/** The bytes are not msgpack, or not msgpack this decoder reads. */
export class MsgpackDecodeError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "MsgpackDecodeError";
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** @param {number} x a non-finite number @returns {string} its wire string */
function nonFiniteText(x) {
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

/** @param {bigint} x a number when it is exact, else the bigint */
function exact(x) {
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

/**
 * IEEE 754 half precision, as numpy's float16 stores it.
 * @param {number} bits
 */
function halfToNumber(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Per dtype: element size, how to read one element as its JSON value, and
 * the typed array that holds them.
 * @type {Record<string, {size: number, float: boolean, read: (view: DataView, at: number) => unknown,
 *   typed: any}>}
 */
const DTYPES = {
  bool: { size: 1, float: false, read: (v, at) => v.getUint8(at) !== 0, typed: Uint8Array },
  int8: { size: 1, float: false, read: (v, at) => v.getInt8(at), typed: Int8Array },
  uint8: { size: 1, float: false, read: (v, at) => v.getUint8(at), typed: Uint8Array },
  int16: { size: 2, float: false, read: (v, at) => v.getInt16(at, true), typed: Int16Array },
  uint16: { size: 2, float: false, read: (v, at) => v.getUint16(at, true), typed: Uint16Array },
  int32: { size: 4, float: false, read: (v, at) => v.getInt32(at, true), typed: Int32Array },
  uint32: { size: 4, float: false, read: (v, at) => v.getUint32(at, true), typed: Uint32Array },
  int64: { size: 8, float: false, read: (v, at) => exact(v.getBigInt64(at, true)), typed: BigInt64Array },
  uint64: { size: 8, float: false, read: (v, at) => exact(v.getBigUint64(at, true)), typed: BigUint64Array },
  float16: { size: 2, float: true, read: (v, at) => halfToNumber(v.getUint16(at, true)), typed: Float32Array },
  float32: { size: 4, float: true, read: (v, at) => v.getFloat32(at, true), typed: Float32Array },
  float64: { size: 8, float: true, read: (v, at) => v.getFloat64(at, true), typed: Float64Array },
};

/** Strings this short are decoded by hand: cheaper than a TextDecoder call. */
const SHORT_STRING = 32;
const utf8 = new TextDecoder("utf-8", { fatal: true });

class Reader {
  /**
   * @param {Uint8Array} bytes
   * @param {boolean} typed
   */
  constructor(bytes, typed) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.typed = typed;
  }

  /** @param {number} n bytes the next item needs */
  need(n) {
    if (this.pos + n > this.bytes.length) {
      throw new MsgpackDecodeError(`truncated msgpack: ${n} more bytes needed at offset ${this.pos}`);
    }
  }

  u8() { this.need(1); return this.bytes[this.pos++]; }
  u16() { this.need(2); const x = this.view.getUint16(this.pos); this.pos += 2; return x; }
  u32() { this.need(4); const x = this.view.getUint32(this.pos); this.pos += 4; return x; }

  /** @returns {unknown} */
  value() {
    const byte = this.u8();
    if (byte <= 0x7f) return byte;
    if (byte >= 0xe0) return byte - 0x100;
    if (byte <= 0x8f) return this.map(byte & 0x0f);
    if (byte <= 0x9f) return this.array(byte & 0x0f);
    if (byte <= 0xbf) return this.str(byte & 0x1f);
    const { view } = this;
    let x;
    switch (byte) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: this.need(4); x = view.getFloat32(this.pos); this.pos += 4; return this.float(x);
      case 0xcb: this.need(8); x = view.getFloat64(this.pos); this.pos += 8; return this.float(x);
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: this.need(8); x = exact(view.getBigUint64(this.pos)); this.pos += 8; return x;
      case 0xd0: this.need(1); x = view.getInt8(this.pos); this.pos += 1; return x;
      case 0xd1: this.need(2); x = view.getInt16(this.pos); this.pos += 2; return x;
      case 0xd2: this.need(4); x = view.getInt32(this.pos); this.pos += 4; return x;
      case 0xd3: this.need(8); x = exact(view.getBigInt64(this.pos)); this.pos += 8; return x;
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16());
      case 0xdd: return this.array(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default: {
        const kind = byte === 0xc1 ? "the never-used byte" : "extension type";
        throw new MsgpackDecodeError(`unsupported msgpack ${kind} 0x${byte.toString(16)} at offset ${this.pos - 1}`);
      }
    }
  }

  /** @param {number} length */
  str(length) {
    this.need(length);
    const { bytes } = this;
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    if (length <= SHORT_STRING) {
      let text = "";
      for (let i = start; i < end; i += 1) {
        const c = bytes[i];
        if (c >= 0x80) return this.utf8(start, end);
        text += String.fromCharCode(c);
      }
      return text;
    }
    return this.utf8(start, end);
  }

  /** @param {number} start @param {number} end */
  utf8(start, end) {
    try {
      return utf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw new MsgpackDecodeError(`invalid UTF-8 in a msgpack str at offset ${start}`);
    }
  }

  /** A view of the bytes, not a copy. @param {number} length */
  bin(length) {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  }

  /** @param {number} length */
  array(length) {
    // Each element takes at least a byte: a bogus length fails here, not in allocation.
    this.need(length);
    const out = new Array(length);
    for (let i = 0; i < length; i += 1) out[i] = this.value();
    return out;
  }

  /** @param {number} size */
  map(size) {
    this.need(size * 2);
    /** @type {Record<string, unknown>} */
    const out = {};
    for (let i = 0; i < size; i += 1) {
      const at = this.pos;
      const key = this.value();
      if (typeof key !== "string") throw new MsgpackDecodeError(`a msgpack map key at offset ${at} is not a string`);
      const item = this.value();
      if (key === "__proto__") Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
      else out[key] = item;
    }
    if (size === 3 && out.data instanceof Uint8Array) return this.numericArray(out);
    return out;
  }

  /**
   * A float scalar: non-finite ones as the strings the JSON body holds, unless
   * arrays are typed (then as numbers).
   * @param {number} x
   */
  float(x) {
    return this.typed || Number.isFinite(x) ? x : nonFiniteText(x);
  }

  /**
   * A `{dtype, shape, data}` map as nested arrays, or with a typed `data`.
   * @param {Record<string, any>} map
   */
  numericArray(map) {
    const { dtype, shape, data } = map;
    const kind = DTYPES[dtype];
    if (kind === undefined || !Object.hasOwn(DTYPES, dtype)) throw new MsgpackDecodeError(`unknown array dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new MsgpackDecodeError(`array shape ${JSON.stringify(shape)} is not a list of sizes`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count * kind.size) {
      throw new MsgpackDecodeError(`array data holds ${data.length} bytes, not ${count} ${dtype} elements`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // shape []: a numpy scalar on the server, a plain number (or bigint) here in either mode
    if (this.typed && shape.length > 0) return { dtype, shape, data: typedArray(kind, data, view, count) };
    const { read, float, size } = kind;
    let at = 0;
    const element = float
      ? () => { const x = /** @type {number} */ (read(view, at)); at += size; return Number.isFinite(x) ? x : nonFiniteText(x); }
      : dtype === "uint8"
        ? () => data[at++]
        : () => { const x = read(view, at); at += size; return x; };
    /** @param {number} axis @returns {unknown} */
    const nest = (axis) => {
      if (axis === shape.length) return element();
      const n = shape[axis];
      const out = new Array(n);
      for (let i = 0; i < n; i += 1) out[i] = nest(axis + 1);
      return out;
    };
    return nest(0);
  }
}

/**
 * The elements of `data` in their typed array, copied so that the array is
 * aligned and independent of the response buffer.
 * @param {typeof DTYPES[string]} kind
 * @param {Uint8Array} data
 * @param {DataView} view
 * @param {number} count
 */
function typedArray(kind, data, view, count) {
  // new Uint8Array(data) copies; a Buffer's own slice() would not.
  if (kind.typed === Uint8Array) return new Uint8Array(data);
  if (LITTLE_ENDIAN_HOST && kind.typed.BYTES_PER_ELEMENT === kind.size) return new kind.typed(new Uint8Array(data).buffer);
  const out = new kind.typed(count);
  const big = kind.size === 8 && !kind.float;
  for (let i = 0; i < count; i += 1) {
    const x = kind.read(view, i * kind.size);
    out[i] = big ? BigInt(/** @type {number | bigint} */ (x)) : x;
  }
  return out;
}

/**
 * One msgpack value from `bytes`, which must hold exactly that value.
 * @param {Uint8Array} bytes
 * @param {{arrays?: "nested" | "typed"}} [options]
 * @returns {unknown}
 */
export function decodeMsgpack(bytes, { arrays = "nested" } = {}) {
  const reader = new Reader(bytes, arrays === "typed");
  const value = reader.value();
  if (reader.pos !== bytes.length) {
    throw new MsgpackDecodeError(`${bytes.length - reader.pos} bytes left over after a msgpack value`);
  }
  return value;
}
