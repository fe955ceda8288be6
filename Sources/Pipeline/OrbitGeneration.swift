import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Tensor

/// Sampling settings of `orbit generate` (SV3D's defaults where it has them).
public struct GenerationSettings: Sendable {
    public var steps = 25
    /// The step rule (SVD: Euler; DPM-Solver++(2M) and Heun reach Euler's quality in fewer steps).
    public var sampler = EDMSampler.Method.euler
    public var seed: UInt64 = 0
    /// Classifier-free guidance per view: `guidanceMin` at the input's azimuth rising linearly to
    /// `guidanceMax` on the far side (SV3D's triangle schedule, per ring). Both 1: no guidance pass.
    public var guidanceMin: Float = 1, guidanceMax: Float = 2.5
    /// Noise added to the conditioning image before encoding, also fed as the first camera id
    /// (SV3D's cond_aug).
    public var conditioningAugmentation: Float = 1e-5
    /// Frames the VAE decodes at once (diffusers' decode_chunk_size): bounds memory.
    public var decodeChunk = 8

    public init() {}

    /// Guidance scale of each view.
    public func guidanceScales(_ views: [OrbitView]) -> [Float] {
        views.map { guidanceMin + (guidanceMax - guidanceMin) * $0.azimuthFromFront / 180 }
    }
}

/// What the UNet is conditioned on for one portrait.
public struct GeneratorConditions {
    /// CLIP image embedding [1, contextDim].
    public let imageEmbedding: Tensor
    /// Identity embedding [1, identityDim], nil when the model has no identity token or no face was found.
    public let identity: Tensor?
    /// The portrait's VAE latent mean [1, latent, h, w], unscaled (SVD concatenates it to every frame).
    public let latent: Tensor

    public init(imageEmbedding: Tensor, identity: Tensor?, latent: Tensor) {
        (self.imageEmbedding, self.identity, self.latent) = (imageEmbedding, identity, latent)
    }
}

extension GeneratorModel {
    /// CLIP's pixel normalisation (OpenAI's image mean and std).
    static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073], clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    /// Embeds the prepared portrait: CLIP on the view resized to the encoder's input, the identity
    /// encoder on the aligned face, and the VAE encoder on the view with SVD's noise augmentation.
    public func conditions(for portrait: PreparedPortrait, identityEncoder: SFace?, settings: GenerationSettings) -> GeneratorConditions {
        noGrad {
            let image = imageEncoder(imageEncoderInput(portrait.view).unsqueezed(0))
            var identity: Tensor?
            if configuration.identityDim != nil, let identityEncoder, let face = portrait.alignedFace {
                identity = FaceAnalysis.embedding(face, model: identityEncoder)
            }
            let pixels = portrait.view.tensor().unsqueezed(0) * 2 - 1  // [1, 3, R, R] in [-1, 1]
            let augmented = pixels + Tensor.normal(pixels.shape, seed: settings.seed &+ 1) * settings.conditioningAugmentation
            return GeneratorConditions(imageEmbedding: image, identity: identity, latent: vae.encoder(augmented).mean)
        }
    }

    /// The image encoder's input [3, S, S]: the RGB view resized to its side, CLIP-normalised.
    public func imageEncoderInput(_ view: Image) -> Tensor { Self.imageEncoderInput(view, size: configuration.imageEncoder.imageSize) }

    public static func imageEncoderInput(_ view: Image, size: Int) -> Tensor {
        let pixels = (view.width == size && view.height == size ? view : view.resized(width: size, height: size, filter: .area)).tensor()
        return (pixels - Tensor(clipMean, shape: [3, 1, 1])) / Tensor(clipStd, shape: [3, 1, 1])
    }

    /// The frames' positions [1, F] for a UNet with explicit frame positions (nil otherwise).
    func framePositions(_ views: [OrbitView]) -> Tensor? {
        unet.config.explicitFramePositions ? Tensor(views.map(\.orbitPosition), shape: [1, views.count]) : nil
    }

    /// The per-frame camera ids [1, F, 3]: (cond_aug, polar angle, azimuth) in radians.
    func cameraIds(_ views: [OrbitView], settings: GenerationSettings) -> Tensor {
        Tensor(views.flatMap { [settings.conditioningAugmentation, $0.polarRadians, $0.azimuthRadians] }, shape: [1, views.count, 3])
    }

    /// Samples the orbit's latents [F, latent, h, w] (scaled by the VAE's scaling factor), one video of
    /// `views.count` frames, with EDM / Euler and per-view classifier-free guidance (the unconditional
    /// branch has zero context tokens and a zero conditioning latent, as SVD's pipeline does).
    /// `progress` sees the sampler's state after every step; `resume` continues from one; when
    /// `shouldStop` says so after a step, sampling ends there (the result is then partly denoised).
    public func sampleOrbit(_ conditions: GeneratorConditions, views: [OrbitView], settings: GenerationSettings,
                            resume: EDMSampler.State? = nil,
                            progress: ((EDMSampler.State) -> Void)? = nil, shouldStop: () -> Bool = { false }) -> Tensor {
        let frames = views.count, latent = conditions.latent
        let (c, h, w) = (latent.shape[1], latent.shape[2], latent.shape[3])
        let scales = settings.guidanceScales(views)
        let guided = scales.contains { $0 != 1 }
        let ids = cameraIds(views, settings: settings)
        let positions = framePositions(views)
        let condition = latent.unsqueezed(1).expanded(to: [1, frames, c, h, w])
        let context = noGrad { self.context(image: conditions.imageEmbedding, identity: conditions.identity,
                                            dropIdentity: conditions.identity == nil) }
        let unconditional = noGrad { self.context(image: conditions.imageEmbedding, identity: conditions.identity,
                                                  dropImage: true, dropIdentity: true) }
        let noise = Tensor.normal([1, frames, c, h, w], seed: settings.seed)
        let sampled = EDMSampler(sigmaMax: configuration.sigmaMax, method: settings.sampler).sample(noise: noise, steps: settings.steps, resume: resume, model: { input, cNoise, _ in
            noGrad {
                let conditioned = Tensor.concat([input, condition.contiguous()], axis: 2)  // [1, F, 2c, h, w]
                guard guided else {
                    return unet(conditioned, timestep: Tensor([cNoise], shape: [1]), context: context, addedTimeIds: ids,
                                framePositions: positions)
                }
                let blank = Tensor.concat([input, Tensor(zeros: condition.shape)], axis: 2)
                let out = unet(Tensor.concat([blank, conditioned], axis: 0), timestep: Tensor([cNoise, cNoise], shape: [2]),
                               context: Tensor.concat([unconditional, context], axis: 0),
                               addedTimeIds: Tensor.concat([ids, ids], axis: 0),
                               framePositions: positions.map { Tensor.concat([$0, $0], axis: 0) })
                return FrameGuidance.combine(uncond: out.slice(axis: 0, 0..<1), cond: out.slice(axis: 0, 1..<2),
                                             scales: scales, frameAxis: 1)
            }
        }, progress: progress, shouldStop: shouldStop)
        return sampled.reshaped([frames, c, h, w])
    }

    /// Decodes sampled latents [F, latent, h, w] to RGB views in [0, 1], `chunk` frames at a time.
    /// `progress` sees (frames decoded, frames).
    public func decodeViews(_ latents: Tensor, chunk: Int, progress: ((Int, Int) -> Void)? = nil) -> [Image] {
        let frames = latents.shape[0]
        var images: [Image] = []
        for start in stride(from: 0, to: frames, by: chunk) {
            let end = min(start + chunk, frames)
            let decoded = noGrad {
                vae.decode(latents.slice(axis: 0, start..<end) / vae.scalingFactor, frames: end - start)
            }
            for f in 0..<(end - start) {
                images.append(Image(tensor: (decoded.slice(axis: 0, f..<(f + 1)).reshaped(Array(decoded.shape[1...])) + 1) * 0.5))
            }
            progress?(end, frames)
        }
        return images
    }
}
