import Foundation
import Models
import Tensor

/// LPIPS between [h, w, 3] images in [0, 1] and its gradient with respect to the first (autograd
/// through the network), for the trainer's perceptual term.
enum LPIPSLoss {
    /// [H, W, 3] -> [1, 3, H, W].
    static func planar(_ hwc: [Float], width: Int, height: Int) -> Tensor {
        Tensor(hwc, shape: [height, width, 3]).permuted([2, 0, 1]).contiguous().reshaped([1, 3, height, width])
    }

    /// The distance alone (no tape).
    static func distance(_ network: LPIPS, _ rendered: [Float], _ target: [Float], width: Int, height: Int) -> Float {
        noGrad { network(planar(rendered, width: width, height: height) * 2 - 1, planar(target, width: width, height: height) * 2 - 1).item() }
    }

    static func evaluate(_ network: LPIPS, rendered: [Float], target: [Float], width: Int, height: Int) -> (loss: Float, gradient: [Float]) {
        let leaf = planar(rendered, width: width, height: height).detached().requiringGrad()
        let distance = network(leaf * 2 - 1, planar(target, width: width, height: height) * 2 - 1).sum()
        distance.backward()
        let gradient = leaf.grad!.reshaped([3, height, width]).permuted([1, 2, 0]).contiguous().toArray()
        return (distance.item(), gradient)
    }
}
