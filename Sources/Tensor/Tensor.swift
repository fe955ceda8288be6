import Foundation

/// A Float32 tensor of up to 5 dimensions (N, C, F, H, W) over shared `Storage`, with strides for
/// views. Tensors are values for the user: operations return new tensors and record themselves on
/// the autograd graph when an input requires a gradient (see Autograd.swift).
public final class Tensor: @unchecked Sendable {
    public static let maxRank = 5

    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int
    /// True for parameters and for results of operations on them (while grad mode is on).
    public internal(set) var requiresGrad: Bool
    /// Accumulated gradient of a leaf that requires one, after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor (nil for leaves and constants).
    var node: Node?

    public init(storage: Storage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, requiresGrad: Bool = false) {
        precondition(shape.count <= Tensor.maxRank, "Tensor rank \(shape.count) exceeds \(Tensor.maxRank)")
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Tensor.contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// Zeros of the given shape.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(storage: Storage(count: shape.reduce(1, *)), shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor whose every element the caller is about to write.
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(storage: Storage(uninitializedCount: shape.reduce(1, *)), shape: shape)
    }

    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let storage = Storage(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
        self.init(storage: storage, shape: shape, requiresGrad: requiresGrad)
    }

    public convenience init(filling value: Float, shape: [Int]) {
        let storage = Storage(uninitializedCount: shape.reduce(1, *))
        storage.pointer.update(repeating: value, count: storage.count)
        self.init(storage: storage, shape: shape)
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor([value], shape: []) }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }
    public var isLeaf: Bool { node == nil }

    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// First element's address. Valid as a flat array only when `isContiguous`.
    public var data: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// Marks a leaf as a parameter (gradient wanted) or a constant.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        precondition(isLeaf, "only leaves can change requiresGrad")
        requiresGrad = flag
        return self
    }

    /// A leaf that shares this tensor's data but has no history (torch `detach`).
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Contiguous copy of the elements in logical order, or self when already contiguous.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor.uninitialized(shape)
        copyStrided(into: out.data)
        return record(out, inputs: [self]) { g in [g] }
    }

    /// Writes the elements in logical (row-major) order to `dst`.
    func copyStrided(into dst: UnsafeMutablePointer<Float>) {
        let n = count
        if n == 0 { return }
        if isContiguous { dst.update(from: data, count: n); return }
        // Pad to rank 5 and walk with the innermost dimension as the vector loop.
        let pad = Tensor.maxRank - rank
        let s = [Int](repeating: 1, count: pad) + shape
        let st = [Int](repeating: 0, count: pad) + strides
        let src = storage.pointer + offset
        var o = 0
        for i0 in 0..<s[0] { for i1 in 0..<s[1] { for i2 in 0..<s[2] { for i3 in 0..<s[3] {
            let base = i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3]
            let inner = st[4]
            for i4 in 0..<s[4] { dst[o + i4] = src[base + i4 * inner] }
            o += s[4]
        } } } }
    }

    /// Elements in logical order.
    public func toArray() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            if let base = buf.baseAddress { copyStrided(into: base) }
            initialized = count
        }
    }

    public func item() -> Float {
        precondition(count == 1, "item() on a tensor of \(count) elements")
        return data[0]
    }

    /// A contiguous copy with no history.
    public func clone() -> Tensor {
        let out = Tensor.uninitialized(shape)
        copyStrided(into: out.data)
        return out
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = toArray()
        let shown = values.prefix(8).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(values.count > 8 ? ", ..." : "")])"
    }
}
