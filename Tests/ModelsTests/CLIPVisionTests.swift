import Models
import NN
import Tensor
import TestSupport
import XCTest

/// Against tiny random-weight transformers CLIPVisionModelWithProjection models
/// (Tools/golden/make_clip_fixtures.py), loaded strictly by transformers' key names.
final class CLIPVisionTests: XCTestCase {
    func testImageEmbedsMatchTransformers() throws {
        for (act, quick) in [("quick_gelu", true), ("gelu", false)] {
            // The config from transformers' own config.json.
            let config = try CLIPVision.Config(transformersConfigAt: Fixtures.path("clip/tiny_clip_\(act)_config/config.json"))
            XCTAssertEqual([config.hiddenSize, config.intermediateSize, config.projectionDim, config.layers, config.heads,
                            config.imageSize, config.patchSize], [32, 64, 16, 2, 4, 32, 8])
            XCTAssertEqual(config.quickGELU, quick)
            let model = try WeightLoader.load(path: Fixtures.path("clip/tiny_clip_\(act).safetensors")) { try CLIPVision($0, config: config) }
            let io = try Fixtures.file("clip/tiny_clip_\(act)_io.safetensors")
            let embeds = noGrad { model(try! io.tensor("pixel_values")) }
            assertClose(embeds, try io.tensor("image_embeds"), rtol: 1e-4, "image_embeds (\(act))")
        }
    }

    func testEmbeddingIsDifferentiableWithRespectToPixels() throws {
        let config = CLIPVision.Config(hiddenSize: 16, intermediateSize: 32, projectionDim: 8, layers: 1, heads: 2, imageSize: 16, patchSize: 8)
        let model = try CLIPVision(WeightScope(RandomInitializer(seed: 1)), config: config)
        let x = param([1, 3, 16, 16], seed: 2)
        checkGradients([x], "CLIP vision", samples: 12) { model($0[0]) }
    }
}

