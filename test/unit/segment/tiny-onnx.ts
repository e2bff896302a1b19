// Writes tiny ONNX models in code (protobuf by hand), so the model segmenter's plumbing is tested without weights.
// The model maps an NCHW image to per-pixel "saliency" maps: `side` = channel mean (bright = high) listed first,
// `output` = minus the channel mean (dark = high). A dark object on a light background is salient only in
// `output`, which is the one a rembg-style segmenter must read.

type Field = Buffer;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // int64 two's complement, as protobuf writes negative numbers
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

function intField(field: number, value: number): Field {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

function bytesField(field: number, body: Buffer | string): Field {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

function tensorValueInfo(name: string, shape: number[]): Buffer {
  const dims = shape.map((d) => bytesField(1, intField(1, d)));
  const tensorType = Buffer.concat([intField(1, 1 /* FLOAT */), bytesField(2, Buffer.concat(dims))]);
  return Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

function node(opType: string, inputs: string[], outputs: string[], attributes: Buffer[] = []): Buffer {
  return Buffer.concat([
    ...inputs.map((i) => bytesField(1, i)),
    ...outputs.map((o) => bytesField(2, o)),
    bytesField(3, `${opType}_${outputs[0]}`),
    bytesField(4, opType),
    ...attributes.map((a) => bytesField(5, a)),
  ]);
}

function intsAttribute(name: string, values: number[]): Buffer {
  return Buffer.concat([bytesField(1, name), ...values.map((v) => intField(8, v)), intField(20, 7 /* INTS */)]);
}

function intAttribute(name: string, value: number): Buffer {
  return Buffer.concat([bytesField(1, name), intField(3, value), intField(20, 2 /* INT */)]);
}

/** The model described above, with input `inputName` of [1, channels, size, size]. */
export function meanSaliencyModel(inputName: string, size: number, channels = 3): Buffer {
  const graph = Buffer.concat([
    bytesField(1, node('ReduceMean', [inputName], ['side'], [intsAttribute('axes', [1]), intAttribute('keepdims', 1)])),
    bytesField(1, node('Neg', ['side'], ['output'])),
    bytesField(2, 'mean_saliency'),
    bytesField(11, tensorValueInfo(inputName, [1, channels, size, size])),
    bytesField(12, tensorValueInfo('side', [1, 1, size, size])),
    bytesField(12, tensorValueInfo('output', [1, 1, size, size])),
  ]);
  const opset = Buffer.concat([bytesField(1, ''), intField(2, 13)]);
  return Buffer.concat([intField(1, 8 /* ir_version */), bytesField(8, opset), bytesField(7, graph)]);
}
