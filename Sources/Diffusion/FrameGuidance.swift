import Foundation
import Tensor

/// Classifier-free guidance with one scale per frame (the frames of an orbit are the views).
public enum FrameGuidance {
    /// SVD: scales rising linearly from `min` (first frame) to `max` (last).
    public static func linear(frames: Int, min: Float, max: Float) -> [Float] {
        (0..<frames).map { min + (max - min) * (frames > 1 ? Float($0) / Float(frames - 1) : 0) }
    }

    /// SV3D's triangle schedule: with v = linspace(0, 1, frames), the wave
    /// 2 |v / period - floor(v / period + 0.5)| scaled to [min, max] (low at the input view, high
    /// on the far side of the orbit).
    public static func triangle(frames: Int, min: Float, max: Float, period: Float = 1) -> [Float] {
        (0..<frames).map { f in
            let v = frames > 1 ? Float(f) / Float(frames - 1) : 0
            let wave = 2 * Swift.abs(v / period - Foundation.floor(v / period + 0.5))
            return wave * (max - min) + min
        }
    }

    /// uncond + s_f (cond - uncond), with s_f the scale of frame f along `frameAxis`.
    public static func combine(uncond: Tensor, cond: Tensor, scales: [Float], frameAxis: Int) -> Tensor {
        precondition(uncond.shape == cond.shape, "guidance needs matching outputs, got \(uncond.shape) and \(cond.shape)")
        let axis = frameAxis < 0 ? frameAxis + cond.rank : frameAxis
        precondition(scales.count == cond.shape[axis], "\(scales.count) scales for \(cond.shape[axis]) frames")
        var shape = [Int](repeating: 1, count: cond.rank)
        shape[axis] = scales.count
        return uncond + (cond - uncond) * Tensor(scales, shape: shape)
    }
}
