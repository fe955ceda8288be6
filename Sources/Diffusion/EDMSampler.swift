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
    public var method: Method

    public init(sigmaMin: Float = 0.002, sigmaMax: Float = 700, rho: Float = 7, method: Method = .euler) {
        (self.sigmaMin, self.sigmaMax, self.rho, self.method) = (sigmaMin, sigmaMax, rho, method)
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
    /// sees the state after each step: what a checkpoint saves, and `resume` continues from, giving
    /// the same result as an uninterrupted run. Sampling ends early, after a step, when `shouldStop` says so.
    public func sample(noise: Tensor, steps: Int, resume: State? = nil,
                       model: (Tensor, Float, Float) -> Tensor, guide: ((Tensor, Float) -> Tensor)? = nil,
                       progress: ((State) -> Void)? = nil, shouldStop: () -> Bool = { false }) -> Tensor {
        let s = sigmas(steps: steps)
        var state = resume ?? State(done: 0, sample: noise * s[0], previousDenoised: nil)
        func denoise(_ x: Tensor, _ sigma: Float) -> Tensor {
            let v = model(x * EDMSampler.cIn(sigma), EDMSampler.cNoise(sigma), sigma)
            let d = EDMSampler.denoised(v: v, sample: x, sigma: sigma)
            return guide.map { $0(d, sigma) } ?? d
        }
        while state.done < steps && !shouldStop() {
            let i = state.done, (sigma, next) = (s[i], s[i + 1])
            let x = state.sample, d = denoise(x, sigma)
            switch method {
            case .euler:
                state.sample = EDMSampler.step(sample: x, denoised: d, sigma: sigma, sigmaNext: next)
            case .heun:
                let euler = EDMSampler.step(sample: x, denoised: d, sigma: sigma, sigmaNext: next)
                if next > 0 {
                    // Karras et al. 2022, Algorithm 1: the slope at the Euler point averaged in.
                    let d2 = denoise(euler, next)
                    let slope = ((x - d) / sigma + (euler - d2) / next) * 0.5
                    state.sample = x + slope * (next - sigma)
                } else {
                    state.sample = euler
                }
            case .dpmSolver2M:
                // DPM-Solver++(2M) (Lu et al. 2022) in t = -ln sigma: x' = (sigma'/sigma) x - (e^-h - 1) D~, with
                // D~ extrapolated from this and the previous clean estimate; the last step lands on D.
                if next == 0 {
                    state.sample = d
                } else {
                    let h = Foundation.log(sigma / next)
                    var corrected = d
                    if let previous = state.previousDenoised, i > 0 {
                        let r = Foundation.log(s[i - 1] / sigma) / h
                        corrected = d * (1 + 1 / (2 * r)) - previous * (1 / (2 * r))
                    }
                    state.sample = x * (next / sigma) - corrected * Float(Foundation.expm1(-Double(h)))
                }
                state.previousDenoised = d
            }
            state.done = i + 1
            progress?(state)
        }
        return state.sample
    }

    /// Where a sampling run stands after `done` steps: the sample, and for DPM-Solver++(2M) the
    /// previous clean estimate it extrapolates from.
    public struct State {
        public var done: Int
        public var sample: Tensor
        public var previousDenoised: Tensor?
        public init(done: Int, sample: Tensor, previousDenoised: Tensor? = nil) {
            (self.done, self.sample, self.previousDenoised) = (done, sample, previousDenoised)
        }
    }

    /// The step rule: Euler (SVD's scheduler), Heun's second order (two network calls a step but the
    /// last), DPM-Solver++(2M) (one call a step, second order from the previous estimate).
    public enum Method: String, CaseIterable, Sendable {
        case euler, heun
        case dpmSolver2M = "dpm++2m"

        /// Network evaluations for `steps` steps.
        public func evaluations(steps: Int) -> Int { self == .heun ? 2 * steps - 1 : steps }
    }
}
