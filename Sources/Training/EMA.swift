import Tensor

/// An exponential moving average of a model's parameters (Polyak averaging, as diffusion models
/// keep for sampling): shadow <- decay * shadow + (1 - decay) * parameter after every step, with
/// the warm-up min(decay, (1 + step) / (10 + step)) so early averages are not dominated by the
/// random initialisation.
public final class ExponentialMovingAverage {
    public let decay: Float
    /// (key, shadow) in the model's parameter order.
    public private(set) var shadows: [(String, Tensor)]

    public init(_ named: [(String, Tensor)], decay: Float) {
        self.decay = decay
        shadows = named.map { ($0.0, Tensor($0.1.toArray(), shape: $0.1.shape)) }
    }

    /// The decay used after `step` optimiser steps (step counts from 1).
    public func effectiveDecay(step: Int) -> Float { min(decay, Float(1 + step) / Float(10 + step)) }

    /// Moves every shadow towards its parameter.
    public func update(_ named: [(String, Tensor)], step: Int) {
        precondition(named.count == shadows.count, "EMA built for \(shadows.count) parameters, given \(named.count)")
        let d = effectiveDecay(step: step)
        for ((_, p), (_, s)) in zip(named, shadows) {
            let (src, dst, n) = (p.contiguous().data, s.data, s.count)
            parallelFor(n, grain: 1 << 15) { lo, hi in
                for i in lo..<hi { dst[i] = d * dst[i] + (1 - d) * src[i] }
            }
        }
    }

    /// Runs `body` with the shadows' values in the parameters (sampling or saving the averaged model),
    /// then puts the trained values back.
    public func withAveragedWeights<T>(_ named: [(String, Tensor)], _ body: () throws -> T) rethrows -> T {
        precondition(named.count == shadows.count, "EMA built for \(shadows.count) parameters, given \(named.count)")
        func swap() {
            for ((_, p), (_, s)) in zip(named, shadows) {
                precondition(p.isContiguous, "EMA swaps contiguous parameters")
                let (a, b) = (p.data, s.data)
                for i in 0..<s.count { (a[i], b[i]) = (b[i], a[i]) }
            }
        }
        swap()
        defer { swap() }
        return try body()
    }

    /// Restores shadows saved under `prefix + key` (a checkpoint's EMA entries).
    public func restore(from values: (String) throws -> Tensor) rethrows {
        shadows = try shadows.map { key, shadow in
            let t = try values(key)
            precondition(t.shape == shadow.shape, "EMA entry \(key): shape \(t.shape), expected \(shadow.shape)")
            return (key, t.contiguous())
        }
    }
}
