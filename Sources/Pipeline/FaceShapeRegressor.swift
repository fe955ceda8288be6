import Foundation
import Geometry
import NN
import Synth
import Tensor

/// The face's shape from its identity embedding, as MICA (Zielonka et al. 2022) reads a 3DMM's shape
/// from an ArcFace embedding: here a ridge-regressed linear map from the head prior's SFace part of the
/// condition to ICT-FaceKit's identity weights (what `orbit synth` builds its faces from). On the
/// synthetic training subjects, cross-validated over subjects, the regressed faces are about a quarter
/// closer to the truth than the mean face (docs/BENCHMARKS.md), where the same embedding explains under
/// a tenth of the head model's geometry codes: the codes also carry the hair, the FaceKit weights only
/// the face. A second map reads FaceKit's expression weights from the same (expression-aware)
/// embedding. `HeadShapeRefinement` fits the head model's codes to the regressed face.
public struct FaceShapeRegressor {
    /// weight [K, D], bias [K]: identity weights = embedding [1, D] weight^T + bias.
    public let weight: Tensor, bias: Tensor
    /// expressionWeight [X, D], expressionBias [X]: FaceKit's expression weights (in its
    /// `expressionNames` order) the same way, clamped to [0, 1]. Absent from files written before
    /// 2026-12-07's fifth session: those refine the identity only.
    public let expressionWeight: Tensor?, expressionBias: Tensor?
    /// The expression code [1, E] of the head model's neutral training samples (their mean): the face
    /// is regressed neutral, so the code is fitted under a neutral expression.
    public let neutralExpression: Tensor

    public init(weight: Tensor, bias: Tensor, expressionWeight: Tensor? = nil, expressionBias: Tensor? = nil, neutralExpression: Tensor) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[0]] && neutralExpression.rank == 2, "FaceShapeRegressor shapes")
        precondition((expressionWeight == nil) == (expressionBias == nil), "the expression map needs its weight and its bias")
        if let expressionWeight, let expressionBias {
            precondition(expressionWeight.shape == [expressionBias.shape[0], weight.shape[1]] && expressionBias.rank == 1,
                         "FaceShapeRegressor expression shapes")
        }
        (self.weight, self.bias, self.neutralExpression) = (weight, bias, neutralExpression)
        (self.expressionWeight, self.expressionBias) = (expressionWeight, expressionBias)
    }

    public var embeddingSize: Int { weight.shape[1] }

    /// FaceKit identity weights [K] from a condition [1, C] whose first `embeddingSize` numbers are the
    /// SFace embedding (HeadConditionEncoder's layout).
    public func identityWeights(condition: Tensor) -> [Float] {
        noGrad { embedding(condition).linear(weight: weight, bias: bias).toArray() }
    }

    /// FaceKit expression weights [X] in [0, 1] from a condition [1, C]; nil without the expression map.
    public func expressionWeights(condition: Tensor) -> [Float]? {
        guard let expressionWeight, let expressionBias else { return nil }
        return noGrad { embedding(condition).linear(weight: expressionWeight, bias: expressionBias).toArray().map { min(max($0, 0), 1) } }
    }

    func embedding(_ condition: Tensor) -> Tensor { condition.slice(axis: 1, 0..<embeddingSize) }

    /// The regressed face's surface: the vertices of FaceKit's "face" region (its first 9,409) for
    /// `identity` and `expression` weights (none: neutral), in orbit units [n, 3] (the frame the head
    /// model is trained in).
    public static func faceSurface(identity: [Float], expression: [Float] = [], kit: FaceKit) -> Tensor {
        guard let face = kit.regions["face"] else { preconditionFailure("the FaceKit file has no \"face\" region") }
        let vertices = [SIMD3<Float>](flat: kit.vertices(identity: identity, expression: expression))[face].map(SubjectScene.toWorld)
        return Tensor(vertices.flat, shape: [vertices.count, 3])
    }

    /// The file's name in a head model folder.
    public static let fileName = "face_shape.safetensors"

    public func save(to path: String, provenance: String) throws {
        var tensors = [("weight", weight), ("bias", bias), ("neutral_expression", neutralExpression)]
        if let expressionWeight, let expressionBias { tensors += [("expression_weight", expressionWeight), ("expression_bias", expressionBias)] }
        try SafeTensors.write(tensors, metadata: ["format": "pt", "provenance": provenance], dtype: .f16, to: path)
    }

    public static func load(from path: String) throws -> FaceShapeRegressor {
        let file = try SafeTensorsFile(path: path)
        let (weight, bias, neutral) = (try file.tensor("weight"), try file.tensor("bias"), try file.tensor("neutral_expression"))
        guard weight.rank == 2, bias.shape == [weight.shape[0]], neutral.rank == 2, neutral.shape[0] == 1 else {
            throw WeightError("\(path): weight [K, D], bias [K] and neutral_expression [1, E] expected, found \(weight.shape), \(bias.shape), \(neutral.shape)")
        }
        let names = Set(file.names)
        guard names.contains("expression_weight") == names.contains("expression_bias") else {
            throw WeightError("\(path): expression_weight and expression_bias come together; one of them is missing")
        }
        guard names.contains("expression_weight") else { return FaceShapeRegressor(weight: weight, bias: bias, neutralExpression: neutral) }
        let (expressionWeight, expressionBias) = (try file.tensor("expression_weight"), try file.tensor("expression_bias"))
        guard expressionBias.rank == 1, expressionWeight.shape == [expressionBias.shape[0], weight.shape[1]] else {
            throw WeightError("\(path): expression_weight [X, \(weight.shape[1])] and expression_bias [X] expected, found \(expressionWeight.shape), \(expressionBias.shape)")
        }
        return FaceShapeRegressor(weight: weight, bias: bias, expressionWeight: expressionWeight, expressionBias: expressionBias, neutralExpression: neutral)
    }
}
