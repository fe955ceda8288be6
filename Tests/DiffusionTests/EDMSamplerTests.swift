import Diffusion
import Tensor
import TestSupport
import XCTest

/// Against diffusers 0.42.1's EulerDiscreteScheduler with SVD's settings (Tools/golden/make_diffusion_fixtures.py).
final class EDMSamplerTests: XCTestCase {
    let sampler = EDMSampler()

    func testTwentyFiveStepSigmasAndTimestepsMatchDiffusers() throws {
        let fx = try Fixtures.file("diffusion/schedulers.safetensors")
        let sigmas = sampler.sigmas(steps: 25)
        assertClose(Tensor(sigmas, shape: [26]), try fx.tensor("euler.sigmas"), rtol: 1e-5, "sigmas")
        let timesteps = sigmas.dropLast().map(EDMSampler.cNoise)
        assertClose(Tensor(timesteps, shape: [25]), try fx.tensor("euler.timesteps"), rtol: 1e-5, "timesteps")
        XCTAssertEqual(sigmas.first, 700)
        XCTAssertEqual(sigmas[24], 0.002, accuracy: 1e-7)
    }

    func testScaledInputAndEulerStepsMatchDiffusers() throws {
        let fx = try Fixtures.file("diffusion/schedulers.safetensors")
        let sigmas = sampler.sigmas(steps: 25)
        let x = try fx.tensor("euler.x0")
        for i in [0, 10] {
            assertClose(x * EDMSampler.cIn(sigmas[i]), try fx.tensor("euler.step\(i).scaled"), rtol: 1e-5, "scaled input \(i)")
            let d = EDMSampler.denoised(v: try fx.tensor("euler.step\(i).v"), sample: x, sigma: sigmas[i])
            let prev = EDMSampler.step(sample: x, denoised: d, sigma: sigmas[i], sigmaNext: sigmas[i + 1])
            assertClose(prev, try fx.tensor("euler.step\(i).prev"), rtol: 1e-5, "step \(i)")
        }
    }

    /// The v-prediction that makes the clean estimate `target` at input = c_in x.
    static func exactModel(_ target: Tensor) -> (Tensor, Float, Float) -> Tensor {
        { input, _, sigma in
            let x = input / EDMSampler.cIn(sigma)
            return (target - x * EDMSampler.cSkip(sigma)) / EDMSampler.cOut(sigma)
        }
    }

    func testAnExactDenoiserLandsOnItsTarget() {
        // With D(x) = target exactly, every step rule's last step (to sigma 0) returns the target.
        let target = Tensor.normal([2, 3, 4], seed: 1)
        for method in EDMSampler.Method.allCases {
            var seen: [Int] = []
            let out = EDMSampler(method: method).sample(noise: Tensor.normal([2, 3, 4], seed: 2), steps: 12,
                                                        model: Self.exactModel(target), progress: { seen.append($0.done) })
            assertClose(out, target, rtol: 1e-4, atol: 1e-4, method.rawValue)
            XCTAssertEqual(seen, Array(1...12), method.rawValue)
        }
    }

    /// Gaussian data N(mu, s^2) has the exact denoiser D(x, sigma) = mu + s^2 / (s^2 + sigma^2) (x - mu), and
    /// the probability-flow ODE from x at sigma_max ends at mu + s / sqrt(s^2 + sigma_max^2) (x - mu). Doubling
    /// the steps from 32 to 64 halves Euler's error (first order) and quarters Heun's and DPM-Solver++(2M)'s
    /// (second order); a wrong coefficient in either rule would make it first order or worse.
    func testSecondOrderRulesConvergeAtSecondOrder() {
        let (mu, s2): (Float, Float) = (0.3, 0.25)
        let model: (Tensor, Float, Float) -> Tensor = { input, _, sigma in
            let x = input / EDMSampler.cIn(sigma)
            let d = (x - mu) * (s2 / (s2 + sigma * sigma)) + mu
            return (d - x * EDMSampler.cSkip(sigma)) / EDMSampler.cOut(sigma)
        }
        let noise = Tensor([1, -0.5], shape: [2])
        let exact = (noise * 80 - mu) * (s2.squareRoot() / (s2 + 6400).squareRoot()) + mu
        func error(_ method: EDMSampler.Method, _ steps: Int) -> Float {
            maxAbsDiff(EDMSampler(sigmaMax: 80, method: method).sample(noise: noise, steps: steps, model: model), exact)
        }
        let euler = error(.euler, 32) / error(.euler, 64)
        XCTAssertEqual(euler, 2, accuracy: 0.3, "Euler's error ratio")
        for method in [EDMSampler.Method.heun, .dpmSolver2M] {
            XCTAssertGreaterThan(error(method, 32) / error(method, 64), 3.5, method.rawValue)
            XCTAssertLessThan(error(method, 32), error(.euler, 32) / 4, method.rawValue)
        }
        XCTAssertEqual(EDMSampler.Method.heun.evaluations(steps: 8), 15)
    }

    func testGuidanceHookSteersTheCleanEstimate() {
        // A guide that pulls every estimate to zero makes the sample zero, whatever the model says.
        let out = sampler.sample(noise: Tensor.normal([5], seed: 3), steps: 6, model: { input, _, _ in input },
                                 guide: { d, _ in d * 0 })
        XCTAssertLessThan(out.abs().sum().item(), 1e-5)
    }

    /// Interrupting after step k and resuming from the saved sample gives the uninterrupted result.
    func testResumingFromAStepMatchesAnUninterruptedRun() {
        let model: (Tensor, Float, Float) -> Tensor = { input, cNoise, _ in (input * 0.7 + cNoise).tanh() }
        let noise = Tensor.normal([3, 4], seed: 4)
        for method in EDMSampler.Method.allCases {
            let sampler = EDMSampler(method: method)
            let whole = sampler.sample(noise: noise, steps: 8, model: model)
            var saved: EDMSampler.State?
            _ = sampler.sample(noise: noise, steps: 8, model: model, progress: { if $0.done == 3 { saved = $0 } })
            var resumedSteps: [Int] = []
            let resumed = sampler.sample(noise: Tensor.normal([3, 4], seed: 99), steps: 8, resume: saved!, model: model,
                                         progress: { resumedSteps.append($0.done) })
            XCTAssertEqual(resumed.toArray(), whole.toArray(), method.rawValue)
            XCTAssertEqual(resumedSteps, Array(4...8), method.rawValue)
        }
    }
}
