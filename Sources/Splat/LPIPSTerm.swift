import Foundation
import Models
import Tensor

/// A fit's settings that cannot work, said in a sentence.
public struct SplatSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension PerceptualTerm {
    /// The seed paper's LPIPS term (Eq. 6) with the pretrained `backbone` (the WeightStore's converted
    /// weights), every `every` steps on random `crop` x `crop` squares (0: the whole view) of views
    /// `width` x `height` pixels (steps on downscaled views smaller than LPIPS accepts go without it).
    /// Throws when the crop is smaller than LPIPS accepts, or when the weights are missing or
    /// unreadable (naming the file).
    public static func lpips(_ backbone: LPIPS.Backbone, weight: Float, every: Int, crop: Int, width: Int, height: Int) throws -> PerceptualTerm {
        let side = crop > 0 ? min(crop, width, height) : min(width, height)
        guard side >= LPIPS.minimumSide else {
            throw SplatSetupError("LPIPS needs crops of at least \(LPIPS.minimumSide) px; the views are \(width)x\(height) and the crop is \(crop)")
        }
        let network = try LPIPS.pretrained(backbone)
        return PerceptualTerm(weight: weight, every: every, crop: crop, minimumSide: LPIPS.minimumSide) { rendered, target, w, h in
            LPIPSImages.lossAndGradient(network, rendered: rendered, target: target, width: w, height: h)
        }
    }
}

extension SplatEvaluation {
    /// The `perceptual` distance `evaluate` takes, from an LPIPS network.
    public static func lpipsDistance(_ network: LPIPS) -> ([Float], [Float], Int, Int) -> Float {
        { rendered, target, w, h in LPIPSImages.distance(network, rendered, target, width: w, height: h) }
    }
}

/// LPIPS between [h, w, 3] images in [0, 1] and its gradient with respect to the first (autograd
/// through the network).
enum LPIPSImages {
    /// [H, W, 3] -> [1, 3, H, W].
    static func planar(_ hwc: [Float], width: Int, height: Int) -> Tensor {
        Tensor(hwc, shape: [height, width, 3]).permuted([2, 0, 1]).contiguous().reshaped([1, 3, height, width])
    }

    /// The distance alone (no tape).
    static func distance(_ network: LPIPS, _ rendered: [Float], _ target: [Float], width: Int, height: Int) -> Float {
        noGrad { network(planar(rendered, width: width, height: height) * 2 - 1, planar(target, width: width, height: height) * 2 - 1).item() }
    }

    static func lossAndGradient(_ network: LPIPS, rendered: [Float], target: [Float], width: Int, height: Int) -> (loss: Float, gradient: [Float]) {
        let leaf = planar(rendered, width: width, height: height).detached().requiringGrad()
        let distance = network(leaf * 2 - 1, planar(target, width: width, height: height) * 2 - 1).sum()
        distance.backward()
        let gradient = leaf.grad!.reshaped([3, height, width]).permuted([1, 2, 0]).contiguous().toArray()
        return (distance.item(), gradient)
    }
}
