import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// Stage one of seed paper 004 (sections 3.2-3.3, Eq. 1-3) at CPU scale: the spatio-temporal UNet
/// learns to denoise a random subset of an orbit's views given one random conditioning view of the
/// front half (its VAE latent on every frame, its image-encoder token and SFace identity token in
/// cross-attention, each frame's camera in the added time ids and its orbit index as frame
/// position). EDM training as SVD does it: log-normal sigma, v-prediction with c_skip, c_out,
/// c_in for sigma_data 1 (the latents are scaled to unit variance by the VAE's measured factor),
/// and loss weight (sigma^2 + 1) / sigma^2 on the clean estimate (= plain MSE on v). Condition
/// dropout for classifier-free guidance; AdamW; an EMA of the weights is what gets exported. The
/// image encoder and the identity projection train with the UNet; the VAE is frozen.
public struct GeneratorTrainingConfig: Sendable {
    public var model = GeneratorModel.Configuration.small
    /// A sample's views: `framesPerSample / runLength` runs of `runLength` consecutive azimuths, each on
    /// a random ring from a random start, no view twice (neighbours as in an orbit video, far views as
    /// in the full 96-view grid; a run is what the decoder's temporal layers expect for Eq. 4's terms).
    public var framesPerSample = 12
    public var runLength = 3
    /// Seed paper Eq. 4: LPIPS-VGG and identity (1 - SFace cosine, faces aligned with the ground
    /// truth's landmarks) between the decoded clean estimate of each sample's first run and its
    /// ground truth, back-propagated through the frozen decoder. 0 switches a term off (the
    /// decoder and VGG cost several denoising steps each).
    public var perceptualWeight: Float = 0, identityWeight: Float = 0
    public var batch = 2
    public var learningRate: Float = 2e-4
    public var warmup = 300
    public var weightDecay: Float = 0.01
    /// A closing phase: from step `annealFrom` the learning rate falls linearly from `annealStartFactor`
    /// to `annealFactor` times itself over `annealSteps` steps. Like the image terms, a setting a resumed run may change, so
    /// it stays out of the fingerprint.
    public var annealFrom: Int?, annealSteps = 1, annealStartFactor: Float = 1, annealFactor: Float = 1
    public var emaDecay: Float = 0.999
    public var gradientClip: Float = 1
    /// log sigma ~ N(pMean, pStd): EDM's (-1.2, 1.2) for sigma_data 0.5, shifted by ln 2 for unit-variance latents.
    public var pMean: Float = -0.5, pStd: Float = 1.2
    /// Probabilities of dropping every condition (the unconditional branch: zero tokens and latent),
    /// and of dropping the image token or the identity token alone.
    public var dropAll: Float = 0.1, dropImage: Float = 0.1, dropIdentity: Float = 0.1
    public var seed: UInt64 = 0

    public init() {}

    public var fingerprint: String {
        let u = model.unet
        return "generator unet \(u.blockChannels) heads \(u.heads) ctx \(u.contextDim) clip \(model.imageEncoder.hiddenSize)x"
            + "\(model.imageEncoder.layers)@\(model.imageEncoder.imageSize) frames \(framesPerSample) batch \(batch) lr \(learningRate) "
            + "warmup \(warmup) wd \(weightDecay) ema \(emaDecay) clip \(gradientClip) sigma \(pMean),\(pStd) "
            + "drop \(dropAll),\(dropImage),\(dropIdentity) seed \(seed) runs \(runLength)"
    }

    /// The image-space terms are weights of the objective, not of the run's state: a run can switch
    /// them on when resumed (a fine-tuning phase), so they stay out of the fingerprint.
    public var usesImageTerms: Bool { perceptualWeight > 0 || identityWeight > 0 }
}

public final class GeneratorTrainer {
    public let config: GeneratorTrainingConfig
    public let model: GeneratorModel
    public let optimizer: Adam
    public let ema: ExponentialMovingAverage
    let sets: [ImageSetReference]
    let shards: [LatentCache.Shard]
    /// Eq. 4's networks (real weights, frozen), loaded only when a term is on.
    let perceptual: LPIPS?, identityNetwork: SFace?

    /// The parameters that train (UNet, image encoder, identity projection) under each module's own
    /// keys, in the order the EMA keeps them.
    var modelParameters: [(String, Tensor)] {
        model.unet.namedParameters + model.imageEncoder.namedParameters + model.context.namedParameters
    }

    /// The same parameters under component-prefixed keys (the checkpoint's).
    public var trainedParameters: [(String, Tensor)] {
        model.unet.namedParameters.map { ("unet." + $0.0, $0.1) }
            + model.imageEncoder.namedParameters.map { ("image_encoder." + $0.0, $0.1) }
            + model.context.namedParameters.map { ("identity_proj." + $0.0, $0.1) }
    }

    public init(config: GeneratorTrainingConfig, vaeDirectory: String, cache: LatentCache, train: [ImageSetReference]) throws {
        let weights = vaeDirectory + "/diffusion_pytorch_model.safetensors"
        guard try LatentCache.hash(ofFile: weights) == cache.vaeHash else {
            throw TrainingError("\(cache.directory): the cache was made with another VAE than \(weights); rebuild it")
        }
        let available = train.filter { FileManager.default.fileExists(atPath: cache.shardPath($0)) }
        guard !available.isEmpty else { throw TrainingError("\(cache.directory): no cache shards for the training sets") }
        self.config = config
        sets = available
        shards = try available.map(cache.load)
        var modelConfiguration = config.model
        modelConfiguration.identityEncoder = cache.identityEncoder  // the token means what the cache's faces mean
        model = try GeneratorModel.withTrainedVAE(modelConfiguration, vaeDirectory: vaeDirectory, seed: config.seed)
        model.vae.frozen()
        let named = model.unet.namedParameters + model.imageEncoder.namedParameters + model.context.namedParameters  // = modelParameters
        // No weight decay on norms and biases (vectors), as is usual for AdamW.
        let matrices = named.filter { $0.1.rank >= 2 }.map(\.1), vectors = named.filter { $0.1.rank < 2 }.map(\.1)
        let schedule = WarmupAnnealSchedule(warmup: config.warmup, annealFrom: config.annealFrom, annealSteps: config.annealSteps,
                                            startFactor: config.annealStartFactor, finalFactor: config.annealFactor)
        optimizer = Adam.adamW(groups: [
            ParameterGroup(name: "weights", parameters: matrices, learningRate: config.learningRate, weightDecay: config.weightDecay,
                           schedule: schedule),
            ParameterGroup(name: "vectors", parameters: vectors, learningRate: config.learningRate, weightDecay: 0, schedule: schedule),
        ])
        ema = ExponentialMovingAverage(named, decay: config.emaDecay)
        perceptual = config.perceptualWeight > 0 ? try LPIPS.pretrained(.vgg) : nil
        identityNetwork = config.identityWeight > 0 ? try cache.identityEncoder.load() : nil
        precondition(Set(trainedParameters.map(\.0)).count == trainedParameters.count, "trained parameter keys must be unique")
    }

    /// The image sets the trainer draws from (those with cache shards).
    public var trainingSets: Int { sets.count }

    /// One training sample's inputs, drawn from `rng`.
    struct Sample {
        let set: Int, conditioningView: Int, views: [Int], sigma: Float
        let keepAll: Bool, keepImage: Bool, keepIdentity: Bool
    }

    func drawSample(_ rng: inout SeededGenerator) -> Sample {
        let set = Int(rng.next() % UInt64(sets.count))
        let candidates = LatentCache.identityViews
        let conditioning = candidates[Int(rng.next() % UInt64(candidates.count))]
        var views: [Int] = []
        while views.count < config.framesPerSample {
            let ring = Int(rng.next() % 6), start = Int(rng.next() % 16)
            let run = (0..<min(config.runLength, config.framesPerSample - views.count)).map { ring * 16 + (start + $0) % 16 }
            if run.allSatisfy({ !views.contains($0) }) { views += run }
        }
        let sigma = Foundation.exp(config.pMean + config.pStd * rng.nextGaussian())
        func keep(_ p: Float) -> Bool { rng.nextUniform() >= p }
        let all = keep(config.dropAll), image = keep(config.dropImage), identity = keep(config.dropIdentity)
        return Sample(set: set, conditioningView: conditioning, views: views, sigma: sigma, keepAll: all, keepImage: image,
                      keepIdentity: identity && shards[set].hasFace[conditioning])
    }

    /// One optimiser step; returns the loss terms.
    public func trainStep(_ step: Int) throws -> [String: Float] {
        var rng = SeededGenerator(seed: config.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(step) &* 0xD1B5_4A32_D192_ED03)
        let samples = (0..<config.batch).map { _ in drawSample(&rng) }
        let (b, f, s) = (config.batch, config.framesPerSample, model.vae.scalingFactor)
        var clean: [Tensor] = [], conditioning: [Tensor] = [], pixels: [Tensor] = [], identities: [Tensor] = []
        var cameras: [Float] = [], positions: [Float] = []
        for sample in samples {
            let shard = shards[sample.set]
            clean.append(Tensor.concat(sample.views.map { shard.latents.slice(axis: 0, $0..<($0 + 1)) }, axis: 0).unsqueezed(0) * s)
            let latent = shard.latents.slice(axis: 0, sample.conditioningView..<(sample.conditioningView + 1)).contiguous()
            conditioning.append(latent * (sample.keepAll ? 1 : 0))                   // [1, C, h, w]
            pixels.append(model.imageEncoderInput(try sets[sample.set].viewImage(sample.conditioningView)).unsqueezed(0))
            identities.append(shard.identity.slice(axis: 0, sample.conditioningView..<(sample.conditioningView + 1)))
            for v in sample.views {
                let orbit = OrbitView.standard[v]
                cameras += [0, orbit.polarRadians, orbit.azimuthRadians]
                positions.append(orbit.orbitPosition)
            }
        }
        let x0 = Tensor.concat(clean, axis: 0)                                      // [B, F, C, h, w], unit variance
        let (c, h, w) = (x0.shape[2], x0.shape[3], x0.shape[4])
        let condition = Tensor.concat(conditioning, axis: 0).unsqueezed(1).expanded(to: [b, f, c, h, w])
        let sigmas = samples.map(\.sigma)
        func perSample(_ values: [Float]) -> Tensor { Tensor(values, shape: [b, 1, 1, 1, 1]) }
        let noise = Tensor.normal(x0.shape, seed: config.seed ^ UInt64(step) &* 0x2545_F491_4F6C_DD1D)
        let noisy = x0 + noise * perSample(sigmas)
        let input = Tensor.concat([noisy * perSample(sigmas.map(EDMSampler.cIn)), condition.contiguous()], axis: 2)
        // v-prediction target: D = c_skip x + c_out v = x0  =>  v = (x0 - c_skip x) / c_out.
        let target = (x0 - noisy * perSample(sigmas.map(EDMSampler.cSkip))) / perSample(sigmas.map(EDMSampler.cOut))

        optimizer.zeroGrad()
        let image = model.imageEncoder(Tensor.concat(pixels, axis: 0))
        let context = model.context(image: image, identity: Tensor.concat(identities, axis: 0),
                                    keepImage: samples.map { $0.keepAll && $0.keepImage ? 1 : 0 },
                                    keepIdentity: samples.map { $0.keepAll && $0.keepIdentity ? 1 : 0 })
        let v = model.unet(input, timestep: Tensor(sigmas.map(EDMSampler.cNoise), shape: [b]), context: context,
                           addedTimeIds: Tensor(cameras, shape: [b, f, 3]), framePositions: Tensor(positions, shape: [b, f]))
        let difference = v - target
        let denoising = (difference * difference).mean()
        var loss = denoising, terms: [String: Float] = ["mse_v": denoising.item()]
        if config.usesImageTerms {
            // D = c_skip x + c_out v: the clean estimate whose decoded images Eq. 4 compares.
            let denoised = noisy * perSample(sigmas.map(EDMSampler.cSkip)) + v * perSample(sigmas.map(EDMSampler.cOut))
            let image = try imageTerms(denoised, samples: samples)
            if let p = image.perceptual {
                loss = loss + p * config.perceptualWeight
                terms["perceptual"] = p.item()
            }
            if let i = image.identity {
                loss = loss + i * config.identityWeight
                terms["identity"] = i.item()
            }
        }
        loss.backward()
        let gradientNorm = clipGradNorm(trainedParameters.map(\.1), maxNorm: config.gradientClip)
        optimizer.update()
        ema.update(modelParameters, step: optimizer.step)
        terms["loss"] = loss.item()
        terms["grad_norm"] = gradientNorm
        return terms
    }

    /// Seed paper Eq. 4's image-space terms on each sample's first run of views: decoded (frozen VAE
    /// decoder, a run of neighbours as it was trained on) and compared with the ground-truth renders:
    /// LPIPS-VGG, and 1 - SFace cosine on faces aligned with the ground truth's landmarks (views whose
    /// ground truth showed a face). denoised [B, F, C, h, w] in scaled latent units.
    func imageTerms(_ denoised: Tensor, samples: [Sample]) throws -> (perceptual: Tensor?, identity: Tensor?) {
        let run = config.runLength, scale = model.vae.scalingFactor
        var decoded: [Tensor] = [], truth: [Tensor] = [], faces: [(image: Tensor, view: Int, shard: Int)] = []
        for (b, sample) in samples.enumerated() {
            let z = denoised.slice(axis: 0, b..<(b + 1)).slice(axis: 1, 0..<run)
                .reshaped([run] + Array(denoised.shape.dropFirst(2)))                       // [run, C, h, w]
            let images = model.vae.decoder(z / scale, frames: run)                     // [run, 3, R, R] in [-1, 1]
            decoded.append(images)
            for (k, v) in sample.views.prefix(run).enumerated() {
                truth.append(try sets[sample.set].view(v).unsqueezed(0))
                if shards[sample.set].hasFace[v] { faces.append((images.slice(axis: 0, k..<(k + 1)), v, sample.set)) }
            }
        }
        let predicted = Tensor.concat(decoded, axis: 0), target = Tensor.concat(truth, axis: 0)
        let perceptualTerm = perceptual.map { $0(predicted, target).mean() }
        var identityTerm: Tensor?
        if let identityNetwork, !faces.isEmpty {
            let crops = Tensor.concat(faces.map { face in
                FaceAlignment.alignedCrop(((face.image + 1) * 0.5).reshaped(Array(face.image.shape.dropFirst())),
                                          landmarks: shards[face.shard].landmarks[face.view], size: 112).unsqueezed(0)
            }, axis: 0)
            let reference = Tensor.concat(faces.map { shards[$0.shard].identity.slice(axis: 0, $0.view..<($0.view + 1)) }, axis: 0)
            identityTerm = identityDistance(identityNetwork(crops * 255), reference).mean()
        }
        return (perceptualTerm, identityTerm)
    }

    /// The averaged (EMA) model saved as a generator directory (diffusers layout, F16), atomically.
    /// Runs `body` with the EMA weights in the model.
    public func withAveragedWeights<T>(_ body: () throws -> T) rethrows -> T { try ema.withAveragedWeights(modelParameters, body) }

    public func exportAveraged(to directory: String, provenance: String) throws {
        try withAveragedWeights {
            model.provenance = provenance
            try model.save(to: directory, replace: true, dtype: .f16)
        }
    }
}

extension SeededGenerator {
    /// Uniform in [0, 1) from the top 24 bits.
    mutating func nextUniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal (Box-Muller).
    mutating func nextGaussian() -> Float {
        let u1 = max(nextUniform(), 1e-7), u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }
}
