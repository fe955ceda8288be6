import Foundation

/// Sizes of the NPHM-style head model (MonoNPHM's architecture; defaults are MonoNPHM's, the
/// trained model may choose smaller ones). Anchors: `symmetricPairs` left/right pairs (stored
/// interleaved, the second of each pair mirrored in x and sharing the first's member network), then
/// `midlineAnchors`; one more member, the global one, sees absolute coordinates.
public struct NPHMConfiguration: Codable, Sendable, Equatable {
    public var symmetricPairs = 30
    public var midlineAnchors = 5
    /// Nearest anchors blended at a point, besides the global member.
    public var neighbours = 12
    /// The blending width is the distance to the `sigmaRank`-th nearest anchor over `blendStd`.
    public var sigmaRank = 8
    public var blendStd: Float = 3.75
    /// The global member's constant distance in the blending weights (MonoNPHM: 0.75 NPHM units).
    public var globalDistance: Float = 0.75
    public var globalCode = 64, localCode = 32
    public var expressionCode = 100
    /// Member networks: hidden width and count of hidden layers (MonoNPHM: 200, 4).
    public var hidden = 200, hiddenLayers = 4
    public var colourHidden = 200
    /// The geometry-to-colour bottleneck, from the last hidden layer's pre-activation.
    public var communication = 16
    public var anchorHidden = 64
    public var compressedIdentity = 16
    public var deformationHidden = 400, deformationLayers = 6, deformationSkip = 3
    public var hyperDimensions = 2
    public var softplusBeta: Float = 100
    /// The FaceKit skin vertices the anchors were placed on (a trained model records them).
    public var anchorVertices: [Int]?

    public init() {}

    /// Orbit's trained size: MonoNPHM's 65 anchors and layer counts, narrower members, 8 neighbours
    /// (sigma from the 8th, as MonoNPHM's rule), a 32-d expression code (the synthetic expressions are
    /// presets), and the global member's distance in orbit units (0.75 NPHM units is 18.75 cm).
    public static var orbitSmall: NPHMConfiguration {
        var c = NPHMConfiguration()
        (c.neighbours, c.sigmaRank, c.localCode, c.expressionCode) = (8, 8, 16, 32)
        (c.hidden, c.colourHidden, c.deformationHidden) = (96, 64, 128)
        c.globalDistance = 18.75 / 18
        return c
    }

    public var anchors: Int { 2 * symmetricPairs + midlineAnchors }
    /// Member networks: one per pair, per midline anchor, and the global one.
    public var memberTypes: Int { symmetricPairs + midlineAnchors + 1 }
    /// Length of an identity (geometry or appearance) code: global, then a local code per anchor
    /// and one for the global member.
    public var identityCodeLength: Int { globalCode + (anchors + 1) * localCode }
    /// Canonical coordinates: position and hyper-dimensions.
    public var canonicalDimensions: Int { 3 + hyperDimensions }

    /// The member network of anchor `a` (a == anchors: the global member).
    public func memberType(ofAnchor a: Int) -> Int {
        a < 2 * symmetricPairs ? a / 2 : a < anchors ? symmetricPairs + a - 2 * symmetricPairs : memberTypes - 1
    }

    /// Whether anchor `a`'s offsets are mirrored in x (the second of a symmetric pair).
    public func isMirrored(anchor a: Int) -> Bool { a < 2 * symmetricPairs && a % 2 == 1 }

    /// Throws unless the sizes build a head model: anchor and layer counts from 0 (1 where one is needed)
    /// to `ModelSizeLimits.maximumLayers`, widths and codes up to `ModelSizeLimits.maximumWidth`, positive
    /// finite blending and softplus constants, and the neighbour and skip indices in range.
    public func validated() throws -> NPHMConfiguration {
        let counts = [("symmetric_pairs", symmetricPairs), ("midline_anchors", midlineAnchors), ("hidden_layers", hiddenLayers),
                      ("deformation_layers", deformationLayers)]
        if let (key, value) = counts.first(where: { !(0...ModelSizeLimits.maximumLayers).contains($0.1) }) {
            throw NPHMError("\(key) \(value) is not a count from 0 to \(ModelSizeLimits.maximumLayers)")
        }
        let widths = [("global_code", globalCode), ("local_code", localCode), ("expression_code", expressionCode), ("hidden", hidden),
                      ("colour_hidden", colourHidden), ("communication", communication), ("anchor_hidden", anchorHidden),
                      ("compressed_identity", compressedIdentity), ("deformation_hidden", deformationHidden), ("hyper_dimensions", hyperDimensions)]
        if let (key, value) = widths.first(where: { !(0...ModelSizeLimits.maximumWidth).contains($0.1) }) {
            throw NPHMError("\(key) \(value) is not a width from 0 to \(ModelSizeLimits.maximumWidth)")
        }
        for (key, value) in [("blend_std", blendStd), ("global_distance", globalDistance), ("softplus_beta", softplusBeta)] where !(value.isFinite && value > 0) {
            throw NPHMError("\(key) \(value) is not a positive number")
        }
        guard anchors >= 1 else { throw NPHMError("the model needs at least one anchor") }
        guard neighbours >= 1, neighbours <= anchors else { throw NPHMError("neighbours must be between 1 and the \(anchors) anchors") }
        guard sigmaRank >= 1, sigmaRank <= neighbours else { throw NPHMError("sigma_rank must be between 1 and neighbours (\(neighbours))") }
        guard hiddenLayers >= 1, deformationLayers >= 1, deformationSkip < deformationLayers else {
            throw NPHMError("layer counts must be positive and the deformation skip inside the network")
        }
        return self
    }

    enum CodingKeys: String, CodingKey {
        case symmetricPairs = "symmetric_pairs", midlineAnchors = "midline_anchors", neighbours, sigmaRank = "sigma_rank"
        case blendStd = "blend_std", globalDistance = "global_distance", globalCode = "global_code", localCode = "local_code"
        case expressionCode = "expression_code", hidden, hiddenLayers = "hidden_layers", colourHidden = "colour_hidden"
        case communication, anchorHidden = "anchor_hidden", compressedIdentity = "compressed_identity"
        case deformationHidden = "deformation_hidden", deformationLayers = "deformation_layers", deformationSkip = "deformation_skip"
        case hyperDimensions = "hyper_dimensions", softplusBeta = "softplus_beta", anchorVertices = "anchor_vertices"
    }
}

public struct NPHMError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
