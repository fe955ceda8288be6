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

    func testAnExactDenoiserLandsOnItsTarget() {
        // With D(x) = target exactly, the last Euler step (to sigma 0) returns the target.
        let target = Tensor.normal([2, 3, 4], seed: 1)
        var seen: [Int] = []
        let out = sampler.sample(noise: Tensor.normal([2, 3, 4], seed: 2), steps: 12, model: { input, _, sigma in
            // Invert the preconditioning: v such that c_skip x + c_out v = target, x = input / c_in.
            let x = input / EDMSampler.cIn(sigma)
            return (target - x * EDMSampler.cSkip(sigma)) / EDMSampler.cOut(sigma)
        }, progress: { step, _, _ in seen.append(step) })
        assertClose(out, target, rtol: 1e-4, atol: 1e-4)
        XCTAssertEqual(seen, Array(1...12))
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
        let whole = sampler.sample(noise: noise, steps: 8, model: model)
        var saved: Tensor?
        _ = sampler.sample(noise: noise, steps: 8, model: model, progress: { done, _, x in if done == 3 { saved = x.detached() } })
        var resumedSteps: [Int] = []
        let resumed = sampler.sample(noise: Tensor.normal([3, 4], seed: 99), steps: 8, resume: (3, saved!), model: model,
                                     progress: { done, _, _ in resumedSteps.append(done) })
        XCTAssertEqual(resumed.toArray(), whole.toArray())
        XCTAssertEqual(resumedSteps, Array(4...8))
    }
}
