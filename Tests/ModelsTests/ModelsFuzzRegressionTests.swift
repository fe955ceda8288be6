import Foundation
import Models
import TestSupport
import XCTest

/// Config sizes that built models without end or trapped while building, found by the model-config
/// harness (Tests/Fuzz/model-config/regressions, docs/FUZZING.md) or beside it, each refused naming
/// the key.
final class ModelsFuzzRegressionTests: XCTestCase {
    /// layers_per_block 2333333333333 reserved an array of that many blocks (18 TB) before any weight was read.
    func testLayerCountsOverTheLimit() throws {
        let path = FuzzRegressions.path("model-config", "unet-layers-per-block-2333333333333.json")
        assertThrows(try UNetSpatioTemporalConfig(diffusersConfigAt: path),
                     containing: "unet-layers-per-block-2333333333333.json: layers_per_block 2333333333333 is over the limit of 1024 layers")
    }

    /// UNet1D groups 0 divided by zero in `validated()`; 70 levels overflowed 1 << 69; NPHM anchor
    /// counts near 2^62 overflowed 2 * symmetric_pairs + midline_anchors.
    func testCodableConfigSizesThatTrapped() {
        var prior = UNet1DConfiguration()
        prior.groups = 0
        assertThrows(try prior.validated(), containing: "UNet1D: groups 0 is not a size from 1 to 1048576")
        prior = UNet1DConfiguration()
        prior.channels = [Int](repeating: 8, count: 70)
        assertThrows(try prior.validated(), containing: "UNet1D: 70 levels of channels; 1 to 16 expected")
        var head = NPHMConfiguration()
        head.symmetricPairs = 1 << 62
        assertThrows(try head.validated(), containing: "symmetric_pairs 4611686018427387904 is not a count from 0 to 1024")
        head = NPHMConfiguration()
        head.softplusBeta = .nan
        assertThrows(try head.validated(), containing: "softplus_beta nan is not a positive number")
        XCTAssertNoThrow(try NPHMConfiguration.orbitSmall.validated())
        XCTAssertNoThrow(try UNet1DConfiguration().validated())
    }
}
