import Foundation
import Tensor

/// Face alignment for identity networks: the similarity transform that best maps 5 landmarks
/// (eyes, nose tip, mouth corners) onto the ArcFace 112x112 template, and the aligned crop.
public enum FaceAlignment {
    /// insightface's `arcface_dst` for a 112x112 crop: left eye, right eye, nose, left and right
    /// mouth corners, in pixels.
    public static let arcfaceTemplate: [(Float, Float)] = [
        (38.2946, 51.6963), (73.5318, 51.5014), (56.0252, 71.7366), (41.5493, 92.3655), (70.7299, 92.2041),
    ]

    /// Least-squares similarity (rotation, uniform scale, translation; no reflection) mapping
    /// `source` points onto `target` (Umeyama 1991, as skimage.transform.SimilarityTransform
    /// estimates it). In 2-D with points as complex numbers the optimum is
    /// a = sum(conj(p_c) q_c) / sum(|p_c|^2) (p_c, q_c centred) and t = mean(q) - a mean(p).
    public static func similarity(from source: [(Float, Float)], to target: [(Float, Float)]) -> AffineTransform {
        precondition(source.count == target.count && source.count >= 2, "similarity needs >= 2 point pairs")
        let n = Double(source.count)
        let mp = (source.map { Double($0.0) }.reduce(0, +) / n, source.map { Double($0.1) }.reduce(0, +) / n)
        let mq = (target.map { Double($0.0) }.reduce(0, +) / n, target.map { Double($0.1) }.reduce(0, +) / n)
        var re = 0.0, im = 0.0, norm = 0.0
        for (p, q) in zip(source, target) {
            let (px, py) = (Double(p.0) - mp.0, Double(p.1) - mp.1)
            let (qx, qy) = (Double(q.0) - mq.0, Double(q.1) - mq.1)
            re += px * qx + py * qy  // Re(conj(p) q)
            im += px * qy - py * qx  // Im(conj(p) q)
            norm += px * px + py * py
        }
        let a = re / norm, b = im / norm  // s cos(theta), s sin(theta)
        let tx = mq.0 - (a * mp.0 - b * mp.1), ty = mq.1 - (b * mp.0 + a * mp.1)
        return AffineTransform(a: Float(a), b: Float(-b), tx: Float(tx), c: Float(b), d: Float(a), ty: Float(ty))
    }

    /// The aligned 112x112 crop of image [3, H, W] (values as given) for 5 landmarks in its pixel
    /// coordinates; differentiable with respect to the image (bilinear warp). Outside the photo
    /// reads `border`.
    public static func alignedCrop(_ image: Tensor, landmarks: [(Float, Float)], size: Int = 112, border: Float = 0) -> Tensor {
        precondition(landmarks.count == 5, "alignment needs 5 landmarks, got \(landmarks.count)")
        let scale = Float(size) / 112
        let template = arcfaceTemplate.map { ($0.0 * scale, $0.1 * scale) }
        return image.affineWarp(similarity(from: landmarks, to: template), outWidth: size, outHeight: size, border: border)
    }
}
