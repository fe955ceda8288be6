import Foundation
import Models
import NN
import Tensor

/// Fits the head model's geometry code so that the regressed face (FaceShapeRegressor) lies on its
/// zero level set: Adam on the code, the mean |SDF| at random face points under the neutral expression
/// code, plus a pull towards the starting code (the prior's), which keeps what the face points do not
/// see (hair, the back of the head) where the prior put it. The optional refinement, fitted to
/// a regressed face instead of landmarks or a silhouette.
public struct HeadShapeRefinement {
    public var steps = 100
    public var points = 2048
    public var learningRate: Float = 1e-2
    /// Weight of the squared distance from the starting code.
    public var regularisation: Float = 1e-3
    public var seed: UInt64 = 0

    public init() {}

    /// The geometry code [1, G] fitted from `start` [1, G] to `surface` [n, 3] (orbit units), under the
    /// expression code `expression` [1, E]; the codes' mean |SDF| at the surface before and after.
    public func fit(_ head: NPHMHead, geometry start: Tensor, expression: Tensor, surface: Tensor,
                    progress: (Int, Int) -> Void = { _, _ in }) -> (geometry: Tensor, before: Float, after: Float) {
        let count = surface.shape[0]
        var random = SeededGenerator(seed: seed)
        func batch() -> Tensor {
            surface.gatherRows((0..<min(points, count)).map { _ in Int32(random.next() % UInt64(count)) }).reshaped([1, -1, 3])
        }
        func meanDistance(_ code: Tensor, _ at: Tensor) -> Tensor {
            head(points: at, geometry: code, expression: expression).sdf.value.abs().mean()
        }
        let check = batch()
        let code = start.clone().requiringGrad()
        let optimizer = Adam(groups: [ParameterGroup(parameters: [code], learningRate: learningRate)])
        let before = noGrad { meanDistance(start, check).item() }
        for step in 0..<max(steps, 0) {
            optimizer.zeroGrad()
            let pull = ((code - start) * (code - start)).sum() * regularisation
            (meanDistance(code, batch()) + pull).backward()
            optimizer.update()
            progress(step + 1, steps)
        }
        let fitted = code.detached().clone()
        return (fitted, before, noGrad { meanDistance(fitted, check).item() })
    }
}
