// Reductions over axes: sum, mean, max; and sum(to:), the adjoint of broadcasting.

extension Tensor {
    /// Sum over all elements (scalar result).
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Sum over `axes`; keepDims leaves them as size 1.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { normalizedAxis($0) })
        var out = self.detached().contiguous()
        for a in ax.sorted(by: >) { out = out.sumAxisKeepingDim(a) }
        let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let finalShape = keepDims ? keptShape : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        out = Tensor(storage: out.storage, shape: finalShape, offset: out.offset)
        let inShape = shape
        return record(out, inputs: [self]) { g in [g.reshaped(keptShape).expanded(to: inShape).contiguous()] }
    }

    public func mean() -> Tensor { sum() / Float(Swift.max(count, 1)) }

    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = axes.map { shape[normalizedAxis($0)] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) / Float(n)
    }

    /// Sums a broadcast result back to `target` (leading dims and dims of size 1).
    public func sum(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sum(to:) from \(shape) to \(target)")
        var axes = Array(0..<lead)
        for (i, t) in target.enumerated() where t == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }

    /// Sum along one axis keeping it as size 1 (no recording). Float accumulation vectorised over
    /// the inner extent; a single row accumulates in double.
    func sumAxisKeepingDim(_ a: Int) -> Tensor {
        let src = contiguous()
        let outer = shape[..<a].reduce(1, *), r = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = 1
        let out = Tensor(zeros: outShape)
        let x = src.data, o = out.data
        if inner == 1 {
            parallelFor(outer, grain: 64) { lo, hi in
                for i in lo..<hi {
                    var s: Double = 0
                    let row = x + i * r
                    for j in 0..<r { s += Double(row[j]) }
                    o[i] = Float(s)
                }
            }
        } else {
            parallelFor(outer, grain: 1) { lo, hi in
                for i in lo..<hi {
                    let dst = o + i * inner
                    for j in 0..<r {
                        let row = x + (i * r + j) * inner
                        for k in 0..<inner { dst[k] += row[k] }
                    }
                }
            }
        }
        return out
    }

    /// Maximum along one axis; the gradient goes to the first maximal element.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let a = normalizedAxis(axis)
        let src = contiguous()
        let outer = shape[..<a].reduce(1, *), r = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var kept = shape
        kept[a] = 1
        let out = Tensor.uninitialized(kept)
        var argmax = [Int](repeating: 0, count: outer * inner)
        let x = src.data
        for i in 0..<outer {
            for k in 0..<inner {
                var best = -Float.infinity, bj = 0
                for j in 0..<r where x[(i * r + j) * inner + k] > best { best = x[(i * r + j) * inner + k]; bj = j }
                out.data[i * inner + k] = best
                argmax[i * inner + k] = bj
            }
        }
        var finalShape = shape
        if keepDims { finalShape[a] = 1 } else { finalShape.remove(at: a) }
        let result = Tensor(storage: out.storage, shape: finalShape)
        let inShape = shape
        return record(result, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(zeros: inShape)
            for i in 0..<outer { for k in 0..<inner {
                dx.data[(i * r + argmax[i * inner + k]) * inner + k] = gc.data[i * inner + k]
            } }
            return [dx]
        }
    }
}

extension Tensor {
    /// How many elements are NaN or infinite (for checks on data read from files, not on the tape).
    public var nonFiniteCount: Int {
        let values = detached().contiguous()
        return (0..<count).reduce(0) { $0 + (values.data[$1].isFinite ? 0 : 1) }
    }
}
