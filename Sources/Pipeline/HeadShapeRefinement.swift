import Foundation
import Models
import NN
import Tensor

/// Fits one of the head model's codes so that the regressed face (FaceShapeRegressor) lies on its zero
/// level set: Adam on the code, the mean |SDF| at random face points, plus a pull towards the starting
/// code. HeadReconstruction.refiningShape runs it twice: the geometry code, from the prior's (the pull
/// keeps what the face points do not see, hair and the back of the head, where the prior put it),
/// against the regressed neutral face under the neutral expression code; then the expression code,
/// from the neutral one, against the regressed expressive face under that geometry, matching the
/// signed distance the first fit left at each vertex. The optional refinement, fitted to a
/// regressed face instead of landmarks or a silhouette.
public struct HeadShapeRefinement {
    /// Adam steps per fitted code.
    public var steps = 100
    public var points = 2048
    public var learningRate: Float = 1e-2
    /// Weight of the squared distance from the starting code.
    public var regularisation: Float = 1e-3
    public var seed: UInt64 = 0
    /// Whether the expression code is fitted too (when the regressor reads expressions).
    public var fitsExpression = true

    public init() {}

    /// Which code a fit moves.
    public enum Code: Sendable { case geometry, expression }

    /// The `fitted` code started from its value in `geometry` [1, G] / `expression` [1, E], the other
    /// held, so that the SDF at `surface` [n, 3] (orbit units) is `distances` [n] (default: zero, the
    /// surface on the zero level set).
    public func fit(_ head: NPHMHead, geometry: Tensor, expression: Tensor, surface: Tensor, distances: Tensor? = nil, fitting fitted: Code,
                    progress: (Int, Int) -> Void = { _, _ in }) -> Tensor {
        var random = SeededGenerator(seed: seed)
        let start = fitted == .geometry ? geometry : expression
        let code = start.clone().requiringGrad()
        let optimizer = Adam(groups: [ParameterGroup(parameters: [code], learningRate: learningRate)])
        for step in 0..<max(steps, 0) {
            optimizer.zeroGrad()
            let rows = Self.rows(count: surface.shape[0], points: points, random: &random)
            let at = surface.gatherRows(rows).reshaped([1, -1, 3])
            let sdf = fitted == .geometry ? head(points: at, geometry: code, expression: expression).sdf.value
                                          : head(points: at, geometry: geometry, expression: code).sdf.value
            let miss = distances.map { sdf.reshaped([-1]) - $0.reshaped([-1, 1]).gatherRows(rows).reshaped([-1]) } ?? sdf
            let pull = ((code - start) * (code - start)).sum() * regularisation
            (miss.abs().mean() + pull).backward()
            optimizer.update()
            progress(step + 1, steps)
        }
        return code.detached().clone()
    }

    /// The mean |SDF| of the codes at a fixed draw of `points` surface points (the fit's measure).
    public func distance(_ head: NPHMHead, geometry: Tensor, expression: Tensor, surface: Tensor) -> Float {
        var random = SeededGenerator(seed: seed ^ 0x5EED)
        let at = surface.gatherRows(Self.rows(count: surface.shape[0], points: points, random: &random)).reshaped([1, -1, 3])
        return noGrad { head(points: at, geometry: geometry, expression: expression).sdf.value.abs().mean().item() }
    }

    /// The SDF [n] of the codes at every point of `surface` [n, 3].
    public func distances(_ head: NPHMHead, geometry: Tensor, expression: Tensor, surface: Tensor) -> Tensor {
        noGrad { head(points: surface.reshaped([1, -1, 3]), geometry: geometry, expression: expression).sdf.value.reshaped([-1]).detached() }
    }

    /// min(points, count) row indices drawn with replacement.
    static func rows(count: Int, points: Int, random: inout SeededGenerator) -> [Int32] {
        (0..<min(points, count)).map { _ in Int32(random.next() % UInt64(count)) }
    }
}
