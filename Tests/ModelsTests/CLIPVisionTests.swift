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
            let config = CLIPVision.Config(hiddenSize: 32, intermediateSize: 64, projectionDim: 16, layers: 2, heads: 4,
                                           imageSize: 32, patchSize: 8, quickGELU: quick)
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

