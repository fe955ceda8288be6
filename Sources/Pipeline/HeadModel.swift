import Foundation
import Models
import NN
import Tensor

/// The mesh branch's networks, a folder:
///
///     head/config.json, head/model.safetensors      the NPHM-style head model (NPHMConfiguration)
///     prior/config.json, prior/model.safetensors, prior/normalisation.safetensors   its latent prior
///     face_shape.safetensors                        the face-shape regressor (optional; HeadShapeRefinement)
///
/// Weights/orbit-head is the trained default.
public final class HeadModel {
    public let head: NPHMHead
    public let prior: HeadPrior
    public let layout: HeadLatentLayout
    /// Reads the face's shape from the portrait's identity embedding, for the shape refinement.
    public let faceShape: FaceShapeRegressor?

    public init(head: NPHMHead, prior: HeadPrior, faceShape: FaceShapeRegressor? = nil) throws {
        layout = HeadLatentLayout(head.config)
        guard prior.unet.config.length == layout.length else {
            throw WeightError("the prior's latent length \(prior.unet.config.length) does not fit the head model's \(layout.length)")
        }
        if let faceShape, faceShape.neutralExpression.shape[1] != head.config.expressionCode {
            throw WeightError("the face-shape regressor's neutral expression code has \(faceShape.neutralExpression.shape[1]) numbers, the head model's \(head.config.expressionCode)")
        }
        (self.head, self.prior, self.faceShape) = (head, prior, faceShape)
    }

    public static let defaultName = "orbit-head"

    /// The head model's box in orbit units (18 cm each): the head with its hair and the neck, the
    /// shoulders cut off at y = -1.1 (20 cm below the orbit's centre). Training data is cropped to it and
    /// meshes are extracted over it.
    public static let box = (lower: SIMD3<Float>(-0.75, -1.1, -0.7), upper: SIMD3<Float>(0.75, 0.85, 0.75))

    /// $ORBIT_HEAD when set, else Weights/orbit-head (see CommittedWeights); nil when not found.
    public static func defaultDirectory() -> String? {
        if let chosen = ProcessInfo.processInfo.environment["ORBIT_HEAD"] { return chosen }
        return CommittedWeights.locate(defaultName, containing: "head/config.json")
    }

    public static func loadHead(from directory: String) throws -> NPHMHead {
        let config = try CodableConfigFile.read(NPHMConfiguration.self, from: directory + "/config.json", what: "an NPHM configuration")
        return try WeightLoader.load(path: directory + "/model.safetensors") { try NPHMHead($0, config: config) }.frozen()
    }

    /// Writes head/config.json and head/model.safetensors (F16), atomically.
    public static func saveHead(_ head: NPHMHead, to directory: String, provenance: String) throws {
        try CodableConfigFile.write(head.config, to: directory + "/config.json")
        try head.save(to: directory + "/model.safetensors", metadata: ["format": "pt", "provenance": provenance], dtype: .f16)
    }

    /// The whole folder: head/ and prior/.
    public func save(to directory: String, provenance: String) throws {
        try Self.saveHead(head, to: directory + "/head", provenance: provenance)
        try prior.save(to: directory + "/prior", provenance: provenance)
        try faceShape?.save(to: directory + "/" + FaceShapeRegressor.fileName, provenance: provenance)
    }

    public static func load(from directory: String) throws -> HeadModel {
        let shapePath = directory + "/" + FaceShapeRegressor.fileName
        let faceShape = FileManager.default.fileExists(atPath: shapePath) ? try FaceShapeRegressor.load(from: shapePath) : nil
        return try HeadModel(head: try loadHead(from: directory + "/head"), prior: try HeadPrior.load(from: directory + "/prior"), faceShape: faceShape)
    }
}
