import Foundation
import Models
import NN
import Tensor

/// What the head model's latent prior is conditioned on, from a prepared portrait: the identity
/// embedding of the aligned face (the expression-aware SFace, so expressions differ too) and the
/// generator's CLIP image embedding of the framed view (hair, skin, clothing), each L2-normalised,
/// concatenated. Without a face the identity half is zero.
public struct HeadConditionEncoder {
    public let imageEncoder: CLIPVision
    public let identity: SFace

    public init(imageEncoder: CLIPVision, identity: SFace) { (self.imageEncoder, self.identity) = (imageEncoder, identity) }

    /// The committed generator's image encoder and the committed expression-aware SFace.
    public static func committed() throws -> HeadConditionEncoder {
        guard let generator = GeneratorModel.defaultDirectory() else {
            throw WeightError("the generator's weights (Weights/\(GeneratorModel.defaultName)) are not found: its image encoder conditions the head prior")
        }
        let folder = generator + "/image_encoder"
        let config = try CLIPVision.Config(transformersConfigAt: folder + "/config.json")
        let encoder = try WeightLoader.load(path: folder + "/model.safetensors") { try CLIPVision($0, config: config) }
        return HeadConditionEncoder(imageEncoder: encoder.frozen(), identity: try IdentityEncoder.expressionAware.load().frozen())
    }

    public var width: Int { SFace.embeddingSize + imageEncoder.config.projectionDim }

    /// [1, width].
    public func condition(_ portrait: PreparedPortrait) -> Tensor {
        noGrad {
            func unit(_ v: Tensor) -> Tensor { v / ((v * v).sum() + 1e-12).sqrt() }
            let face = portrait.alignedFace.map { unit(FaceAnalysis.embedding($0, model: identity)) } ?? Tensor(zeros: [1, SFace.embeddingSize])
            let image = imageEncoder(GeneratorModel.imageEncoderInput(portrait.view, size: imageEncoder.config.imageSize).unsqueezed(0))
            return Tensor.concat([face, unit(image)], axis: 1)
        }
    }
}
