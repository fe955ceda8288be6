import Foundation
import Tensor

/// One detected face in image pixels: box, five landmarks (the subject's right eye, left eye, nose
/// tip, right and left mouth corners; image-left first, as the ArcFace template), and score.
public struct FaceDetection: Sendable {
    public var x: Float, y: Float, width: Float, height: Float
    public var landmarks: [(Float, Float)]
    public var score: Float
    public var area: Float { width * height }

    public init(x: Float, y: Float, width: Float, height: Float, landmarks: [(Float, Float)], score: Float) {
        (self.x, self.y, self.width, self.height, self.landmarks, self.score) = (x, y, width, height, landmarks, score)
    }
}

extension YuNet {
    /// Faces in an RGB image [3, H, W] with values in [0, 1], decoded as OpenCV's FaceDetectorYN
    /// does: the image (as BGR 0..255) zero-padded at the bottom and right to a multiple of 32; per
    /// stride s and cell (r, c): score = sqrt(sigmoid(cls) sigmoid(obj)), centre ((c + b0) s,
    /// (r + b1) s), size (exp(b2) s, exp(b3) s), landmarks ((k_2n + c) s, (k_2n+1 + r) s); then greedy
    /// NMS (IoU > `nmsThreshold` suppressed) on integer-truncated boxes, highest score first.
    public func detect(rgb: Tensor, scoreThreshold: Float = 0.9, nmsThreshold: Float = 0.3, topK: Int = 5000) -> [FaceDetection] {
        precondition(rgb.rank == 3 && rgb.shape[0] == 3, "detect expects an RGB [3, H, W] image, got \(rgb.shape)")
        let (h, w) = (rgb.shape[1], rgb.shape[2])
        let (ph, pw) = ((h + 31) / 32 * 32, (w + 31) / 32 * 32)
        let bgr = Tensor.concat([rgb.slice(axis: 0, 2..<3), rgb.slice(axis: 0, 1..<2), rgb.slice(axis: 0, 0..<1)], axis: 0) * 255
        let input = bgr.padded([(0, 0), (0, ph - h), (0, pw - w)]).unsqueezed(0)
        let maps = noGrad { heads(input) }
        var faces: [FaceDetection] = []
        for (level, stride) in Heads.strides.enumerated() {
            let (rows, cols) = (ph / stride, pw / stride), s = Float(stride)
            let cls = maps.cls[level].sigmoid().toArray(), obj = maps.obj[level].sigmoid().toArray()
            let box = maps.bbox[level].toArray(), kps = maps.kps[level].toArray()
            let plane = rows * cols  // heads are [1, C, rows, cols]: channel k of cell i at k * plane + i
            for r in 0..<rows {
                for c in 0..<cols {
                    let i = r * cols + c
                    let score = (min(max(cls[i], 0), 1) * min(max(obj[i], 0), 1)).squareRoot()
                    guard score >= scoreThreshold else { continue }
                    let cx = (Float(c) + box[i]) * s, cy = (Float(r) + box[plane + i]) * s
                    let bw = Foundation.exp(box[2 * plane + i]) * s, bh = Foundation.exp(box[3 * plane + i]) * s
                    let landmarks = (0..<5).map { n in
                        ((kps[2 * n * plane + i] + Float(c)) * s, (kps[(2 * n + 1) * plane + i] + Float(r)) * s)
                    }
                    faces.append(FaceDetection(x: cx - bw / 2, y: cy - bh / 2, width: bw, height: bh, landmarks: landmarks, score: score))
                }
            }
        }
        return YuNet.suppress(faces, threshold: nmsThreshold, topK: topK)
    }

    /// Greedy non-maximum suppression as OpenCV's NMSBoxes on Rect2i: boxes truncated to integers,
    /// scores sorted descending (stable), a face kept when its IoU with every kept face is at most
    /// `threshold`.
    public static func suppress(_ faces: [FaceDetection], threshold: Float, topK: Int) -> [FaceDetection] {
        func rect(_ f: FaceDetection) -> (Int, Int, Int, Int) { (Int(f.x), Int(f.y), Int(f.width), Int(f.height)) }
        func iou(_ a: (Int, Int, Int, Int), _ b: (Int, Int, Int, Int)) -> Float {
            let ix = max(0, min(a.0 + a.2, b.0 + b.2) - max(a.0, b.0)), iy = max(0, min(a.1 + a.3, b.1 + b.3) - max(a.1, b.1))
            let inter = Float(ix * iy), union = Float(a.2 * a.3 + b.2 * b.3) - inter
            return union > 0 ? inter / union : 0
        }
        let order = faces.indices.sorted { faces[$0].score > faces[$1].score || (faces[$0].score == faces[$1].score && $0 < $1) }
        var kept: [FaceDetection] = []
        for i in order where kept.count < topK {
            let r = rect(faces[i])
            if kept.allSatisfy({ iou(rect($0), r) <= threshold }) { kept.append(faces[i]) }
        }
        return kept
    }
}
