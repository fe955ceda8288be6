import Foundation
import Tensor

/// DDIM (Song et al. 2021) on a discrete schedule, as diffusers' DDIMScheduler with
/// scaled-linear betas, "leading" timestep spacing, steps_offset and set_alpha_to_one = false.
public struct DDIMScheduler: Sendable {
    public enum Prediction: Sendable { case epsilon, vPrediction }

    public let trainSteps: Int
    public let prediction: Prediction
    public let stepsOffset: Int
    /// Cumulative products of (1 - beta), float32 as the reference accumulates them.
    public let alphasCumprod: [Float]

    public init(trainSteps: Int = 1000, betaStart: Float = 0.00085, betaEnd: Float = 0.012,
                prediction: Prediction = .epsilon, stepsOffset: Int = 1) {
        self.trainSteps = trainSteps
        self.prediction = prediction
        self.stepsOffset = stepsOffset
        // scaled_linear: betas = linspace(sqrt(start), sqrt(end), N)^2
        let (a, b) = (betaStart.squareRoot(), betaEnd.squareRoot())
        var acc: Float = 1
        alphasCumprod = (0..<trainSteps).map { i in
            let s = a + (b - a) * Float(i) / Float(trainSteps - 1)
            acc *= 1 - s * s
            return acc
        }
    }

    /// The inference timesteps, largest first ("leading": i * N / steps, plus the offset).
    public func timesteps(steps: Int) -> [Int] {
        let ratio = trainSteps / steps
        return (0..<steps).reversed().map { $0 * ratio + stepsOffset }
    }

    /// One DDIM step from timestep t; eta > 0 adds `noise` (unit normal) with the DDIM variance.
    public func step(modelOutput: Tensor, timestep t: Int, sample: Tensor, steps: Int, eta: Float = 0,
                     noise: Tensor? = nil) -> Tensor {
        let prev = t - trainSteps / steps
        let aT = alphasCumprod[t], aPrev = prev >= 0 ? alphasCumprod[prev] : alphasCumprod[0]
        let bT = 1 - aT
        let (x0, eps): (Tensor, Tensor)
        switch prediction {
        case .epsilon:
            eps = modelOutput
            x0 = (sample - modelOutput * bT.squareRoot()) / aT.squareRoot()
        case .vPrediction:
            x0 = sample * aT.squareRoot() - modelOutput * bT.squareRoot()
            eps = modelOutput * aT.squareRoot() + sample * bT.squareRoot()
        }
        let variance = (1 - aPrev) / (1 - aT) * (1 - aT / aPrev)
        let std = eta * variance.squareRoot()
        var out = x0 * aPrev.squareRoot() + eps * (1 - aPrev - std * std).squareRoot()
        if eta > 0 {
            precondition(noise != nil, "DDIM with eta > 0 needs noise")
            out = out + noise! * std
        }
        return out
    }
}
