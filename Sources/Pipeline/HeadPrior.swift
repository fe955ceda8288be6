import Diffusion
import Foundation
import Models
import NN
import Tensor

/// How a head model's codes lie in the prior's one vector: geometry, appearance, expression, then
/// zeros up to a multiple of 8 (as 1D-DiffNPHR pads MonoNPHM's 4452 to 4456).
public struct HeadLatentLayout: Sendable, Equatable {
    public let geometry: Int, appearance: Int, expression: Int

    public init(_ c: NPHMConfiguration) { (geometry, appearance, expression) = (c.identityCodeLength, c.identityCodeLength, c.expressionCode) }

    public var used: Int { geometry + appearance + expression }
    public var length: Int { (used + 7) / 8 * 8 }

    /// [B, length] from the three codes [B, *].
    public func join(geometry g: Tensor, appearance a: Tensor, expression e: Tensor) -> Tensor {
        Tensor.concat([g, a, e], axis: 1).padded([(0, 0), (0, length - used)])
    }

    /// The three codes of latents [B, length].
    public func split(_ latent: Tensor) -> (geometry: Tensor, appearance: Tensor, expression: Tensor) {
        (latent.slice(axis: 1, 0..<geometry), latent.slice(axis: 1, geometry..<(geometry + appearance)),
         latent.slice(axis: 1, (geometry + appearance)..<used))
    }
}

/// The head model's latent prior: a 1D UNet denoising latents scaled to [-1, 1] per dimension (by
/// the training codes' minimum and maximum), v-prediction on DDIM's discrete schedule, sampled with
/// DDIM and classifier-free guidance (the unconditional branch sees a zero condition).
public final class HeadPrior {
    public let unet: UNet1D
    /// [length] each: per-dimension minimum, maximum and mean of the training latents.
    public let latentMin: Tensor, latentMax: Tensor, latentMean: Tensor
    public let scheduler = DDIMScheduler(prediction: .vPrediction)

    public init(unet: UNet1D, latentMin: Tensor, latentMax: Tensor, latentMean: Tensor) {
        (self.unet, self.latentMin, self.latentMax, self.latentMean) = (unet, latentMin, latentMax, latentMean)
    }

    var range: Tensor { noGrad { Tensor.maximum(latentMax - latentMin, Tensor.scalar(1e-6)) } }

    /// Latents [B, L] to the network's [-1, 1] scale, and back.
    public func normalised(_ latent: Tensor) -> Tensor { (latent - latentMin) / range * 2 - 1 }
    public func denormalised(_ x: Tensor) -> Tensor { (x + 1) / 2 * range + latentMin }

    /// Latents [B, L] for conditions [B, C]: DDIM from unit noise (seeded), guidance
    /// uncond + scale (cond - uncond); `progress(step, steps)`.
    public func sample(conditions: Tensor, steps: Int = 50, guidance: Float = 2, seed: UInt64,
                       progress: (Int, Int) -> Void = { _, _ in }) -> Tensor {
        noGrad {
            let b = conditions.shape[0], length = unet.config.length
            var x = Tensor.normal([b, length], seed: seed)
            let none = Tensor(zeros: conditions.shape)
            for (i, t) in scheduler.timesteps(steps: steps).enumerated() {
                let time = Tensor([Float](repeating: Float(t), count: b), shape: [b])
                var v = unet(x, timesteps: time, condition: conditions)
                if guidance != 1 {
                    let unconditional = unet(x, timesteps: time, condition: none)
                    v = unconditional + (v - unconditional) * guidance
                }
                x = scheduler.step(modelOutput: v, timestep: t, sample: x, steps: steps)
                progress(i + 1, steps)
            }
            return denormalised(x.clamped(-1.5, 1.5))
        }
    }

    /// The network's own estimate of E[latent | condition], [B, L]: its clean-latent prediction
    /// x0 = sqrt(a) x - sqrt(1 - a) v at the last training timestep, where the noisy input x says
    /// next to nothing about the latent, so the MSE-trained denoiser can only answer with the mean
    /// it learned for the condition; averaged over `draws` noise inputs (seeded), with guidance.
    /// One network evaluation per draw instead of a whole DDIM chain.
    public func posteriorMean(conditions: Tensor, draws: Int = 8, guidance: Float = 1, seed: UInt64) -> Tensor {
        noGrad {
            let (b, length) = (conditions.shape[0], unet.config.length)
            let repeated = Tensor.concat(Array(repeating: conditions.unsqueezed(1), count: draws), axis: 1).reshaped([b * draws, -1])
            let x = Tensor.normal([b * draws, length], seed: seed)
            let t = scheduler.trainSteps - 1, alpha = scheduler.alphasCumprod[t]
            let time = Tensor([Float](repeating: Float(t), count: b * draws), shape: [b * draws])
            var v = unet(x, timesteps: time, condition: repeated)
            if guidance != 1 {
                let unconditional = unet(x, timesteps: time, condition: Tensor(zeros: repeated.shape))
                v = unconditional + (v - unconditional) * guidance
            }
            let x0 = x * alpha.squareRoot() - v * (1 - alpha).squareRoot()
            return denormalised(x0.reshaped([b, draws, length]).mean(axes: [1]).clamped(-1.5, 1.5))
        }
    }

    /// prior/: config.json (the UNet's sizes), model.safetensors, normalisation.safetensors.
    public static func load(from directory: String) throws -> HeadPrior {
        let config = try CodableConfigFile.read(UNet1DConfiguration.self, from: directory + "/config.json", what: "a UNet1D configuration")
        let unet = try WeightLoader.load(path: directory + "/model.safetensors") { try UNet1D($0, config: config) }
        let norms = try SafeTensorsFile(path: directory + "/normalisation.safetensors")
        let (lo, hi, mean) = (try norms.tensor("latent_min"), try norms.tensor("latent_max"), try norms.tensor("latent_mean"))
        guard [lo, hi, mean].allSatisfy({ $0.shape == [config.length] }) else {
            throw WeightError("\(directory)/normalisation.safetensors: latent_min/max/mean must be [\(config.length)]")
        }
        return HeadPrior(unet: unet.frozen(), latentMin: lo, latentMax: hi, latentMean: mean)
    }

    public func save(to directory: String, provenance: String) throws {
        try CodableConfigFile.write(unet.config, to: directory + "/config.json")
        try unet.save(to: directory + "/model.safetensors", metadata: ["format": "pt", "provenance": provenance], dtype: .f16)
        try SafeTensors.write([("latent_min", latentMin), ("latent_max", latentMax), ("latent_mean", latentMean)],
                              metadata: ["provenance": provenance], to: directory + "/normalisation.safetensors")
    }
}
