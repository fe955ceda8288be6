import Foundation
import ShadersCPU
import Tensor

/// Parameters that share a learning rate and weight decay.
public struct ParameterGroup {
    public var name: String
    public var parameters: [Tensor]
    public var learningRate: Float
    public var weightDecay: Float
    /// Multiplies the learning rate by schedule(step) when set.
    public var schedule: LearningRateSchedule?

    public init(name: String = "", parameters: [Tensor], learningRate: Float, weightDecay: Float = 0,
                schedule: LearningRateSchedule? = nil) {
        self.name = name
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.schedule = schedule
    }
}

/// Adam (Kingma & Ba 2015) with bias correction; `decoupled` gives AdamW (Loshchilov & Hutter
/// 2019). Parameter groups carry their own learning rates and schedules.
public final class Adam {
    public var groups: [ParameterGroup]
    public let beta1: Float, beta2: Float, eps: Float
    public let decoupled: Bool
    public private(set) var step = 0
    private var moments: [ObjectIdentifier: (m: Tensor, v: Tensor)] = [:]

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                decoupled: Bool = false) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.decoupled = decoupled
    }

    public static func adamW(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999,
                             eps: Float = 1e-8) -> Adam {
        Adam(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }

    /// The learning rate group `g` uses at the current step.
    public func learningRate(group g: Int) -> Float {
        groups[g].learningRate * (groups[g].schedule?.factor(step: step) ?? 1)
    }

    /// One update of every parameter that has a gradient.
    public func update() {
        let lrs = groups.indices.map { learningRate(group: $0) }
        step += 1
        let bc1 = 1 - Foundation.pow(beta1, Float(step)), bc2 = 1 - Foundation.pow(beta2, Float(step))
        for (gi, group) in groups.enumerated() {
            for p in group.parameters {
                guard let g = p.grad?.contiguous() else { continue }
                precondition(p.isContiguous, "Adam updates contiguous parameters in place")
                let id = ObjectIdentifier(p)
                let state = moments[id] ?? (Tensor(zeros: p.shape), Tensor(zeros: p.shape))
                moments[id] = state
                let (pp, pg, pm, pv) = (p.data, g.data, state.m.data, state.v.data)
                let (lr, wd, b1, b2, e, dec) = (lrs[gi], group.weightDecay, beta1, beta2, eps, Int32(decoupled ? 1 : 0))
                parallelFor(p.count, grain: 1 << 14) { lo, hi in
                    nn_adam_step(pp + lo, pg + lo, pm + lo, pv + lo, Int64(hi - lo), lr, b1, b2, e, wd, bc1, bc2, dec)
                }
            }
        }
    }

    public func zeroGrad() {
        for g in groups { for p in g.parameters { p.zeroGrad() } }
    }

    /// The first and second moments of a parameter (for checkpoints), nil before its first update.
    public func moments(of p: Tensor) -> (m: Tensor, v: Tensor)? { moments[ObjectIdentifier(p)] }

    /// Restores a checkpoint's optimiser state: the step count and, per parameter, its moments.
    public func restore(step: Int, moments saved: [(parameter: Tensor, m: Tensor, v: Tensor)]) {
        self.step = step
        moments = [:]
        for (p, m, v) in saved {
            precondition(m.shape == p.shape && v.shape == p.shape, "Adam moments of shape \(m.shape) for a \(p.shape) parameter")
            moments[ObjectIdentifier(p)] = (m.contiguous(), v.contiguous())
        }
    }
}

/// A factor on the base learning rate as a function of the step.
public protocol LearningRateSchedule {
    func factor(step: Int) -> Float
}

/// Linear from `start` to `end` over `steps`, then constant; an optional linear warm-up from 0.
public struct LinearSchedule: LearningRateSchedule {
    public let start: Float, end: Float, steps: Int, warmup: Int
    public init(start: Float = 1, end: Float, steps: Int, warmup: Int = 0) {
        self.start = start
        self.end = end
        self.steps = steps
        self.warmup = warmup
    }
    public func factor(step: Int) -> Float {
        if step < warmup { return Float(step + 1) / Float(warmup) }
        let t = min(1, Float(step - warmup) / Float(max(1, steps - warmup)))
        return start + (end - start) * t
    }
}

/// A linear warm-up from 0, the full rate, then (optionally) a linear anneal to `finalFactor` over
/// `annealSteps` steps from step `annealFrom`, constant after it: a long run's closing phase.
public struct WarmupAnnealSchedule: LearningRateSchedule, Sendable {
    public let warmup: Int
    /// From `annealFrom` the factor falls linearly from `startFactor` to `finalFactor` over `annealSteps`;
    /// a start factor other than 1 makes the anneal a warm restart at that level.
    public let annealFrom: Int?, annealSteps: Int, startFactor: Float, finalFactor: Float

    public init(warmup: Int, annealFrom: Int? = nil, annealSteps: Int = 1, startFactor: Float = 1, finalFactor: Float = 1) {
        (self.warmup, self.annealFrom, self.annealSteps) = (warmup, annealFrom, max(1, annealSteps))
        (self.startFactor, self.finalFactor) = (startFactor, finalFactor)
    }

    public func factor(step: Int) -> Float {
        if step < warmup { return Float(step + 1) / Float(warmup) }
        guard let annealFrom, step >= annealFrom else { return 1 }
        return startFactor + (finalFactor - startFactor) * min(1, Float(step - annealFrom) / Float(annealSteps))
    }
}

/// Cosine from 1 to `minFactor` over `steps` (Loshchilov & Hutter 2017), with optional warm-up.
public struct CosineSchedule: LearningRateSchedule {
    public let steps: Int, minFactor: Float, warmup: Int
    public init(steps: Int, minFactor: Float = 0, warmup: Int = 0) {
        self.steps = steps
        self.minFactor = minFactor
        self.warmup = warmup
    }
    public func factor(step: Int) -> Float {
        if step < warmup { return Float(step + 1) / Float(warmup) }
        let t = min(1, Float(step - warmup) / Float(max(1, steps - warmup)))
        return minFactor + (1 - minFactor) * 0.5 * (1 + Foundation.cos(Float.pi * t))
    }
}

/// Exponential (log-linear) from 1 to `finalFactor` over `steps`, as 3DGS decays position
/// learning rates; constant afterwards.
public struct ExponentialSchedule: LearningRateSchedule {
    public let finalFactor: Float, steps: Int
    public init(finalFactor: Float, steps: Int) {
        self.finalFactor = finalFactor
        self.steps = steps
    }
    public func factor(step: Int) -> Float {
        let t = min(1, Float(step) / Float(max(1, steps)))
        return Foundation.exp(t * Foundation.log(finalFactor))
    }
}

/// Scales gradients so their global L2 norm is at most `maxNorm` (torch clip_grad_norm_);
/// returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters { if let g = p.grad { for v in g.toArray() { total += Double(v) * Double(v) } } }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 { for p in parameters { if let g = p.grad { p.grad = noGrad { g * scale } } } }
    return norm
}

/// Clamps every gradient element to [-limit, limit].
public func clipGradValue(_ parameters: [Tensor], limit: Float) {
    for p in parameters {
        guard let g = p.grad else { continue }
        p.grad = Tensor(g.toArray().map { min(max($0, -limit), limit) }, shape: g.shape)
    }
}
