// Copying shape operations: concat, split, zero padding.

extension Tensor {
    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat of nothing")
        let a = parts[0].normalizedAxis(axis)
        var shape = parts[0].shape
        shape[a] = parts.map { $0.shape[a] }.reduce(0, +)
        for p in parts {
            var s = p.shape
            s[a] = shape[a]
            precondition(s == shape, "concat: shape \(p.shape) does not fit \(parts[0].shape) along axis \(a)")
        }
        let out = Tensor.uninitialized(shape)
        let outer = shape[..<a].reduce(1, *)
        let inner = shape[(a + 1)...].reduce(1, *)
        var start = 0
        for p in parts {
            let src = p.contiguous()
            let width = p.shape[a] * inner
            for o in 0..<outer {
                (out.data + o * shape[a] * inner + start * inner).update(from: src.data + o * width, count: width)
            }
            start += p.shape[a]
        }
        let sizes = parts.map { $0.shape[a] }
        return record(out, inputs: parts) { g in g.split(sizes: sizes, axis: a) }
    }

    /// Splits along `axis` into pieces of the given sizes (views).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis)
        precondition(sizes.reduce(0, +) == shape[a], "split sizes \(sizes) do not sum to \(shape[a])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: a, start..<(start + size)).contiguous()
        }
    }

    /// Splits into `n` equal pieces along `axis` (torch `chunk`).
    public func chunked(_ n: Int, axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis)
        precondition(shape[a] % n == 0, "chunk: axis size \(shape[a]) not divisible by \(n)")
        return split(sizes: [Int](repeating: shape[a] / n, count: n), axis: a)
    }

    /// Zero padding: pads[i] = (before, after) for dimension i.
    public func padded(_ pads: [(Int, Int)]) -> Tensor {
        precondition(pads.count == rank, "padded needs one (before, after) per dimension")
        let outShape = zip(shape, pads).map { $0 + $1.0 + $1.1 }
        let out = Tensor(zeros: outShape)
        var off = 0
        for (i, p) in pads.enumerated() { off += p.0 * out.strides[i] }
        let window = Tensor(storage: out.storage, shape: shape, strides: out.strides, offset: off)
        copy(from: self, into: window)
        let inShape = shape
        return record(out, inputs: [self]) { g in
            var v = g
            for (i, p) in pads.enumerated() where p.0 != 0 || p.1 != 0 {
                v = v.slice(axis: i, p.0..<(p.0 + inShape[i]))
            }
            return [v.contiguous()]
        }
    }

    /// Pads the last two dimensions (H, W) with zeros.
    public func padded2d(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        var pads = [(Int, Int)](repeating: (0, 0), count: rank)
        pads[rank - 2] = (top, bottom)
        pads[rank - 1] = (left, right)
        return padded(pads)
    }
}

/// Copies `src` into the (possibly strided) view `dst` of the same shape.
func copy(from src: Tensor, into dst: Tensor) {
    precondition(src.shape == dst.shape)
    let pad = Tensor.maxRank - src.rank
    let s = [Int](repeating: 1, count: pad) + src.shape
    let ss = [Int](repeating: 0, count: pad) + src.strides
    let ds = [Int](repeating: 0, count: pad) + dst.strides
    let sp = src.storage.pointer + src.offset
    let dp = dst.storage.pointer + dst.offset
    for i0 in 0..<s[0] { for i1 in 0..<s[1] { for i2 in 0..<s[2] { for i3 in 0..<s[3] {
        let sb = i0 * ss[0] + i1 * ss[1] + i2 * ss[2] + i3 * ss[3]
        let db = i0 * ds[0] + i1 * ds[1] + i2 * ds[2] + i3 * ds[3]
        for i4 in 0..<s[4] { dp[db + i4 * ds[4]] = sp[sb + i4 * ss[4]] }
    } } } }
}
