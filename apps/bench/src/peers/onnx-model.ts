/**
 * A minimal protobuf writer for one-node ONNX models (onnx.proto3 field numbers), enough for
 * MatMul and Conv with float32 graph inputs. Built in memory: no model files, no onnx package.
 */

class Writer {
  private bytes: number[] = [];
  varint(v: number): this {
    let x = v;
    while (x > 0x7f) {
      this.bytes.push((x & 0x7f) | 0x80);
      x = Math.floor(x / 128);
    }
    this.bytes.push(x);
    return this;
  }
  /** Field key: number << 3 | wire type (0 varint, 2 length-delimited). */
  private key(field: number, wire: 0 | 2): this {
    return this.varint(field * 8 + wire);
  }
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  bytesField(field: number, data: Uint8Array | number[]): this {
    this.key(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytesField(field, inner.bytes);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INTS = 7; // AttributeProto.AttributeType.INTS

function valueInfo(w: Writer, field: number, name: string, shape: readonly number[]): void {
  w.message(field, (vi) => {
    vi.string(1, name); // ValueInfoProto.name
    vi.message(2, (tp) =>
      tp.message(1, (tt) => {
        // TypeProto.tensor_type: elem_type, shape
        tt.int(1, FLOAT);
        tt.message(2, (sh) => {
          for (const d of shape) sh.message(1, (dim) => dim.int(1, d)); // TensorShapeProto.dim.dim_value
        });
      }),
    );
  });
}

export interface OnnxNode {
  opType: string;
  inputs: { name: string; shape: readonly number[] }[];
  output: { name: string; shape: readonly number[] };
  intsAttributes?: Record<string, readonly number[]>;
}

/** ModelProto bytes: ir_version 8, opset 13, one graph with one node. */
export function oneNodeModel(node: OnnxNode): Uint8Array {
  const m = new Writer();
  m.int(1, 8); // ir_version
  m.string(2, 'stylegpu-bench'); // producer_name
  m.message(8, (op) => op.string(1, '').int(2, 13)); // opset_import
  m.message(7, (g) => {
    g.message(1, (n) => {
      for (const i of node.inputs) n.string(1, i.name);
      n.string(2, node.output.name);
      n.string(4, node.opType);
      for (const [name, ints] of Object.entries(node.intsAttributes ?? {})) {
        n.message(5, (a) => {
          a.string(1, name);
          for (const v of ints) a.int(8, v);
          a.int(20, ATTR_INTS);
        });
      }
    });
    g.string(2, 'g');
    for (const i of node.inputs) valueInfo(g, 11, i.name, i.shape);
    valueInfo(g, 12, node.output.name, node.output.shape);
  });
  return m.finish();
}
