import Foundation
import Tensor

/// The EDM sampler as Stable Video Diffusion uses it (Karras et al. 2022; diffusers'
/// EulerDiscreteScheduler with v-prediction, Karras sigmas and continuous timesteps):
/// sigmas from `sigmaMax` to `sigmaMin` spaced in sigma^(1/rho), then 0; the network sees
/// c_in x and c_noise = 0.25 ln sigma, and its v-prediction becomes the clean estimate
/// D = c_skip x + c_out v with c_skip = 1 / (sigma^2 + 1), c_out = -sigma / sqrt(sigma^2 + 1);
/// Euler steps x <- x + (x - D) / sigma * (sigma_next - sigma).
public struct EDMSampler: Sendable {
    public var sigmaMin: Float = 0.002
    public var sigmaMax: Float = 700
    public var rho: Float = 7

    public init(sigmaMin: Float = 0.002, sigmaMax: Float = 700, rho: Float = 7) {
        (self.sigmaMin, self.sigmaMax, self.rho) = (sigmaMin, sigmaMax, rho)
    }

    /// `steps` Karras sigmas, largest first, followed by a final 0 (steps + 1 values).
    public func sigmas(steps: Int) -> [Float] {
        precondition(steps >= 2, "the sampler needs at least 2 steps")
        let maxInv = Foundation.pow(Double(sigmaMax), 1 / Double(rho)), minInv = Foundation.pow(Double(sigmaMin), 1 / Double(rho))
        return (0..<steps).map { i in
            Float(Foundation.pow(maxInv + Double(i) / Double(steps - 1) * (minInv - maxInv), Double(rho)))
        } + [0]
    }

    /// Preconditioning for a v-prediction network at noise level sigma.
    public static func cIn(_ sigma: Float) -> Float { 1 / (sigma * sigma + 1).squareRoot() }
    public static func cSkip(_ sigma: Float) -> Float { 1 / (sigma * sigma + 1) }
    public static func cOut(_ sigma: Float) -> Float { -sigma / (sigma * sigma + 1).squareRoot() }
    /// The network's timestep input (diffusers' continuous timesteps).
    public static func cNoise(_ sigma: Float) -> Float { 0.25 * Foundation.log(sigma) }

    /// The clean-sample estimate from a v-prediction at sigma.
    public static func denoised(v: Tensor, sample: Tensor, sigma: Float) -> Tensor {
        v * cOut(sigma) + sample * cSkip(sigma)
    }

    /// One Euler step from sigma to sigmaNext given the clean-sample estimate.
    public static func step(sample: Tensor, denoised: Tensor, sigma: Float, sigmaNext: Float) -> Tensor {
        sample + (sample - denoised) * ((sigmaNext - sigma) / sigma)
    }

    /// Runs the sampler from `noise` (unit variance; scaled by the first sigma here).
    /// `model(input, cNoise, sigma)` returns the v-prediction for input = c_in x (classifier-free
    /// guidance belongs inside it: FrameGuidance.combine). `guide(denoised, sigma)` may steer the
    /// clean estimate (FitDiff's identity guidance subtracts a loss gradient there). `progress`
    /// sees (steps done, steps, sample) after each step: what a checkpoint saves, and `resume`
    /// (steps done, sample) continues from, giving the same result as an uninterrupted run.
    public func sample(noise: Tensor, steps: Int, resume: (done: Int, sample: Tensor)? = nil,
                       model: (Tensor, Float, Float) -> Tensor, guide: ((Tensor, Float) -> Tensor)? = nil,
                       progress: ((Int, Int, Tensor) -> Void)? = nil) -> Tensor {
        let s = sigmas(steps: steps)
        var x = resume?.sample ?? noise * s[0]
        for i in (resume?.done ?? 0)..<steps {
            let sigma = s[i]
            let v = model(x * EDMSampler.cIn(sigma), EDMSampler.cNoise(sigma), sigma)
            var d = EDMSampler.denoised(v: v, sample: x, sigma: sigma)
            if let guide { d = guide(d, sigma) }
            x = EDMSampler.step(sample: x, denoised: d, sigma: sigma, sigmaNext: s[i + 1])
            progress?(i + 1, steps, x)
        }
        return x
    }
}
