import Models
import NN

/// What embeds a face for the generator's identity token: the pretrained SFace, or SFace with the
/// expression-aware embedding head that `orbit train identity` fine-tuned (seed Eq. 5; committed as
/// Weights/sface-expression/head.safetensors with its model card). A generator records the one it
/// was trained with; its training cache and `orbit generate` must use the same.
public enum IdentityEncoder: String, CaseIterable, Sendable {
    case sface
    case expressionAware = "sface-expression"

    /// The encoder a config file's `identity_encoder` value names (absent: the pretrained SFace, what
    /// files from before the key existed used); an unknown name is an error naming the file.
    public static func named(_ value: String?, in file: String) throws -> IdentityEncoder {
        guard let value else { return .sface }
        guard let known = IdentityEncoder(rawValue: value) else {
            throw WeightError("\(file): unknown identity_encoder '\(value)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return known
    }

    /// The committed expression-aware head's file, or nil when the checkout has none.
    public static func committedHead() -> String? {
        CommittedWeights.locate(expressionAware.rawValue, containing: "head.safetensors").map { $0 + "/head.safetensors" }
    }

    /// The encoder's network, frozen.
    public func load() throws -> SFace {
        switch self {
        case .sface: return try SFace.pretrained()
        case .expressionAware:
            guard let head = Self.committedHead() else {
                throw MissingWeightsError(path: "Weights/\(rawValue)/head.safetensors",
                                          "missing Weights/\(rawValue)/head.safetensors (the expression-aware identity head committed with Orbit)")
            }
            return try SFace.pretrained(expressionHead: head)
        }
    }
}
