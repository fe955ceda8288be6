import Foundation
import Imaging
import Models
import Synth
import Tensor

/// portrait -> head mesh: the portrait framed as `orbit generate` frames it, its condition
/// (HeadConditionEncoder), a latent from the prior, and the head model's zero level set.
public struct HeadReconstruction {
    public let model: HeadModel
    public let encoder: HeadConditionEncoder
    public let faces: FaceAnalysis?
    /// Side the portrait is framed at (the generator's views, which the prior was trained on).
    public var portraitResolution = 128
    public var priorSteps = 50
    public var guidance: Float = 2
    /// Noise inputs (posterior mean) or DDIM samples (sampled) averaged into one latent by default.
    public static let defaultDraws = 8

    /// How a mesh's latent comes out of the prior.
    public enum LatentEstimate: String, Codable, CaseIterable, Sendable {
        /// The denoiser's one-step estimate of the condition's mean latent (`HeadPrior.posteriorMean`):
        /// on 45 held-out samples 0.395 / 0.423 cm against 0.451 / 0.447 for the mean of eight DDIM
        /// samples (docs/BENCHMARKS.md), and one network call per draw instead of a chain of 50.
        case posteriorMean = "posterior-mean"
        /// The mean of `draws` whole DDIM samples (one draw: a sample, the prior's variety).
        case sampled
    }
    public static let defaultEstimate = LatentEstimate.posteriorMean

    public init(model: HeadModel, encoder: HeadConditionEncoder, faces: FaceAnalysis?) {
        (self.model, self.encoder, self.faces) = (model, encoder, faces)
    }

    /// The condition [1, C] of a portrait, and what was decided on the user's behalf.
    public func condition(of image: Image) -> (condition: Tensor, notes: [String]) {
        let portrait = PreparedPortrait(image, resolution: portraitResolution, faces: faces)
        return (encoder.condition(portrait), portrait.notes)
    }

    /// `count` latents [count, L] for one condition [1, C] from noise seeded by `seed`: sampled, each
    /// the mean of `draws` prior samples (one draw: a sample; more: nearer the condition's mean), or
    /// the posterior mean over `draws` noise inputs (seed + k for the k-th latent; the conditional
    /// branch alone, without `guidance`).
    public func latents(for condition: Tensor, estimate: LatentEstimate = .sampled, count: Int = 1, draws: Int = 1, seed: UInt64,
                        progress: (Int, Int) -> Void = { _, _ in }) -> Tensor {
        precondition(count >= 1 && draws >= 1, "at least one latent of at least one draw")
        switch estimate {
        case .posteriorMean:
            let latents = (0..<count).map { k in
                defer { progress(k + 1, count) }
                return model.prior.posteriorMean(conditions: condition, draws: draws, seed: seed &+ UInt64(k))  // unguided, as measured
            }
            return Tensor.concat(latents, axis: 0)
        case .sampled:
            let repeated = Tensor.concat(Array(repeating: condition, count: count * draws), axis: 0)
            let drawn = model.prior.sample(conditions: repeated, steps: priorSteps, guidance: guidance, seed: seed, progress: progress)
            return draws == 1 ? drawn : drawn.reshaped([count, draws, -1]).mean(axes: [1])
        }
    }

    /// The latent [1, L] with its codes fitted to the face the condition's embedding regresses
    /// (FaceShapeRegressor, HeadShapeRefinement): the geometry code to the regressed neutral face under
    /// the neutral expression code, then (when the regressor reads expressions and
    /// `refinement.fitsExpression`) the expression code to the regressed face with the expression of
    /// `expressionCondition` (default: the same portrait's). Also the mean |SDF| at the final target
    /// face before and after (orbit units). nil when the model has no regressor or the portrait no face
    /// (a zero embedding). Progress counts the steps of both fits.
    public func refiningShape(_ latent: Tensor, condition: Tensor, expressionCondition: Tensor? = nil, kit: FaceKit,
                              refinement: HeadShapeRefinement = HeadShapeRefinement(),
                              progress: (Int, Int) -> Void = { _, _ in }) -> (latent: Tensor, before: Float, after: Float)? {
        guard let regressor = model.faceShape, Self.hasFace(condition, regressor) else { return nil }
        let codes = model.layout.split(latent)
        let identity = regressor.identityWeights(condition: condition)
        let expressionSource = expressionCondition ?? condition
        let weights = refinement.fitsExpression && Self.hasFace(expressionSource, regressor) ? regressor.expressionWeights(condition: expressionSource) : nil
        let total = refinement.steps * (weights == nil ? 1 : 2)
        let neutralFace = FaceShapeRegressor.faceSurface(identity: identity, kit: kit)
        let target = weights.map { FaceShapeRegressor.faceSurface(identity: identity, expression: $0, kit: kit) } ?? neutralFace
        let before = refinement.distance(model.head, geometry: codes.geometry, expression: weights == nil ? regressor.neutralExpression : codes.expression,
                                         surface: target)
        let geometry = refinement.fit(model.head, geometry: codes.geometry, expression: regressor.neutralExpression, surface: neutralFace,
                                      fitting: .geometry) { done, _ in progress(done, total) }
        guard weights != nil else {
            let after = refinement.distance(model.head, geometry: geometry, expression: regressor.neutralExpression, surface: target)
            return (model.layout.join(geometry: geometry, appearance: codes.appearance, expression: codes.expression), before, after)
        }
        // What the neutral fit left at each face vertex (the regressed identity's own error) is kept, so
        // the expression code explains only the expression's displacement.
        let residual = refinement.distances(model.head, geometry: geometry, expression: regressor.neutralExpression, surface: neutralFace)
        let expression = refinement.fit(model.head, geometry: geometry, expression: regressor.neutralExpression, surface: target, distances: residual,
                                        fitting: .expression) { done, _ in progress(refinement.steps + done, total) }
        let after = refinement.distance(model.head, geometry: geometry, expression: expression, surface: target)
        return (model.layout.join(geometry: geometry, appearance: codes.appearance, expression: expression), before, after)
    }

    /// Whether the condition [1, C] holds a face's embedding (a portrait without a face gives zeros).
    static func hasFace(_ condition: Tensor, _ regressor: FaceShapeRegressor) -> Bool {
        regressor.embedding(condition).toArray().contains { $0 != 0 }
    }

    /// The latent with its expression code taken from another latent (both [1, L]).
    public func transferringExpression(from other: Tensor, to latent: Tensor) -> Tensor {
        let (mine, theirs) = (model.layout.split(latent), model.layout.split(other))
        return model.layout.join(geometry: mine.geometry, appearance: mine.appearance, expression: theirs.expression)
    }

    /// The mesh of a latent [1, L] over the head model's box at `resolution`.
    public func mesh(_ latent: Tensor, resolution: Int, progress: (Int, Int) -> Void = { _, _ in }) -> HeadMesher.Result {
        let codes = model.layout.split(latent)
        return HeadMesher(resolution: resolution).mesh(model.head, geometry: codes.geometry, appearance: codes.appearance,
                                                       expression: codes.expression, progress: progress)
    }
}
