import NN
import Tensor

/// CLIPVisionModelWithProjection (Radford et al. 2021; transformers' key names): patches embedded
/// by a strided conv, a class token and learned positions, pre-layer-norm, pre-norm transformer
/// layers (self-attention, MLP with quick_gelu or gelu), post-layer-norm on the class token and a
/// linear projection -> image_embeds [B, projectionDim] (SVD's image conditioning token).
public final class CLIPVision: Module {
    public struct Config: Sendable, Equatable {
        public var hiddenSize: Int, intermediateSize: Int, projectionDim: Int, layers: Int, heads: Int
        public var imageSize: Int, patchSize: Int, quickGELU: Bool, layerNormEps: Float

        public init(hiddenSize: Int, intermediateSize: Int, projectionDim: Int, layers: Int, heads: Int,
                    imageSize: Int, patchSize: Int, quickGELU: Bool = true, layerNormEps: Float = 1e-5) {
            (self.hiddenSize, self.intermediateSize, self.projectionDim, self.layers, self.heads) =
                (hiddenSize, intermediateSize, projectionDim, layers, heads)
            (self.imageSize, self.patchSize, self.quickGELU, self.layerNormEps) = (imageSize, patchSize, quickGELU, layerNormEps)
        }

        /// OpenCLIP ViT-H/14 as SVD's image encoder uses it (gelu, 1024-d embeddings).
        public static let vitH14 = Config(hiddenSize: 1280, intermediateSize: 5120, projectionDim: 1024, layers: 32, heads: 16,
                                          imageSize: 224, patchSize: 14, quickGELU: false)

        /// Orbit's CPU default: ViT-B/16 geometry at a third of the width, projecting to the UNet's
        /// 1024-wide context like ViT-H/14.
        public static let small = Config(hiddenSize: 256, intermediateSize: 1024, projectionDim: 1024, layers: 4, heads: 4,
                                         imageSize: 224, patchSize: 16, quickGELU: false)
    }

    /// One pre-norm encoder layer.
    final class Layer: Module {
        let norm1, norm2: LayerNorm
        let q, k, v, out, fc1, fc2: Linear
        let heads: Int, quickGELU: Bool

        init(_ w: WeightScope, _ c: Config) throws {
            norm1 = try LayerNorm(w["layer_norm1"], dim: c.hiddenSize, eps: c.layerNormEps)
            norm2 = try LayerNorm(w["layer_norm2"], dim: c.hiddenSize, eps: c.layerNormEps)
            let a = w["self_attn"]
            q = try Linear(a["q_proj"], inFeatures: c.hiddenSize, outFeatures: c.hiddenSize)
            k = try Linear(a["k_proj"], inFeatures: c.hiddenSize, outFeatures: c.hiddenSize)
            v = try Linear(a["v_proj"], inFeatures: c.hiddenSize, outFeatures: c.hiddenSize)
            out = try Linear(a["out_proj"], inFeatures: c.hiddenSize, outFeatures: c.hiddenSize)
            fc1 = try Linear(w["mlp"]["fc1"], inFeatures: c.hiddenSize, outFeatures: c.intermediateSize)
            fc2 = try Linear(w["mlp"]["fc2"], inFeatures: c.intermediateSize, outFeatures: c.hiddenSize)
            heads = c.heads
            quickGELU = c.quickGELU
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
            func split(_ t: Tensor) -> Tensor { t.reshaped([b, l, heads, d / heads]).permuted([0, 2, 1, 3]) }
            let h = norm1(x)
            let a = Tensor.attention(q: split(q(h)), k: split(k(h)), v: split(v(h)))
            let x1 = x + out(a.permuted([0, 2, 1, 3]).reshaped([b, l, d]))
            let m = fc1(norm2(x1))
            let act = quickGELU ? m * (m * 1.702).sigmoid() : m.gelu()  // quick_gelu: x sigmoid(1.702 x)
            return x1 + fc2(act)
        }

        var namedParameters: [(String, Tensor)] { ([norm1, q, k, v, out, norm2, fc1, fc2] as [Module]).flatMap(\.namedParameters) }
    }

    public let config: Config
    let patch: Conv2d
    let classEmbedding: Tensor, positions: Tensor
    let preNorm, postNorm: LayerNorm
    let layers: [Layer]
    let projection: Linear
    private let keys: (String, String)

    public init(_ w: WeightScope, config c: Config) throws {
        config = c
        let vm = w["vision_model"], e = vm["embeddings"]
        let tokens = (c.imageSize / c.patchSize) * (c.imageSize / c.patchSize) + 1
        patch = try Conv2d(e["patch_embedding"], inChannels: 3, outChannels: c.hiddenSize, kernel: c.patchSize,
                           stride: c.patchSize, bias: false)
        classEmbedding = try e.load("class_embedding", shape: [c.hiddenSize], initializer: .normal(std: 0.02))
        positions = try e["position_embedding"].load("weight", shape: [tokens, c.hiddenSize], initializer: .normal(std: 0.02))
        keys = (e.key("class_embedding"), e["position_embedding"].key("weight"))
        preNorm = try LayerNorm(vm["pre_layrnorm"], dim: c.hiddenSize, eps: c.layerNormEps)  // sic: transformers' name
        layers = try (0..<c.layers).map { try Layer(vm["encoder"]["layers"]["\($0)"], c) }
        postNorm = try LayerNorm(vm["post_layernorm"], dim: c.hiddenSize, eps: c.layerNormEps)
        projection = try Linear(w["visual_projection"], inFeatures: c.hiddenSize, outFeatures: c.projectionDim, bias: false)
    }

    /// pixel_values [B, 3, S, S] (CLIP-normalised) -> image_embeds [B, projectionDim].
    public func callAsFunction(_ pixels: Tensor) -> Tensor {
        let b = pixels.shape[0], d = config.hiddenSize
        let p = patch(pixels)                                                   // [B, D, g, g]
        let patches = p.reshaped([b, d, -1]).transposed(1, 2)                  // [B, g*g, D]
        let cls = classEmbedding.reshaped([1, 1, d]).expanded(to: [b, 1, d])
        var h = Tensor.concat([cls.contiguous(), patches.contiguous()], axis: 1) + positions.unsqueezed(0)
        h = preNorm(h)
        for layer in layers { h = layer(h) }
        return projection(postNorm(h.slice(axis: 1, 0..<1).reshaped([b, d])))
    }

    public var namedParameters: [(String, Tensor)] {
        patch.namedParameters + [(keys.0, classEmbedding), (keys.1, positions)] + preNorm.namedParameters
            + layers.flatMap(\.namedParameters) + postNorm.namedParameters + projection.namedParameters
    }
}
