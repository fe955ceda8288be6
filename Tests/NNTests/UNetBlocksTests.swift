import NN
import Tensor
import TestSupport
import XCTest

/// SVD's UNet building blocks against diffusers 0.42.1 (Tools/golden/make_unet_block_fixtures.py).
final class UNetBlocksTests: XCTestCase {
    func testSpatioTemporalResBlockAndTimestepEmbeddingMatchDiffusers() throws {
        let (block, mlp) = try WeightLoader.load(path: Fixtures.path("unet/blocks.safetensors")) { w in
            (try SpatioTemporalResBlock(w["block"], inChannels: 32, outChannels: 64, timeChannels: 16),
             try TimestepEmbedding(w["temb"], inChannels: 8, timeEmbedDim: 16))
        }
        let io = try Fixtures.file("unet/blocks_io.safetensors")
        let out = noGrad { block(try! io.tensor("x"), temb: try! io.tensor("temb"), frames: 3, imageOnly: try! io.tensor("image_only")) }
        assertClose(out, try io.tensor("block_out"), rtol: 1e-4, "SpatioTemporalResBlock")
        assertClose(noGrad { mlp(try! io.tensor("sinus")) }, try io.tensor("temb_out"), rtol: 1e-5, "TimestepEmbedding")
    }

    func testAlphaBlenderGradientReachesTheMixFactor() throws {
        let blender = try AlphaBlender(WeightScope(RandomInitializer(seed: 1))["mix"], initial: 0.3)
        XCTAssertEqual(blender.mixFactor.item(), 0.3)
        let s = param([1, 2, 3, 2], seed: 2), t = param([1, 2, 3, 2], seed: 3)
        checkGradients([s, t, blender.mixFactor], "alpha blender", eps: 1e-3) { blender(spatial: $0[0], temporal: $0[1]) }
    }
}

final class TransformerSpatioTemporalTests: XCTestCase {
    func testMatchesDiffusers() throws {
        let model = try WeightLoader.load(path: Fixtures.path("unet/transformer.safetensors")) {
            try TransformerSpatioTemporal($0, channels: 32, heads: 1, headDim: 32, contextDim: 24)
        }
        let io = try Fixtures.file("unet/transformer_io.safetensors")
        let out = noGrad { model(try! io.tensor("x"), context: try! io.tensor("context"), frames: 3, imageOnly: try! io.tensor("image_only")) }
        assertClose(out, try io.tensor("out"), rtol: 1e-4, "TransformerSpatioTemporalModel")
    }
}
