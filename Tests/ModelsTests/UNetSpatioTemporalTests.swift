import Models
import NN
import Tensor
import TestSupport
import XCTest

/// The assembled SVD UNet against diffusers 0.42.1 (Tools/golden/make_unet_fixtures.py): a tiny
/// two-level configuration read from diffusers' own parameter names, F16 weights.
final class UNetSpatioTemporalTests: XCTestCase {
    static var tiny: UNetSpatioTemporalConfig {
        var c = UNetSpatioTemporalConfig()
        c.blockChannels = [32, 64]
        c.heads = [1, 2]
        c.layersPerBlock = 1
        c.contextDim = 24
        c.additionTimeEmbedDim = 8
        return c
    }

    func testMatchesDiffusers() throws {
        let unet = try WeightLoader.load(path: Fixtures.path("unet/unet.safetensors")) {
            try UNetSpatioTemporal($0, config: Self.tiny)
        }
        let io = try Fixtures.file("unet/unet_io.safetensors")
        let out = noGrad {
            unet(try! io.tensor("sample"), timestep: try! io.tensor("timestep"), context: try! io.tensor("context"),
                 addedTimeIds: try! io.tensor("added_time_ids"))
        }
        assertClose(out, try io.tensor("out"), rtol: 1e-4, "UNetSpatioTemporalConditionModel")
    }
}
