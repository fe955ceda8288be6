import Foundation
import Imaging
import Models
import NN
import Tensor

/// Training the generator's VAE (AutoencoderKL encoder + AutoencoderKLTemporalDecoder) on synthetic
/// orbits, as Stable Diffusion's autoencoder is trained, at CPU scale: L1 reconstruction + LPIPS
/// (AlexNet) + a small KL term, on random crops of short clips of neighbouring views (consecutive
/// azimuths of one ring, the same crop in every frame, so the decoder's temporal layers see the
/// motion an orbit has). The networks are fully convolutional but for the mid-block attention, so
/// crops train them for whole views at a fraction of the cost.
public struct VAETrainingConfig: Sendable {
    public var vae = VAEEncoder.Config.small
    public var crop = 64
    public var clipFrames = 3
    public var batch = 4
    public var learningRate: Float = 4e-4
    public var warmup = 200
    public var lpipsWeight: Float = 1
    /// On the KL divergence averaged over latent elements (SD's 1e-6 on sums is ~2e-8 in these units;
    /// a little more keeps the latents' scale in check).
    public var klWeight: Float = 1e-5
    public var seed: UInt64 = 0
    /// The VAE folder training started from (nil: seeded initialisation).
    public var initialWeights: String?

    public init() {}

    /// What a checkpoint must match to be resumed.
    public var fingerprint: String {
        (initialWeights.map { "from \($0) " } ?? "") + "vae \(vae.blockOutChannels) x\(vae.layersPerBlock) z\(vae.latentChannels) crop \(crop) clip \(clipFrames) batch \(batch) "
            + "lr \(learningRate) warmup \(warmup) lpips \(lpipsWeight) kl \(klWeight) seed \(seed)"
    }
}

public final class VAETrainer {
    public let config: VAETrainingConfig
    public let vae: AutoencoderKLTemporalDecoder
    public let optimizer: Adam
    let lpips: LPIPS
    let sets: [ImageSetReference]
    let resolution: Int

    /// `initialWeights`: a VAE folder to start from (a new phase of training, e.g. whole views after
    /// crops) instead of the seeded initialisation.
    public init(config: VAETrainingConfig, train: [ImageSetReference], resolution: Int, initialWeights: String? = nil) throws {
        guard !train.isEmpty else { throw TrainingError("no training image sets (is the dataset written yet?)") }
        guard config.crop <= resolution, config.crop % 8 == 0, config.crop >= LPIPS.minimumSide else {
            throw TrainingError("crop \(config.crop) must be a multiple of 8, at least \(LPIPS.minimumSide) px (LPIPS's smallest image) "
                                + "and at most the views' \(resolution) px")
        }
        self.config = config
        sets = train
        self.resolution = resolution
        if let initialWeights {
            vae = try WeightLoader.load(path: initialWeights + "/diffusion_pytorch_model.safetensors") {
                try AutoencoderKLTemporalDecoder($0, config: config.vae)
            }
        } else {
            vae = try AutoencoderKLTemporalDecoder(WeightScope(RandomInitializer(seed: config.seed)), config: config.vae)
        }
        optimizer = Adam.adamW(groups: [ParameterGroup(parameters: vae.parameters, learningRate: config.learningRate, weightDecay: 0,
                                                       schedule: LinearSchedule(start: 1, end: 1, steps: 1, warmup: config.warmup))])
        lpips = try LPIPS.pretrained(.alex)
    }

    /// The step's clips: [batch * clipFrames, 3, crop, crop] in [-1, 1].
    func batch(step: Int) throws -> Tensor {
        var rng = SeededGenerator(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(step) &* 0xD1B5_4A32_D192_ED03)
        var frames: [Tensor] = []
        for _ in 0..<config.batch {
            let set = sets[Int(rng.next() % UInt64(sets.count))]
            let ring = Int(rng.next() % 6), first = Int(rng.next() % 16)
            let span = UInt64(resolution - config.crop + 1)
            let (y, x) = (Int(rng.next() % span), Int(rng.next() % span))
            for j in 0..<config.clipFrames {
                let view = try set.view(ring * 16 + (first + j) % 16)
                frames.append(view.slice(axis: 1, y..<(y + config.crop)).slice(axis: 2, x..<(x + config.crop)).contiguous()
                    .unsqueezed(0))
            }
        }
        return Tensor.concat(frames, axis: 0)
    }

    /// One optimiser step; returns the loss terms.
    public func trainStep(_ step: Int) throws -> [String: Float] {
        let x = try batch(step: step)
        optimizer.zeroGrad()
        let (mean, logvar) = vae.encoder(x)
        let noise = Tensor.normal(mean.shape, seed: config.seed ^ UInt64(step) &* 0x2545_F491_4F6C_DD1D)
        let z = mean + (logvar * 0.5).exp() * noise
        let reconstruction = vae.decoder(z, frames: config.clipFrames)
        let l1 = (reconstruction - x).abs().mean()
        let perceptual = lpips(reconstruction, x).mean()
        let kl = ((mean * mean + logvar.exp() - logvar - 1) * 0.5).mean()
        let loss = l1 + perceptual * config.lpipsWeight + kl * config.klWeight
        loss.backward()
        optimizer.update()
        return ["loss": loss.item(), "l1": l1.item(), "lpips": perceptual.item(), "kl": kl.item()]
    }

    /// Reconstructs whole views of held-out sets (latent means; each set's views decoded as one clip,
    /// as the decoder's temporal layers expect neighbouring views): PSNR (on [0, 1]) and LPIPS
    /// (AlexNet) means, and a sheet with the originals above their reconstructions.
    public func validate(_ sets: [ImageSetReference], views: [Int]) throws -> (psnr: Float, lpips: Float, sheet: Image) {
        var originals: [Tensor] = [], reconstructions: [Tensor] = []
        for set in sets {
            let x = Tensor.concat(try views.map { try set.view($0).unsqueezed(0) }, axis: 0)
            originals.append(x)
            reconstructions.append(noGrad { vae.decoder(vae.encoder(x).mean, frames: views.count) })
        }
        let a = Tensor.concat(originals, axis: 0), b = Tensor.concat(reconstructions, axis: 0)
        let psnr = ImageGrid.meanPSNR(a, b), perceptual = noGrad { lpips(b, a).mean().item() }
        return (psnr, perceptual, ImageGrid.sheet(rows: [a, b]))
    }

    /// The VAE's latent scaling factor: one over the standard deviation of latent means over views of
    /// the given sets (SD's 0.18215 is this number for its VAE).
    public func measuredScalingFactor(_ sets: [ImageSetReference], views: [Int]) throws -> Float {
        var sum = 0.0, sumSquares = 0.0, n = 0
        for set in sets {
            for v in views {
                let x = try set.view(v).unsqueezed(0)
                let z = noGrad { vae.encoder(x).mean }.toArray()
                for value in z { sum += Double(value); sumSquares += Double(value) * Double(value) }
                n += z.count
            }
        }
        let mean = sum / Double(n), variance = sumSquares / Double(n) - mean * mean
        return Float(1 / variance.squareRoot())
    }
}
