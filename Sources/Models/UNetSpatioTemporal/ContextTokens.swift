import NN
import Tensor

/// The UNet's cross-attention context for one portrait: token 0 is the CLIP image embedding (as in
/// SVD), token 1 (when the model has an identity projection) is the ArcFace-family identity embedding
/// projected to the context width by a learned linear layer (key `identity_proj`, Orbit's own). Either
/// token can be dropped (zeros) for classifier-free guidance and its training-time condition dropout.
public final class ContextTokens: Module {
    public let contextDim: Int
    let identityProjection: Linear?

    /// identityDim nil: the stock one-token context (a real SVD / SV3D checkpoint).
    public init(_ w: WeightScope, contextDim: Int, identityDim: Int?) throws {
        self.contextDim = contextDim
        identityProjection = try identityDim.map { try Linear(w["identity_proj"], inFeatures: $0, outFeatures: contextDim) }
    }

    public var tokens: Int { identityProjection == nil ? 1 : 2 }

    /// image [B, contextDim], identity [B, identityDim] (required when the model has the projection and
    /// the token is not dropped)
    /// -> [B, tokens, contextDim].
    public func callAsFunction(image: Tensor, identity: Tensor?, dropImage: Bool = false,
                               dropIdentity: Bool = false) -> Tensor {
        let b = image.shape[0]
        precondition(image.shape == [b, contextDim], "image embedding must be [B, \(contextDim)], got \(image.shape)")
        var parts = [dropImage ? Tensor(zeros: [b, 1, contextDim]) : image.reshaped([b, 1, contextDim])]
        if let identityProjection {
            if dropIdentity {
                parts.append(Tensor(zeros: [b, 1, contextDim]))
            } else {
                guard let identity else { preconditionFailure("this model's context needs an identity embedding (or dropIdentity)") }
                parts.append(identityProjection(identity).reshaped([b, 1, contextDim]))
            }
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 1)
    }

    /// Per-sample condition dropout for training: image [B, contextDim], identity [B, identityDim];
    /// keepImage / keepIdentity [B] hold 1 to keep a sample's token and 0 to zero it (what the
    /// unconditional branch and a portrait without a face give) -> [B, tokens, contextDim].
    public func callAsFunction(image: Tensor, identity: Tensor, keepImage: [Float], keepIdentity: [Float]) -> Tensor {
        let b = image.shape[0]
        precondition(image.shape == [b, contextDim] && keepImage.count == b && keepIdentity.count == b,
                     "image [B, \(contextDim)] with B keep flags, got \(image.shape), \(keepImage.count), \(keepIdentity.count)")
        var parts = [(image * Tensor(keepImage, shape: [b, 1])).reshaped([b, 1, contextDim])]
        if let identityProjection {
            parts.append((identityProjection(identity) * Tensor(keepIdentity, shape: [b, 1])).reshaped([b, 1, contextDim]))
        }
        return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 1)
    }

    public var namedParameters: [(String, Tensor)] { identityProjection?.namedParameters ?? [] }
}
