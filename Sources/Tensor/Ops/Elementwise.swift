import ShadersCPU
import Foundation

// Elementwise arithmetic with NumPy broadcasting, unary maths and activations. Each operation's
// backward sits in its closure next to the forward.

/// A binary kernel, specialised per operation by the compiler (static dispatch in inner loops).
protocol BinaryKernel { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
enum MaxKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { Swift.max(a, b) } }

extension Tensor {
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let n = Swift.max(a.count, b.count)
        let pa = [Int](repeating: 1, count: n - a.count) + a
        let pb = [Int](repeating: 1, count: n - b.count) + b
        return zip(pa, pb).map { x, y in
            precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            return Swift.max(x, y)
        }
    }

    /// out = K(a, b) elementwise with broadcasting; no graph recording.
    static func binaryForward<K: BinaryKernel>(_: K.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = broadcastShape(a.shape, b.shape)
        let out = Tensor.uninitialized(shape)
        let o = out.data
        if a.shape == shape, b.shape == shape, a.isContiguous, b.isContiguous {
            let x = a.data, y = b.data
            parallelFor(out.count, grain: 1 << 16) { lo, hi in for i in lo..<hi { o[i] = K.apply(x[i], y[i]) } }
            return out
        }
        if b.count == 1, a.shape == shape, a.isContiguous {
            let x = a.data, y = b.data[0]
            parallelFor(out.count, grain: 1 << 16) { lo, hi in for i in lo..<hi { o[i] = K.apply(x[i], y) } }
            return out
        }
        let ea = a.expanded(to: shape).detached(), eb = b.expanded(to: shape).detached()
        let pad = maxRank - shape.count
        let s = [Int](repeating: 1, count: pad) + shape
        let sa = [Int](repeating: 0, count: pad) + ea.strides
        let sb = [Int](repeating: 0, count: pad) + eb.strides
        let pa = ea.storage.pointer + ea.offset, pb = eb.storage.pointer + eb.offset
        // Rows of the innermost axis, in parallel: row r is (i0, i1, i2, i3) in row-major order.
        let rows = s[0] * s[1] * s[2] * s[3], n = s[4]
        parallelFor(rows, grain: Swift.max(1, (1 << 16) / Swift.max(n, 1))) { lo, hi in
            for r in lo..<hi {
                let i3 = r % s[3], i2 = (r / s[3]) % s[2], i1 = (r / (s[3] * s[2])) % s[1], i0 = r / (s[3] * s[2] * s[1])
                let xa = pa + (i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3])
                let xb = pb + (i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3])
                let ia = sa[4], ib = sb[4], dst = o + r * n
                if ia == 1 && ib == 1 { for i in 0..<n { dst[i] = K.apply(xa[i], xb[i]) } }
                else if ia == 1 && ib == 0 { let v = xb[0]; for i in 0..<n { dst[i] = K.apply(xa[i], v) } }
                else if ia == 0 && ib == 1 { let v = xa[0]; for i in 0..<n { dst[i] = K.apply(v, xb[i]) } }
                else { for i in 0..<n { dst[i] = K.apply(xa[i * ia], xb[i * ib]) } }
            }
        }
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(AddKernel.self, a, b)
        return record(out, inputs: [a, b]) { g in [g.sum(to: a.shape), g.sum(to: b.shape)] }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(SubKernel.self, a, b)
        return record(out, inputs: [a, b]) { g in [g.sum(to: a.shape), (-g).sum(to: b.shape)] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(MulKernel.self, a, b)
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g * b).sum(to: a.shape) : nil, b.requiresGrad ? (g * a).sum(to: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(DivKernel.self, a, b)
        let y = out.detached()  // the closure must not hold `out` itself: out -> node -> closure -> out
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? (g / b).sum(to: a.shape) : nil,
             b.requiresGrad ? (-(g * y) / b).sum(to: b.shape) : nil]
        }
    }

    /// Elementwise maximum; the gradient goes to `a` where a >= b, else to `b`.
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = binaryForward(MaxKernel.self, a, b)
        return record(out, inputs: [a, b]) { g in
            let maskA = binaryForward(GreaterEqualKernel.self, a, b)
            return [(g * maskA).sum(to: a.shape), (g * (1 - maskA)).sum(to: b.shape)]
        }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a.mapScalar(b) { $0 + b } grad: { g in g } }
    public static func - (a: Tensor, b: Float) -> Tensor { a + (-b) }
    public static func * (a: Tensor, b: Float) -> Tensor { a.mapScalar(b) { $0 * b } grad: { g in g * b } }
    public static func / (a: Tensor, b: Float) -> Tensor { a * (1 / b) }
    public static func + (a: Float, b: Tensor) -> Tensor { b + a }
    public static func * (a: Float, b: Tensor) -> Tensor { b * a }
    public static func - (a: Float, b: Tensor) -> Tensor { (-b) + a }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor.scalar(a) / b }
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// A unary map whose gradient is a function of the incoming gradient only.
    private func mapScalar(_: Float, _ f: (Float) -> Float, grad: @escaping (Tensor) -> Tensor) -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        let x = src.data, o = out.data
        for i in 0..<count { o[i] = f(x[i]) }
        return record(out, inputs: [self]) { g in [grad(g)] }
    }

    /// Applies a C kernel `forward(x, y, n)` over contiguous memory, in parallel chunks.
    func applyKernel(_ forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void) -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        let x = src.data, y = out.data
        parallelFor(count, grain: 1 << 15) { lo, hi in forward(x + lo, y + lo, Int64(hi - lo)) }
        return out
    }

    /// dx = kernel(saved, dy) over contiguous memory, in parallel chunks.
    static func applyBackwardKernel(_ saved: Tensor, _ dy: Tensor,
                                    _ backward: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Void) -> Tensor {
        let s = saved.contiguous(), g = dy.contiguous()
        let out = Tensor.uninitialized(saved.shape)
        let a = s.data, b = g.data, d = out.data
        parallelFor(saved.count, grain: 1 << 15) { lo, hi in backward(a + lo, b + lo, d + lo, Int64(hi - lo)) }
        return out
    }

    public func exp() -> Tensor {
        let out = applyKernel { nn_exp_fwd($0, $1, $2) }
        let y = out.detached()
        return record(out, inputs: [self]) { g in [g * y] }
    }

    public func log() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Foundation.log(src.data[i]) }
        return record(out, inputs: [self]) { g in [g / self] }
    }

    public func sqrt() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = src.data[i].squareRoot() }
        let y = out.detached()
        return record(out, inputs: [self]) { g in [g / (y * 2)] }
    }

    /// x^p for a constant exponent.
    public func pow(_ p: Float) -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Foundation.pow(src.data[i], p) }
        return record(out, inputs: [self]) { g in [g * self.pow(p - 1) * p] }
    }

    /// Values limited to [low, high]; the gradient passes where the value was inside.
    public func clamped(_ low: Float, _ high: Float) -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Swift.min(high, Swift.max(low, src.data[i])) }
        return record(out, inputs: [self]) { g in
            let inside = Tensor((0..<src.count).map { src.data[$0] >= low && src.data[$0] <= high ? 1 : 0 }, shape: src.shape)
            return [g * inside]
        }
    }

    public func abs() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { out.data[i] = Swift.abs(src.data[i]) }
        return record(out, inputs: [self]) { g in [g * self.sign()] }
    }

    /// -1, 0 or 1 elementwise (no gradient).
    public func sign() -> Tensor {
        let src = contiguous()
        let out = Tensor.uninitialized(shape)
        for i in 0..<count { let v = src.data[i]; out.data[i] = v > 0 ? 1 : (v < 0 ? -1 : 0) }
        return out
    }

    public func relu() -> Tensor {
        let out = applyKernel { nn_relu_fwd($0, $1, $2) }
        let y = out.detached()
        return record(out, inputs: [self]) { g in [Tensor.applyBackwardKernel(y, g) { nn_relu_bwd($0, $1, $2, $3) }] }
    }

    /// torch.nn.Softplus: log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
    /// Backward: sigmoid(beta x).
    public func softplus(beta: Float = 1, threshold: Float = 20) -> Tensor {
        let src = contiguous()
        let out = applyKernel { nn_softplus_fwd($0, $1, $2, beta, threshold) }
        return record(out, inputs: [self]) { g in
            [Tensor.applyBackwardKernel(src, g) { nn_softplus_bwd($0, $1, $2, $3, beta, threshold) }]
        }
    }

    public func sigmoid() -> Tensor {
        let out = applyKernel { nn_sigmoid_fwd($0, $1, $2) }
        let y = out.detached()
        return record(out, inputs: [self]) { g in [Tensor.applyBackwardKernel(y, g) { nn_sigmoid_bwd($0, $1, $2, $3) }] }
    }

    public func tanh() -> Tensor {
        // tanh(x) = 2 sigmoid(2x) - 1
        let s = noGrad { (self * 2).sigmoid() }
        let out = s * 2 - 1
        let y = out.detached()
        return record(out, inputs: [self]) { g in [g * (1 - y * y)] }
    }

    /// SiLU (swish): x sigmoid(x).
    public func silu() -> Tensor {
        let out = applyKernel { nn_silu_fwd($0, $1, $2) }
        return record(out, inputs: [self]) { g in [Tensor.applyBackwardKernel(self, g) { nn_silu_bwd($0, $1, $2, $3) }] }
    }

    public enum GELUApproximation: Sendable { case none, tanh }

    /// GELU, exact (erf) or the tanh approximation, as torch.nn.functional.gelu.
    public func gelu(approximate: GELUApproximation = .none) -> Tensor {
        switch approximate {
        case .none:
            let out = applyKernel { nn_gelu_erf_fwd($0, $1, $2) }
            return record(out, inputs: [self]) { g in [Tensor.applyBackwardKernel(self, g) { nn_gelu_erf_bwd($0, $1, $2, $3) }] }
        case .tanh:
            let out = applyKernel { nn_gelu_tanh_fwd($0, $1, $2) }
            return record(out, inputs: [self]) { g in [Tensor.applyBackwardKernel(self, g) { nn_gelu_tanh_bwd($0, $1, $2, $3) }] }
        }
    }

    /// GEGLU (Shazeer 2020) as diffusers applies it after the projection: the last axis holds
    /// [hidden, gate]; returns hidden * gelu(gate) (erf form). One fused kernel each way: the composed
    /// form (chunk copies, gelu, product) cost 6% of a 96-frame UNet call.
    public func geglu() -> Tensor {
        let inner = shape[rank - 1] / 2
        precondition(shape[rank - 1] == 2 * inner, "geglu needs an even last axis, got \(shape)")
        let src = contiguous(), rows = count / Swift.max(2 * inner, 1)
        let out = Tensor.uninitialized(Array(shape.dropLast()) + [inner])
        let (x, y) = (src.data, out.data)
        parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(inner, 1))) { lo, hi in nn_geglu_fwd(x, y, Int64(lo), Int64(hi), Int64(inner)) }
        let saved = src.detached()
        return record(out, inputs: [self]) { g in
            let dy = g.contiguous(), dx = Tensor.uninitialized(saved.shape)
            let (px, pdy, pdx) = (saved.data, dy.data, dx.data)
            parallelFor(rows, grain: Swift.max(1, (1 << 14) / Swift.max(inner, 1))) { lo, hi in
                nn_geglu_bwd(px, pdy, pdx, Int64(lo), Int64(hi), Int64(inner))
            }
            return [dx]
        }
    }
}

enum GreaterEqualKernel: BinaryKernel { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a >= b ? 1 : 0 } }
