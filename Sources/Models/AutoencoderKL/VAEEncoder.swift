import NN
import Tensor

/// The encoder half of diffusers' AutoencoderKL (key names kept): conv_in, down blocks of
/// ResnetBlock2D (eps 1e-6) with a Downsample2D after all but the last, a mid block (resnet,
/// single-head self-attention over group-normed pixels, resnet), group norm, SiLU, conv_out to
/// 2 x latent channels, then quant_conv. Returns the latent Gaussian's mean and log-variance.
public final class VAEEncoder: Module {
    public struct Config: Sendable, Equatable {
        public var blockOutChannels: [Int], layersPerBlock: Int, latentChannels: Int, groups: Int, inChannels: Int
        /// What the diffusion model's latents are: z * scalingFactor (SD's 0.18215 makes its latents about
        /// unit variance; a VAE trained here measures its own: one over the latents' standard deviation).
        public var scalingFactor: Float

        public init(blockOutChannels: [Int], layersPerBlock: Int, latentChannels: Int, groups: Int, inChannels: Int = 3,
                    scalingFactor: Float = 0.18215) {
            (self.blockOutChannels, self.layersPerBlock, self.latentChannels, self.groups, self.inChannels) =
                (blockOutChannels, layersPerBlock, latentChannels, groups, inChannels)
            self.scalingFactor = scalingFactor
        }

        /// Stable Diffusion's / SVD's VAE (scaling factor 0.18215 on the latents).
        public static let sd = Config(blockOutChannels: [128, 256, 512, 512], layersPerBlock: 2, latentChannels: 4, groups: 32)

        /// Orbit's CPU default: the same 8x downsampling and 4 latent channels at a quarter of the width.
        public static let small = Config(blockOutChannels: [32, 64, 128, 128], layersPerBlock: 1, latentChannels: 4, groups: 32)
    }

    let convIn: Conv2d
    let down: [([ResnetBlock2D], Downsample2D?)]
    let mid1, mid2: ResnetBlock2D
    let midAttention: PixelSelfAttention
    let normOut: GroupNorm
    let convOut, quantConv: Conv2d

    public init(_ w: WeightScope, config c: Config) throws {
        let e = w["encoder"]
        let chans = c.blockOutChannels
        convIn = try Conv2d(e["conv_in"], inChannels: c.inChannels, outChannels: chans[0], kernel: 3, padding: 1)
        var inCh = chans[0]
        down = try chans.enumerated().map { i, out in
            let block = e["down_blocks.\(i)"]
            let resnets = try (0..<c.layersPerBlock).map { j -> ResnetBlock2D in
                defer { inCh = out }
                return try ResnetBlock2D(block["resnets.\(j)"], inChannels: j == 0 ? inCh : out, outChannels: out, groups: c.groups, eps: 1e-6)
            }
            let downsample = i < chans.count - 1 ? try Downsample2D(block["downsamplers.0"], channels: out) : nil
            return (resnets, downsample)
        }
        let top = chans[chans.count - 1]
        mid1 = try ResnetBlock2D(e["mid_block.resnets.0"], inChannels: top, outChannels: top, groups: c.groups, eps: 1e-6)
        midAttention = try PixelSelfAttention(e["mid_block.attentions.0"], channels: top, groups: c.groups)
        mid2 = try ResnetBlock2D(e["mid_block.resnets.1"], inChannels: top, outChannels: top, groups: c.groups, eps: 1e-6)
        normOut = try GroupNorm(e["conv_norm_out"], groups: c.groups, channels: top, eps: 1e-6)
        convOut = try Conv2d(e["conv_out"], inChannels: top, outChannels: 2 * c.latentChannels, kernel: 3, padding: 1)
        quantConv = try Conv2d(w["quant_conv"], inChannels: 2 * c.latentChannels, outChannels: 2 * c.latentChannels, kernel: 1)
    }

    /// image [N, 3, H, W] in [-1, 1] -> (mean, logvar) [N, latent, H / 2^(blocks-1), ...].
    public func callAsFunction(_ image: Tensor) -> (mean: Tensor, logvar: Tensor) {
        var h = convIn(image)
        for (resnets, downsample) in down {
            for r in resnets { h = r(h) }
            if let downsample { h = downsample(h) }
        }
        h = mid2(midAttention(mid1(h)))
        let moments = quantConv(convOut(normOut(h).silu())).chunked(2, axis: 1)
        return (moments[0], moments[1])
    }

    public var namedParameters: [(String, Tensor)] {
        convIn.namedParameters + down.flatMap { $0.0.flatMap(\.namedParameters) + ($0.1?.namedParameters ?? []) }
            + mid1.namedParameters + midAttention.namedParameters + mid2.namedParameters
            + normOut.namedParameters + convOut.namedParameters + quantConv.namedParameters
    }
}
