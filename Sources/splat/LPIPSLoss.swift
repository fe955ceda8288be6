import Foundation
import Models
import Tensor

/// LPIPS between [h, w, 3] images in [0, 1] and its gradient with respect to the first (autograd
/// through the network), for the trainer's perceptual term.
enum LPIPSLoss {
    static func evaluate(_ network: LPIPS, rendered: [Float], target: [Float], width: Int, height: Int) -> (loss: Float, gradient: [Float]) {
        func planar(_ hwc: [Float]) -> Tensor { Tensor(hwc, shape: [height, width, 3]).permuted([2, 0, 1]).contiguous().reshaped([1, 3, height, width]) }
        let leaf = planar(rendered).detached().requiringGrad()
        let distance = network(leaf * 2 - 1, planar(target) * 2 - 1).sum()
        distance.backward()
        let gradient = leaf.grad!.reshaped([3, height, width]).permuted([1, 2, 0]).contiguous().toArray()
        return (distance.item(), gradient)
    }
}
