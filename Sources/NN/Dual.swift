import Tensor

/// A value with its forward-mode derivatives along D input directions: `value` [*], `tangent`
/// [D, *] (nil: constant in the inputs). The tangents are ordinary tensors built from recorded
/// operations, so reverse mode differentiates them too: a loss on a field's spatial gradient (an
/// eikonal term, normals) trains the field without double backward. For an MLP on points, D = 3
/// and the tangent of the output is the field's gradient.
public struct Dual {
    public var value: Tensor
    public var tangent: Tensor?

    /// A tangent that broadcasts to the value's shape (after its leading axis) is expanded to it.
    public init(_ value: Tensor, tangent: Tensor? = nil) {
        self.value = value
        if let tangent, Array(tangent.shape.dropFirst()) != value.shape {
            self.tangent = tangent.expanded(to: [tangent.shape[0]] + value.shape)
        } else {
            self.tangent = tangent
        }
    }

    /// Rows [R, C] as the inputs themselves: tangent[d, r, c] = (d == c).
    public static func variable(_ points: Tensor) -> Dual {
        precondition(points.rank == 2, "variable points are [R, C]")
        let (rows, columns) = (points.shape[0], points.shape[1])
        var eye = [Float](repeating: 0, count: columns * rows * columns)
        for d in 0..<columns { for r in 0..<rows { eye[(d * rows + r) * columns + d] = 1 } }
        return Dual(points, tangent: Tensor(eye, shape: [columns, rows, columns]))
    }

    public var shape: [Int] { value.shape }

    /// x W^T + b on the last axis; the tangent takes x W^T only.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Dual {
        Dual(value.linear(weight: weight, bias: bias), tangent: tangent?.linear(weight: weight))
    }

    /// The tangent's factor sigmoid(beta x) is 1 in Float above the threshold (20), as softplus's slope.
    public func softplus(beta: Float, threshold: Float = 20) -> Dual {
        Dual(value.softplus(beta: beta, threshold: threshold), tangent: tangent.map { $0 * (value * beta).sigmoid() })
    }

    public func relu() -> Dual {
        Dual(value.relu(), tangent: tangent.map { $0 * noGrad { value.relu().sign() } })
    }

    public func activated(_ activation: RowActivation) -> Dual {
        switch activation {
        case .relu: relu()
        case let .softplus(beta, threshold): softplus(beta: beta, threshold: threshold)
        }
    }

    public func exp() -> Dual {
        let e = value.exp()
        return Dual(e, tangent: tangent.map { $0 * e })
    }

    public func sqrt() -> Dual {
        let r = value.sqrt()
        return Dual(r, tangent: tangent.map { $0 / (r * 2) })
    }

    public func sum(axis: Int, keepDims: Bool = false) -> Dual {
        let a = axis < 0 ? axis + value.rank : axis
        return Dual(value.sum(axes: [a], keepDims: keepDims), tangent: tangent?.sum(axes: [a + 1], keepDims: keepDims))
    }

    public func reshaped(_ shape: [Int]) -> Dual {
        Dual(value.reshaped(shape), tangent: tangent.map { $0.reshaped([$0.shape[0]] + shape) })
    }

    /// Columns `range` of the last axis.
    public func lastAxis(_ range: Range<Int>) -> Dual {
        Dual(value.slice(axis: value.rank - 1, range), tangent: tangent?.slice(axis: value.rank, range))
    }

    /// Rows of [R, C] (see Tensor.gatherRows).
    public func gatherRows(_ indices: [Int32]) -> Dual {
        guard let tangent else { return Dual(value.gatherRows(indices)) }
        let (d, rows, width) = (tangent.shape[0], value.shape[0], value.shape[1])
        let all = (0..<d).flatMap { k in indices.map { $0 + Int32(k * rows) } }
        return Dual(value.gatherRows(indices), tangent: tangent.reshaped([d * rows, width]).gatherRows(all).reshaped([d, indices.count, width]))
    }

    /// Rows of [n, C] summed into [rows, C] (see Tensor.scatterAddRows).
    public func scatterAddRows(_ indices: [Int32], rows: Int) -> Dual {
        guard let tangent else { return Dual(value.scatterAddRows(indices, rows: rows)) }
        let (d, n, width) = (tangent.shape[0], value.shape[0], value.shape[1])
        let all = (0..<d).flatMap { k in indices.map { $0 + Int32(k * rows) } }
        return Dual(value.scatterAddRows(indices, rows: rows),
                    tangent: tangent.reshaped([d * n, width]).scatterAddRows(all, rows: d * rows).reshaped([d, rows, width]))
    }

    /// Concatenation on the last axis; a constant part gets zero tangents.
    public static func concatLast(_ parts: [Dual]) -> Dual {
        let value = Tensor.concat(parts.map(\.value), axis: parts[0].value.rank - 1)
        guard let d = parts.lazy.compactMap({ $0.tangent?.shape[0] }).first else { return Dual(value) }
        let tangents = parts.map { $0.tangent ?? Tensor(zeros: [d] + $0.shape) }
        return Dual(value, tangent: Tensor.concat(tangents, axis: parts[0].value.rank))
    }

    /// Concatenation on the first axis (rows); all parts with tangents or none.
    public static func concatRows(_ parts: [Dual]) -> Dual {
        let value = Tensor.concat(parts.map(\.value), axis: 0)
        let tangents = parts.compactMap(\.tangent)
        guard !tangents.isEmpty else { return Dual(value) }
        precondition(tangents.count == parts.count, "concatRows: every part needs a tangent, or none")
        return Dual(value, tangent: Tensor.concat(tangents, axis: 1))
    }

    static func add(_ a: Tensor?, _ b: Tensor?) -> Tensor? {
        switch (a, b) {
        case let (x?, y?): return x + y
        case let (x?, nil): return x
        case let (nil, y?): return y
        default: return nil
        }
    }

    public static func + (a: Dual, b: Dual) -> Dual { Dual(a.value + b.value, tangent: add(a.tangent, b.tangent)) }
    public static func - (a: Dual, b: Dual) -> Dual { Dual(a.value - b.value, tangent: add(a.tangent, b.tangent.map { $0 * -1 })) }
    public static func * (a: Dual, b: Dual) -> Dual {
        Dual(a.value * b.value, tangent: add(a.tangent.map { $0 * b.value }, b.tangent.map { $0 * a.value }))
    }
    public static func / (a: Dual, b: Dual) -> Dual {
        let q = a.value / b.value
        return Dual(q, tangent: add(a.tangent.map { $0 / b.value }, b.tangent.map { $0 * (q / b.value) * -1 }))
    }
    public static func + (a: Dual, b: Tensor) -> Dual { Dual(a.value + b, tangent: a.tangent) }
    public static func - (a: Dual, b: Tensor) -> Dual { Dual(a.value - b, tangent: a.tangent) }
    public static func * (a: Dual, b: Tensor) -> Dual { Dual(a.value * b, tangent: a.tangent.map { $0 * b }) }
    public static func * (a: Dual, b: Float) -> Dual { Dual(a.value * b, tangent: a.tangent.map { $0 * b }) }
    public static func + (a: Dual, b: Float) -> Dual { Dual(a.value + b, tangent: a.tangent) }
}
