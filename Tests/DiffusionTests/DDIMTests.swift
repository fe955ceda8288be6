import Diffusion
import Tensor
import TestSupport
import XCTest

/// Against diffusers 0.42.1's DDIMScheduler (Tools/golden/make_diffusion_fixtures.py).
final class DDIMTests: XCTestCase {
    func testTimestepsAndStepsMatchDiffusers() throws {
        let fx = try Fixtures.file("diffusion/schedulers.safetensors")
        for (name, prediction) in [("epsilon", DDIMScheduler.Prediction.epsilon), ("v_prediction", .vPrediction)] {
            let ddim = DDIMScheduler(prediction: prediction)
            let steps = ddim.timesteps(steps: 10)
            XCTAssertEqual(steps.map(Float.init), try fx.tensor("ddim.\(name).timesteps").toArray())
            let sample = try fx.tensor("ddim.\(name).sample"), out = try fx.tensor("ddim.\(name).model_output")
            let eta0 = ddim.step(modelOutput: out, timestep: steps[3], sample: sample, steps: 10)
            assertClose(eta0, try fx.tensor("ddim.\(name).prev_eta0"), rtol: 1e-4, "\(name) eta 0")
            let eta05 = ddim.step(modelOutput: out, timestep: steps[3], sample: sample, steps: 10, eta: 0.5,
                                  noise: try fx.tensor("ddim.\(name).noise"))
            assertClose(eta05, try fx.tensor("ddim.\(name).prev_eta05"), rtol: 1e-4, "\(name) eta 0.5")
        }
    }
}
