import Foundation
import Imaging
import Models
import NN
import Tensor

/// Finds, aligns and embeds the face of a portrait: YuNet detection (the largest face wins when
/// there are several), 5-point alignment to the ArcFace template, SFace embedding.
public struct FaceAnalysis {
    public struct Result {
        public let faces: [FaceDetection]
        /// The face used (the largest).
        public let chosen: FaceDetection
        /// The aligned 112x112 RGB crop in [0, 1].
        public let aligned: Tensor
        /// A sentence for the user when the choice was not obvious (several faces), else nil.
        public let note: String?
    }

    public let detector: YuNet

    public init(detector: YuNet) { self.detector = detector }

    public static func pretrained() throws -> FaceAnalysis { FaceAnalysis(detector: try YuNet.pretrained()) }

    /// The pretrained detector, or nil when its weights are not installed; weights that are there but
    /// unreadable or corrupt are an error naming the file, not a missing detector.
    public static func pretrainedIfInstalled() throws -> FaceAnalysis? { try WeightStore.ifInstalled { try pretrained() } }

    /// nil when no face is found.
    public func analyse(_ image: Image) -> Result? {
        let rgb = image.compositedRGB().tensor()
        let faces = detector.detect(rgb: rgb)
        guard let chosen = faces.max(by: { $0.area < $1.area }) else { return nil }
        let aligned = FaceAlignment.alignedCrop(rgb, landmarks: chosen.landmarks, size: 112)
        let note = faces.count > 1 ? "\(faces.count) faces found; using the largest (score \(String(format: "%.2f", chosen.score)))" : nil
        return Result(faces: faces, chosen: chosen, aligned: aligned, note: note)
    }

    /// The SFace embedding [1, 128] of an aligned crop [3, 112, 112] in [0, 1].
    public static func embedding(_ aligned: Tensor, model: SFace) -> Tensor {
        noGrad { model((aligned * 255).unsqueezed(0)) }
    }
}
