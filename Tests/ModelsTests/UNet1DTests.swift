import Foundation
import Models
import NN
import Tensor
import TestSupport
import XCTest

/// The latent prior's 1D UNet against an independent PyTorch build of the same network with seeded
/// random weights (Tools/golden/make_unet1d_fixtures.py): output, input gradient, parameter gradients.
final class UNet1DTests: XCTestCase {
    func testOutputAndGradientsMatchTorch() throws {
        let config = try JSONDecoder().decode(UNet1DConfiguration.self,
                                              from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("prior/unet1d_config.json"))))
        let model = try WeightLoader.load(path: Fixtures.path("prior/unet1d_weights.safetensors")) { try UNet1D($0, config: config) }
        for (_, p) in model.namedParameters { p.requiringGrad() }
        let io = try Fixtures.file("prior/unet1d_io.safetensors")
        let x = try io.tensor("x").clone().requiringGrad()
        let out = model(x, timesteps: try io.tensor("timesteps"), condition: try io.tensor("condition"))
        assertClose(out, try io.tensor("out"), atol: 2e-5, "denoiser output")
        (out * (try io.tensor("r"))).sum().backward()
        assertClose(x.grad!, try io.tensor("grad.x"), rtol: 1e-4, atol: 1e-5, "input gradient")
        for (name, p) in model.namedParameters {
            assertClose(p.grad!, try io.tensor("grad.\(name)"), rtol: 1e-4, atol: 2e-5, name)
        }
    }
}
