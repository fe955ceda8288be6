import Tensor

/// diffusers' FeedForward with GEGLU: net.0.proj (dim -> 2 x inner), hidden * gelu(gate),
/// net.2 (inner -> dimOut).
public final class FeedForward: Module {
    let geglu: GEGLU
    let out: Linear

    public init(_ w: WeightScope, dim: Int, dimOut: Int? = nil, mult: Int = 4) throws {
        geglu = try GEGLU(w["net.0"], dimIn: dim, dimOut: dim * mult)
        out = try Linear(w["net.2"], inFeatures: dim * mult, outFeatures: dimOut ?? dim)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { out(geglu(x)) }
    public var namedParameters: [(String, Tensor)] { geglu.namedParameters + out.namedParameters }
}

/// The three residual sub-blocks both transformer blocks share, under their keys norm1/attn1
/// (self-attention), norm2/attn2 (cross-attention) and norm3/ff (GEGLU feed-forward).
final class AttentionCore: Module {
    let norm1, norm2, norm3: LayerNorm
    let attn1, attn2: Attention
    let ff: FeedForward

    init(_ w: WeightScope, dim: Int, heads: Int, headDim: Int, contextDim: Int) throws {
        norm1 = try LayerNorm(w["norm1"], dim: dim)
        attn1 = try Attention(w["attn1"], queryDim: dim, heads: heads, headDim: headDim)
        norm2 = try LayerNorm(w["norm2"], dim: dim)
        attn2 = try Attention(w["attn2"], queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim)
        norm3 = try LayerNorm(w["norm3"], dim: dim)
        ff = try FeedForward(w["ff"], dim: dim)
    }

    func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = x + attn1(norm1(x))
        h = h + attn2(norm2(h), context: context)
        return h + ff(norm3(h))
    }

    var namedParameters: [(String, Tensor)] { ([norm1, attn1, norm2, attn2, norm3, ff] as [Module]).flatMap(\.namedParameters) }
}

/// diffusers' BasicTransformerBlock (layer norms, self-attention, cross-attention, GEGLU
/// feed-forward, each with a residual) on x [N, L, dim] with context [N, Lc, contextDim].
public final class BasicTransformerBlock: Module {
    let core: AttentionCore

    public init(_ w: WeightScope, dim: Int, heads: Int, headDim: Int, contextDim: Int) throws {
        core = try AttentionCore(w, dim: dim, heads: heads, headDim: headDim, contextDim: contextDim)
    }

    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor { core(x, context: context) }

    public var namedParameters: [(String, Tensor)] { core.namedParameters }
}

/// diffusers' TemporalBasicTransformerBlock: attention across frames at every position.
/// x [B*F, L, dim] -> [B*L, F, dim]; ff_in (residual when widths match), self-attention,
/// cross-attention to context [B*L, Lc, contextDim], feed-forward; back to [B*F, L, dim].
public final class TemporalBasicTransformerBlock: Module {
    let normIn: LayerNorm
    let ffIn: FeedForward
    let core: AttentionCore

    public init(_ w: WeightScope, dim: Int, heads: Int, headDim: Int, contextDim: Int) throws {
        normIn = try LayerNorm(w["norm_in"], dim: dim)
        ffIn = try FeedForward(w["ff_in"], dim: dim, dimOut: dim)
        core = try AttentionCore(w, dim: dim, heads: heads, headDim: headDim, contextDim: contextDim)
    }

    public func callAsFunction(_ x: Tensor, frames: Int, context: Tensor) -> Tensor {
        let (bf, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let b = bf / frames
        var h = x.reshaped([b, frames, l, d]).permuted([0, 2, 1, 3]).reshaped([b * l, frames, d])
        h = core(ffIn(normIn(h)) + h, context: context)
        return h.reshaped([b, l, frames, d]).permuted([0, 2, 1, 3]).reshaped([bf, l, d])
    }

    public var namedParameters: [(String, Tensor)] { normIn.namedParameters + ffIn.namedParameters + core.namedParameters }
}

/// diffusers' TransformerSpatioTemporalModel on x [B*F, C, H, W] with context [B*F, Lc, contextDim]:
/// group norm (32 groups, eps 1e-6), proj_in, then per layer a spatial block and a temporal block
/// (inputs plus a learned frame-position embedding; context = each video's first-frame context),
/// blended by an AlphaBlender; proj_out and the residual.
public final class TransformerSpatioTemporal: Module {
    let norm: GroupNorm
    let projIn, projOut: Linear
    let blocks: [BasicTransformerBlock]
    let temporalBlocks: [TemporalBasicTransformerBlock]
    let timePosEmbed: TimestepEmbedding
    let mixer: AlphaBlender
    let channels: Int

    public init(_ w: WeightScope, channels: Int, heads: Int, headDim: Int, contextDim: Int, layers: Int = 1) throws {
        let inner = heads * headDim
        self.channels = channels
        norm = try GroupNorm(w["norm"], groups: 32, channels: channels, eps: 1e-6)
        projIn = try Linear(w["proj_in"], inFeatures: channels, outFeatures: inner)
        blocks = try (0..<layers).map { try BasicTransformerBlock(w["transformer_blocks.\($0)"], dim: inner, heads: heads, headDim: headDim, contextDim: contextDim) }
        temporalBlocks = try (0..<layers).map {
            try TemporalBasicTransformerBlock(w["temporal_transformer_blocks.\($0)"], dim: inner, heads: heads, headDim: headDim, contextDim: contextDim)
        }
        timePosEmbed = try TimestepEmbedding(w["time_pos_embed"], inChannels: channels, timeEmbedDim: 4 * channels, outDim: channels)
        mixer = try AlphaBlender(w["time_mixer"])
        projOut = try Linear(w["proj_out"], inFeatures: inner, outFeatures: channels)
    }

    /// `framePositions` [B*F]: each frame's position for the frame-position embedding; nil gives
    /// diffusers' arange over each video's frames.
    public func callAsFunction(_ x: Tensor, context: Tensor, frames: Int, imageOnly: Tensor? = nil,
                               framePositions: Tensor? = nil) -> Tensor {
        let (bf, c, hh, ww) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let b = bf / frames, lc = context.shape[1], dc = context.shape[2]
        // Each video's first-frame context, for every spatial position: [B*H*W, Lc, Dc].
        let first = context.reshaped([b, frames, lc, dc]).slice(axis: 1, 0..<1)
        let timeContext = first.expanded(to: [b, hh * ww, lc, dc]).contiguous().reshaped([b * hh * ww, lc, dc])
        var h = projIn(norm(x).permuted([0, 2, 3, 1]).reshaped([bf, hh * ww, c]))
        // Frame-position embedding: sinusoid (cos first, shift 0) of the frame index, then an MLP.
        let frameIndex = framePositions ?? Tensor((0..<bf).map { Float($0 % frames) }, shape: [bf])
        precondition(frameIndex.shape == [bf], "frame positions must be [B*F] = [\(bf)], got \(frameIndex.shape)")
        let emb = timePosEmbed(Tensor.timestepEmbedding(frameIndex, dim: channels, flipSinToCos: true, downscaleFreqShift: 0))
            .reshaped([bf, 1, channels])
        // AlphaBlender over [B*F, L, D]: view as [B, F, L, D] with frames on axis 1, blend, back.
        for (block, temporal) in zip(blocks, temporalBlocks) {
            h = block(h, context: context)
            let mix = temporal(h + emb, frames: frames, context: timeContext)
            let d = h.shape[2]
            let spatial4 = h.reshaped([b, frames, hh * ww, d]).permuted([0, 3, 1, 2])     // [B, D, F, L]
            let temporal4 = mix.reshaped([b, frames, hh * ww, d]).permuted([0, 3, 1, 2])
            h = mixer(spatial: spatial4, temporal: temporal4, imageOnly: imageOnly)
                .permuted([0, 2, 3, 1]).reshaped([bf, hh * ww, d])
        }
        let out = projOut(h).reshaped([bf, hh, ww, c]).permuted([0, 3, 1, 2])
        return out + x
    }

    public var namedParameters: [(String, Tensor)] {
        norm.namedParameters + projIn.namedParameters + blocks.flatMap(\.namedParameters)
            + temporalBlocks.flatMap(\.namedParameters) + timePosEmbed.namedParameters + mixer.namedParameters
            + projOut.namedParameters
    }
}
