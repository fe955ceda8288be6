import Foundation
import NN
import Tensor

/// The NPHM-style neural head model (MonoNPHM: Giebenhain et al. 2024): a signed distance and a
/// colour at posed points, from a geometry code, an appearance code and an expression code.
///
/// Posed points go through the backward deformation to canonical coordinates [q, h]. Around each,
/// the K nearest anchors (the template moved by an MLP of the global geometry code) and the global
/// member each run their member network on [global code, local code, q - anchor (x mirrored for the
/// second of a symmetric pair), h]; the results blend with Gaussian weights of the anchor distances,
/// whose width is the `sigmaRank`-th distance over `blendStd` (the global member sits at the constant
/// `globalDistance`). Colour members see the appearance codes and a 16-d bottleneck of their geometry
/// member's last hidden pre-activation, and blend with the same weights. Positive outside.
public final class NPHMHead: Module {
    public let config: NPHMConfiguration
    /// The anchors' template positions [A, 3] (not trained).
    public let anchorTemplate: Tensor
    let anchorOffsets: [Linear]
    let geometry: NPHMMembers
    let communication: [Linear]
    let colour: NPHMMembers
    let deformation: NPHMDeformation

    public init(_ w: WeightScope, config: NPHMConfiguration) throws {
        let c = try config.validated()
        self.config = c
        anchorTemplate = try w.load("anchors", shape: [c.anchors, 3], initializer: .zeros).requiringGrad(false)
        anchorOffsets = try [(c.globalCode, c.anchorHidden), (c.anchorHidden, c.anchorHidden), (c.anchorHidden, 3 * c.anchors)].enumerated().map {
            try Linear(w["anchor_offsets"]["\($0.offset)"], inFeatures: $0.element.0, outFeatures: $0.element.1)
        }
        let codeWidth = c.globalCode + c.localCode
        geometry = try NPHMMembers(w["geometry"], types: c.memberTypes, codeWidth: codeWidth, features: c.canonicalDimensions,
                                   hidden: c.hidden, hiddenLayers: c.hiddenLayers, outputs: 1)
        communication = try [Linear(w["communication"]["0"], inFeatures: c.hidden, outFeatures: c.communication),
                             Linear(w["communication"]["1"], inFeatures: c.communication, outFeatures: c.communication)]
        colour = try NPHMMembers(w["colour"], types: c.memberTypes, codeWidth: codeWidth, features: c.communication,
                                 hidden: c.colourHidden, hiddenLayers: c.hiddenLayers, outputs: 3)
        deformation = try NPHMDeformation(w["deformation"], config: c)
    }

    public var namedParameters: [(String, Tensor)] {
        [("anchors", anchorTemplate)] + anchorOffsets.flatMap(\.namedParameters) + geometry.namedParameters
            + communication.flatMap(\.namedParameters) + colour.namedParameters + deformation.namedParameters
    }

    /// Everything the optimiser moves (all but the anchor template).
    public var trainableParameters: [(String, Tensor)] { namedParameters.filter { $0.0 != "anchors" } }

    /// Anchor positions [S, A, 3] for geometry codes [S, identityCodeLength].
    public func anchors(geometry codes: Tensor) -> Tensor {
        let global = codes.slice(axis: 1, 0..<config.globalCode)
        let offsets = anchorOffsets[2](anchorOffsets[1](anchorOffsets[0](global).relu()).relu())
        return offsets.reshaped([codes.shape[0], config.anchors, 3]) + anchorTemplate
    }

    public struct Output {
        /// Signed distances [S, N]; with `spatialGradient`, the tangent [3, S, N] is the gradient.
        public let sdf: Dual
        /// Colours [S, N, 3] in [-1, 1] (linear member outputs), when asked for.
        public let colour: Tensor?
        /// Canonical coordinates [S * N, 3 + hyper] and anchors [S, A, 3].
        public let canonical: Dual
        public let anchors: Tensor
    }

    /// points [S, N, 3] posed; geometry and appearance codes [S, identityCodeLength], expression
    /// codes [S, E].
    public func callAsFunction(points: Tensor, geometry codes: Tensor, appearance: Tensor? = nil, expression: Tensor,
                               spatialGradient: Bool = false) -> Output {
        let c = config
        let (samples, perSample) = (points.shape[0], points.shape[1])
        let count = samples * perSample, slots = c.neighbours + 1
        let anchors = anchors(geometry: codes)
        let flat = points.reshaped([count, 3])
        let x = spatialGradient ? Dual.variable(flat) : Dual(flat)
        let canonical = deformation.canonical(x, geometry: codes, anchors: anchors, expression: expression)
        let routing = NPHMRouting(config: c, canonical: canonical.value, anchors: anchors, perSample: perSample)

        // Offsets to each slot's anchor: [R, 3 + hyper], the global member's anchor is the origin.
        let anchorRows = anchors.padded([(0, 0), (0, 1), (0, c.hyperDimensions)]).reshaped([samples * (c.anchors + 1), c.canonicalDimensions])
        let offsets = (canonical.gatherRows(routing.pointOfRow) - anchorRows.gatherRows(routing.anchorRowOfRow)) * routing.mirror
        let norms = (offsets.lastAxis(0..<3) * offsets.lastAxis(0..<3)).sum(axis: 1, keepDims: true).sqrt()
        let distances = (norms * routing.localMask + routing.globalDistance).reshaped([count, slots])
        let sigma = distances.lastAxis((c.sigmaRank - 1)..<c.sigmaRank) * (1 / c.blendStd)
        let ratio = distances / sigma
        let bumps = (ratio * ratio * -0.5).exp()
        let weights = bumps / (bumps.sum(axis: 1, keepDims: true) + Tensor.scalar(1e-8))

        // Member networks, one type at a time, outputs back in row order.
        let codeRows = identityCodeRows(codes)
        let appearanceRows = appearance.map(identityCodeRows)
        var sdfParts: [Dual] = [], colourParts: [Tensor] = []
        for t in 0..<c.memberTypes where !routing.rowsOfType[t].isEmpty {
            let (sdf, tap) = geometry(type: t, codes: codeRows.gatherRows(routing.codesOfType[t]), codeOfRow: routing.codeOfRow[t],
                                      features: offsets, featureRows: routing.rowsOfType[t], activation: .softplus(beta: c.softplusBeta),
                                      tap: appearanceRows != nil)
            sdfParts.append(sdf)
            if let appearanceRows, let tap {
                let bottleneck = communication[1](communication[0](tap.value).relu())
                let (rgb, _) = colour(type: t, codes: appearanceRows.gatherRows(routing.codesOfType[t]), codeOfRow: routing.codeOfRow[t],
                                      features: Dual(bottleneck), activation: .relu, tap: false)
                colourParts.append(rgb.value)
            }
        }
        let memberSDF = Dual.concatRows(sdfParts).gatherRows(routing.rowOrder).reshaped([count, slots])
        let sdf = (weights * memberSDF).sum(axis: 1).reshaped([samples, perSample])
        let rgb = colourParts.isEmpty ? nil : (weights.value.unsqueezed(2)
            * Tensor.concat(colourParts, axis: 0).gatherRows(routing.rowOrder).reshaped([count, slots, 3])).sum(axes: [1]).reshaped([samples, perSample, 3])
        return Output(sdf: sdf, colour: rgb, canonical: canonical, anchors: anchors)
    }

    /// Canonical coordinates [S * N, 3 + hyper] of posed points [S, N, 3] (the deformation alone).
    public func canonical(points: Tensor, geometry codes: Tensor, expression: Tensor) -> Tensor {
        let flat = points.reshaped([points.shape[0] * points.shape[1], 3])
        return deformation.canonical(Dual(flat), geometry: codes, anchors: anchors(geometry: codes), expression: expression).value
    }

    /// [S * (A + 1), global + local]: for each sample and anchor (the last: the global member), the
    /// global code and that anchor's local code.
    func identityCodeRows(_ codes: Tensor) -> Tensor {
        let (samples, a) = (codes.shape[0], config.anchors + 1)
        let global = codes.slice(axis: 1, 0..<config.globalCode).unsqueezed(1).expanded(to: [samples, a, config.globalCode])
        let local = codes.slice(axis: 1, config.globalCode..<config.identityCodeLength).reshaped([samples, a, config.localCode])
        return Tensor.concat([global, local], axis: 2).reshaped([samples * a, config.globalCode + config.localCode])
    }
}
