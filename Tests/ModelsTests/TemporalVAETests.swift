import Models
import NN
import Tensor
import TestSupport
import XCTest

/// SVD's VAE against a tiny diffusers AutoencoderKLTemporalDecoder (Tools/golden/make_temporal_vae_fixtures.py).
final class TemporalVAETests: XCTestCase {
    /// The model built from diffusers' own config.json.
    func testEncodeAndDecodeMatchDiffusers() throws {
        let config = try VAEEncoder.Config(diffusersConfigAt: Fixtures.path("vae/tiny_temporal_vae_config/config.json"))
        XCTAssertEqual(config.blockOutChannels, [32, 32])
        XCTAssertEqual(config.layersPerBlock, 2)
        let vae = try WeightLoader.load(path: Fixtures.path("vae/tiny_temporal_vae.safetensors")) {
            try AutoencoderKLTemporalDecoder($0, config: config)
        }
        let io = try Fixtures.file("vae/tiny_temporal_vae_io.safetensors")
        assertClose(noGrad { vae.encoder(try! io.tensor("image")).mean }, try io.tensor("mean"), rtol: 1e-4, "encoder mean")
        let z = try io.tensor("z_frames").reshaped([8, 4, 4, 4])
        assertClose(noGrad { vae.decode(z, frames: 4) }, try io.tensor("decoded"), rtol: 1e-4, "temporal decoder")
        // Chunks of whole videos decode to the same frames.
        assertClose(noGrad { vae.decode(z, frames: 4, chunk: 4) }, try io.tensor("decoded"), rtol: 1e-4, "decoded in chunks")
    }
}
