import Models
import NN
import Tensor
import TestSupport
import XCTest

/// Against a tiny random-weight diffusers AutoencoderKL (Tools/golden/make_vae_fixtures.py).
final class VAEEncoderTests: XCTestCase {
    func testLatentMomentsMatchDiffusers() throws {
        let config = VAEEncoder.Config(blockOutChannels: [8, 16], layersPerBlock: 1, latentChannels: 4, groups: 4)
        let model = try WeightLoader.load(path: Fixtures.path("vae/tiny_vae_encoder.safetensors")) { try VAEEncoder($0, config: config) }
        let io = try Fixtures.file("vae/tiny_vae_encoder_io.safetensors")
        let (mean, logvar) = noGrad { model(try! io.tensor("image")) }
        assertClose(mean, try io.tensor("mean"), rtol: 1e-4, "latent mean")
        assertClose(logvar, try io.tensor("logvar"), rtol: 1e-4, "latent logvar")
    }
}
