// Views share storage: reshape (of a contiguous tensor), permute, transpose, slice, expand.
// Each records its adjoint so gradients flow through views like through any other op.

extension Tensor {
    /// Same elements, new shape; one dimension may be -1. Copies only when not contiguous.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var dims = newShape
        if let i = dims.firstIndex(of: -1) {
            let known = dims.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            dims[i] = known == 0 ? 0 : count / known
        }
        precondition(dims.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let src = contiguous()
        let out = Tensor(storage: src.storage, shape: dims, offset: src.offset)
        let inShape = shape
        return record(out, inputs: [src]) { g in [g.reshaped(inShape)] }
    }

    public func flattened() -> Tensor { reshaped([count]) }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        var s = shape
        s.insert(1, at: axis < 0 ? axis + rank + 1 : axis)
        return reshaped(s)
    }

    /// Removes the dimension `axis`, which must have size 1.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(shape[a] == 1, "squeeze of axis \(axis) with size \(shape[a])")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Reorders dimensions: output dimension i is input dimension dims[i].
    public func permuted(_ dims: [Int]) -> Tensor {
        precondition(dims.sorted() == Array(0..<rank), "permutation \(dims) of rank \(rank)")
        let out = Tensor(storage: storage, shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return record(out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var dims = Array(0..<rank)
        dims.swapAt(normalizedAxis(a), normalizedAxis(b))
        return permuted(dims)
    }

    /// Elements start..<end along `axis` (a view).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) of axis size \(shape[a])")
        var s = shape
        s[a] = range.count
        let out = Tensor(storage: storage, shape: s, strides: strides, offset: offset + range.lowerBound * strides[a])
        let inShape = shape
        return record(out, inputs: [self]) { g in
            var pads = [(Int, Int)](repeating: (0, 0), count: inShape.count)
            pads[a] = (range.lowerBound, inShape[a] - range.upperBound)
            return [g.padded(pads)]
        }
    }

    /// Broadcasts dimensions of size 1 (and missing leading ones) to `newShape` without copying.
    public func expanded(to newShape: [Int]) -> Tensor {
        precondition(newShape.count >= rank, "cannot expand \(shape) to \(newShape)")
        let lead = newShape.count - rank
        var st = [Int](repeating: 0, count: newShape.count)
        for i in 0..<rank {
            let target = newShape[lead + i]
            if shape[i] == target { st[lead + i] = strides[i] }
            else {
                precondition(shape[i] == 1, "cannot expand \(shape) to \(newShape)")
                st[lead + i] = 0
            }
        }
        if newShape == shape { return self }
        let out = Tensor(storage: storage, shape: newShape, strides: st, offset: offset)
        let inShape = shape
        return record(out, inputs: [self]) { g in [g.sum(to: inShape)] }
    }

    func normalizedAxis(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
        return a
    }
}
