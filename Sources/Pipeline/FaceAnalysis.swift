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

    /// The longest side YuNet sees: larger portraits are detected on a copy shrunk to this (faces that
    /// fill a 3072 px portrait are beyond the detector's largest anchors and were not found), and the
    /// boxes and landmarks scaled back; the crop is aligned from the full image.
    public static let detectionSide = 1024

    /// nil when no face is found.
    public func analyse(_ image: Image) -> Result? {
        let full = image.compositedRGB()
        let rgb = full.tensor()
        let faces = detect(full)
        guard let chosen = faces.max(by: { $0.area < $1.area }) else { return nil }
        let aligned = FaceAlignment.alignedCrop(rgb, landmarks: chosen.landmarks, size: 112)
        let note = faces.count > 1 ? "\(faces.count) faces found; using the largest (score \(String(format: "%.2f", chosen.score)))" : nil
        return Result(faces: faces, chosen: chosen, aligned: aligned, note: note)
    }

    /// YuNet's faces in image pixels, found on a copy no larger than `detectionSide`.
    func detect(_ rgb: Image) -> [FaceDetection] {
        let side = max(rgb.width, rgb.height)
        guard side > Self.detectionSide else { return detector.detect(rgb: rgb.tensor()) }
        let scale = Float(Self.detectionSide) / Float(side)
        let small = rgb.resized(width: max(1, Int((Float(rgb.width) * scale).rounded())),
                                height: max(1, Int((Float(rgb.height) * scale).rounded())), filter: .area)
        let (sx, sy) = (Float(rgb.width) / Float(small.width), Float(rgb.height) / Float(small.height))
        return detector.detect(rgb: small.tensor()).map { f in
            FaceDetection(x: f.x * sx, y: f.y * sy, width: f.width * sx, height: f.height * sy,
                          landmarks: f.landmarks.map { ($0.0 * sx, $0.1 * sy) }, score: f.score)
        }
    }

    /// The SFace embedding [1, 128] of an aligned crop [3, 112, 112] in [0, 1].
    public static func embedding(_ aligned: Tensor, model: SFace) -> Tensor {
        noGrad { model((aligned * 255).unsqueezed(0)) }
    }
}
